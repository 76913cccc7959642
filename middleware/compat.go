package middleware

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"

	"github.com/esrt-dev/esrt/endpoint"
	"github.com/esrt-dev/esrt/internal/edit"
	"github.com/esrt-dev/esrt/rt"
)

// Compatibility returns a middleware for Elasticsearch's REST API
// compatibility mode: requests ask the server to answer as version major
// would, which lets an application written against major N keep working
// against a server of major N+1 during an upgrade. A server of major N
// accepts compatible-with=N and N-1.
//
// Accept becomes "application/vnd.elasticsearch+json; compatible-with=N"
// when it is absent or application/json. A body's Content-Type becomes the
// vendored form of its media type: "+json" for JSON, "+x-ndjson" for
// NDJSON, "+vnd.mapbox-vector-tile" for vector tiles; other media types
// are left alone. A body without a Content-Type is JSON, or NDJSON when
// the endpoint the request calls takes NDJSON (_bulk, _msearch and
// friends: [endpoint.Endpoint.NDJSON] of [endpoint.Of], which prefers the
// endpoint the request's context carries). Errors are [*rt.ConfigError]
// values for a major below 7, where compatibility mode does not exist.
func Compatibility(major int) (rt.Middleware, error) {
	if major < 7 {
		return nil, &rt.ConfigError{Field: "CompatibilityVersion", Err: fmt.Errorf("major version %d: compatibility mode exists from 7 on", major)}
	}
	suffix := "; compatible-with=" + strconv.Itoa(major)
	c := vendoredTypes{
		json:   []string{"application/vnd.elasticsearch+json" + suffix},
		ndjson: []string{"application/vnd.elasticsearch+x-ndjson" + suffix},
		mvt:    []string{"application/vnd.elasticsearch+vnd.mapbox-vector-tile" + suffix},
	}
	return func(next http.RoundTripper) http.RoundTripper {
		return &compatTransport{next: next, types: c}
	}, nil
}

// vendoredTypes holds the header values, each shared by every request (len
// == cap, so an Add further down copies).
type vendoredTypes struct{ json, ndjson, mvt []string }

type compatTransport struct {
	next  http.RoundTripper
	types vendoredTypes
}

var (
	_ http.RoundTripper = (*compatTransport)(nil)
	_ edit.Editor       = (*compatTransport)(nil)
)

func (t *compatTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return edit.RoundTrip(t, t.next, req)
}

// Edit sets r's compatibility media types (see [Compatibility]). Under the
// routing middleware, the router applies it to its copy of each attempt.
func (t *compatTransport) Edit(r *edit.Request) error {
	accept := headerValue(r.Header(), "Accept")
	if accept == "" || isMedia(accept, "application/json") {
		r.SetHeader("Accept", t.types.json)
	}
	if contentType, ok := t.contentType(r.In(), headerValue(r.Header(), "Content-Type")); ok {
		r.SetHeader("Content-Type", contentType)
	}
	return nil
}

// contentType returns the vendored Content-Type for req's body, whose
// Content-Type is now ct, and whether to set it.
func (t *compatTransport) contentType(req *http.Request, ct string) ([]string, bool) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, false
	}
	switch {
	case ct == "" && endpoint.Of(req).NDJSON:
		return t.types.ndjson, true
	case ct == "" || isMedia(ct, "application/json"):
		return t.types.json, true
	case isMedia(ct, "application/x-ndjson"):
		return t.types.ndjson, true
	case isMedia(ct, "application/vnd.mapbox-vector-tile"):
		return t.types.mvt, true
	}
	return nil, false
}

func isMedia(header, want string) bool {
	mt, _, err := mime.ParseMediaType(header)
	return err == nil && mt == want
}

// Unwrap returns the next RoundTripper.
func (t *compatTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to the next RoundTripper.
func (t *compatTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }

// String names the layer, so that printing it shows no configuration.
func (t *compatTransport) String() string { return "compatibility" }
