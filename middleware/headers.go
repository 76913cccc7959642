package middleware

import (
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strings"

	"github.com/esrt-dev/esrt/internal/edit"
	"github.com/esrt-dev/esrt/internal/header"
	"github.com/esrt-dev/esrt/internal/options"
	"github.com/esrt-dev/esrt/internal/version"
	"github.com/esrt-dev/esrt/rt"
)

// HeadersConfig configures [Headers]. The zero value sends esrt's
// User-Agent and nothing else of its own.
type HeadersConfig struct {
	// UserAgent is the User-Agent of requests that have none. If empty,
	// [UserAgent]().
	UserAgent string

	// Header holds default headers. Each fills only keys the request does
	// not have; it never replaces a header the request set.
	Header http.Header
}

// UserAgent returns esrt's default User-Agent,
// "esrt/<version> (<GOOS> <GOARCH>; Go <version>)".
func UserAgent() string {
	return "esrt/" + version.Version + " (" + runtime.GOOS + " " + runtime.GOARCH + "; Go " +
		strings.TrimPrefix(runtime.Version(), "go") + ")"
}

// Headers returns a middleware that completes each request's headers:
//
//   - User-Agent, when the request has none;
//   - headers set with [rt.WithHeader] on the request's context, for keys
//     the request does not have;
//   - X-Opaque-Id from [rt.WithOpaqueID], when the request has none;
//   - cfg.Header, for keys still missing.
//
// So the request's own headers win, then per-request context values, then
// the configured defaults. A per-request value that cannot be sent in a
// header (a control character, an invalid name) fails the request without
// sending it, with an [*rt.LocalError] wrapping an [*rt.ConfigError] that
// names the option: it is the request's fault, never a node's.
func Headers(cfg HeadersConfig) rt.Middleware {
	ua := cfg.UserAgent
	if ua == "" {
		ua = UserAgent()
	}
	defaults := make(http.Header, len(cfg.Header))
	for k, v := range cfg.Header {
		defaults[http.CanonicalHeaderKey(k)] = slices.Clip(slices.Clone(v))
	}
	return func(next http.RoundTripper) http.RoundTripper {
		return &headersTransport{next: next, userAgent: []string{ua}, defaults: defaults}
	}
}

type headersTransport struct {
	next      http.RoundTripper
	userAgent []string // shared by every request: cap == len, so Add copies
	defaults  http.Header
}

var (
	_ http.RoundTripper = (*headersTransport)(nil)
	_ edit.Editor       = (*headersTransport)(nil)
)

func (t *headersTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return edit.RoundTrip(t, t.next, req)
}

// Edit adds the missing headers to r (see [Headers]). Under the routing
// middleware, the router applies it to its copy of each attempt.
func (t *headersTransport) Edit(r *edit.Request) error {
	o := options.From(r.In().Context())
	extra, opaqueID := o.Header, o.OpaqueID
	if err := checkHeaderOption(extra); err != nil {
		return localOptionError("rt.WithHeader", err)
	}
	if !header.ValidValue(opaqueID) {
		return localOptionError("rt.WithOpaqueID", header.ErrControl)
	}
	if _, ok := r.Header()["User-Agent"]; !ok {
		r.SetHeader("User-Agent", t.userAgent)
	}
	fillEdit(r, extra)
	if opaqueID != "" && headerValue(r.Header(), "X-Opaque-Id") == "" {
		r.SetHeader("X-Opaque-Id", []string{opaqueID})
	}
	fillEdit(r, t.defaults)
	return nil
}

// fill copies into dst the keys of src that dst does not have.
func fill(dst, src http.Header) {
	for k, v := range src {
		k = http.CanonicalHeaderKey(k)
		if _, ok := dst[k]; !ok {
			dst[k] = slices.Clip(v)
		}
	}
}

// fillEdit sets in r the keys of src that r's header does not have.
func fillEdit(r *edit.Request, src http.Header) {
	for k, v := range src {
		k = http.CanonicalHeaderKey(k)
		if _, ok := r.Header()[k]; !ok {
			r.SetHeader(k, slices.Clip(v))
		}
	}
}

// Unwrap returns the next RoundTripper.
func (t *headersTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to the next RoundTripper.
func (t *headersTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }

// String names the layer, so that printing it shows no configuration.
func (t *headersTransport) String() string { return "headers" }

// Format prints the layer's name for every verb, %#v and %d included: the
// layer holds the default headers, an Authorization among them, which fmt would otherwise print field by field.
func (t *headersTransport) Format(f fmt.State, _ rune) { fmt.Fprint(f, t.String()) }
