package middleware

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

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

var errControlChar = errors.New("value contains a control character, which cannot be sent in a header")

// checkHeaderOption returns an error naming the first header of h (set
// with rt.WithHeader) that net/http would refuse to send.
func checkHeaderOption(h http.Header) error {
	for k, vs := range h {
		if !validHeaderName(k) {
			return fmt.Errorf("header name %q is not a valid token", k)
		}
		for _, v := range vs {
			if !validHeaderValue(v) {
				return fmt.Errorf("header %s: %w", k, errControlChar)
			}
		}
	}
	return nil
}

// validHeaderName reports whether k is an RFC 9110 token, as net/http
// requires of a header name.
func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// validHeaderValue reports whether net/http sends v as a header value: no
// control character other than a tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
