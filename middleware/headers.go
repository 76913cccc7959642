package middleware

import (
	"net/http"
	"runtime"
	"slices"
	"strings"

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

var _ http.RoundTripper = (*headersTransport)(nil)

func (t *headersTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	o := options.From(req.Context())
	extra, opaqueID := o.Header, o.OpaqueID
	if err := checkHeaderOption(extra); err != nil {
		return nil, optionError(req, "rt.WithHeader", err)
	}
	if !header.ValidValue(opaqueID) {
		return nil, optionError(req, "rt.WithOpaqueID", header.ErrControl)
	}
	if !t.missing(req.Header, extra, opaqueID) {
		return t.next.RoundTrip(req)
	}
	// Only the header changes: a shallow copy of the request with a new
	// header map is enough. The map shares the caller's value slices,
	// which nobody modifies in place (middlewares clone before changing),
	// and every slice added here has cap == len, so an Add further down
	// the chain copies rather than writes into shared memory.
	out := withHeader(req, len(t.defaults)+3)
	if _, ok := out.Header["User-Agent"]; !ok {
		out.Header["User-Agent"] = t.userAgent
	}
	fill(out.Header, extra)
	if opaqueID != "" && headerValue(out.Header, "X-Opaque-Id") == "" {
		out.Header["X-Opaque-Id"] = []string{opaqueID}
	}
	fill(out.Header, t.defaults)
	return t.next.RoundTrip(out)
}

// missing reports whether any header would be added; most requests in a
// steady state need the clone, but the check keeps a request that already
// has everything from being copied.
func (t *headersTransport) missing(h, extra http.Header, opaqueID string) bool {
	if _, ok := h["User-Agent"]; !ok {
		return true
	}
	if opaqueID != "" && headerValue(h, "X-Opaque-Id") == "" {
		return true
	}
	return lacks(h, extra) || lacks(h, t.defaults)
}

// lacks reports whether h lacks a key of src.
func lacks(h, src http.Header) bool {
	if len(src) == 0 {
		return false // ranging over an empty map still costs an iterator
	}
	for k := range src {
		if _, ok := h[http.CanonicalHeaderKey(k)]; !ok {
			return true
		}
	}
	return false
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

// Unwrap returns the next RoundTripper.
func (t *headersTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to the next RoundTripper.
func (t *headersTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }
