package middleware

import (
	"net/http"

	"github.com/esrt-dev/esrt/rt"
)

// GetBodyAsPost returns a middleware that sends GET requests that have a
// body as POST, for proxies and platforms that drop the body of a GET.
// Elasticsearch and OpenSearch accept POST on every endpoint that takes a
// body on GET (_search, _count, _msearch, _mget, _field_caps, ...). Other
// requests, GETs without a body (a nil Body or [http.NoBody]) among them,
// pass through unchanged; the caller's request is never modified. An
// empty Method means GET, as in [net/http].
//
// Place it inside retry (between retry and routing), so that retry judges
// whether the operation is safe to repeat by the method the caller used;
// SigV4 signing, further in, then signs the POST that goes on the wire.
func GetBodyAsPost() rt.Middleware {
	return func(next http.RoundTripper) http.RoundTripper {
		return &getAsPostTransport{next: next}
	}
}

type getAsPostTransport struct{ next http.RoundTripper }

var _ http.RoundTripper = (*getAsPostTransport)(nil)

func (t *getAsPostTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if (req.Method != http.MethodGet && req.Method != "") || req.Body == nil || req.Body == http.NoBody {
		return t.next.RoundTrip(req)
	}
	// Only the method changes: a shallow copy shares nothing that the
	// middlewares further down modify in place.
	out := *req
	out.Method = http.MethodPost
	return t.next.RoundTrip(&out)
}

// Unwrap returns the next RoundTripper.
func (t *getAsPostTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to the next RoundTripper.
func (t *getAsPostTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }

// String names the layer, so that printing it shows no configuration.
func (t *getAsPostTransport) String() string { return "GET body as POST" }
