package middleware

import (
	"net/http"

	"github.com/esrt-dev/esrt/internal/header"
	"github.com/esrt-dev/esrt/rt"
)

// A per-request option that would put into a header what net/http refuses
// to send (a control character such as a newline, a name that is not a
// token) fails the request before anything is sent. Left to net/http, the
// refusal would come from below the router, which would hold it against
// the node: a request's own bad option is never the node's fault.

// optionError is the error of a request whose option named field has a
// value that cannot be sent: an [*rt.LocalError] wrapping an
// [*rt.ConfigError], which no breaker counts and retry does not repeat.
// The value itself is never part of it: it may be a secret.
func optionError(req *http.Request, field string, err error) error {
	if req.Body != nil {
		req.Body.Close()
	}
	return &rt.LocalError{Err: &rt.ConfigError{Field: field, Err: err}}
}

// checkHeaderOption returns an error naming the first header of h (set
// with rt.WithHeader) that net/http would refuse to send.
func checkHeaderOption(h http.Header) error {
	_, err := header.Check(h)
	return err
}
