package middleware

import (
	"net/http"

	"github.com/esrt-dev/esrt/rt"
)

// headerValue returns the first value of h's key, which must be in
// canonical form. It is h.Get without canonicalising the key on every
// request.
func headerValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// withHeader returns a shallow copy of req whose Header is a new map with
// room for extra more keys; req is not modified. The map shares req's value
// slices, clipped to their length: setting a key replaces its slice, and
// appending to one copies it, so nothing written through the copy reaches
// req's header. Middlewares that change only headers use it instead of
// req.Clone, which also copies the URL, the value strings and the trailer.
func withHeader(req *http.Request, extra int) *http.Request {
	out := *req
	out.Header = make(http.Header, len(req.Header)+extra)
	for k, v := range req.Header {
		out.Header[k] = v[:len(v):len(v)]
	}
	return &out
}

// localOptionError is the error of a per-request option that cannot be
// sent: the request's fault, never a node's.
func localOptionError(option string, err error) error {
	return &rt.LocalError{Err: &rt.ConfigError{Field: option, Err: err}}
}
