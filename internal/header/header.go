// Package header holds the rules net/http applies before it sends a
// request's method and headers, so that esrt can refuse what would never be
// sent as the caller's mistake rather than a failure of the node it was for.
package header

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrControl says that a header value holds a control character.
var ErrControl = errors.New("holds a control character, which cannot be sent in a header (a line break read from a file?)")

// IsToken reports whether s is an HTTP token (RFC 9110, section 5.6.2), as
// net/http requires of a method and of a header name.
func IsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// ValidValue reports whether net/http sends v as a header value: it holds
// no control character other than a tab (RFC 9110, section 5.5).
func ValidValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// Check returns the name of the first header of h that net/http would
// refuse to send, and why; "" and nil when every header can be sent. The
// error quotes the name of a header whose name is invalid, never a value.
func Check(h http.Header) (name string, err error) {
	for k, vs := range h {
		if !IsToken(k) {
			return k, fmt.Errorf("header name %q is not a valid token", k)
		}
		for _, v := range vs {
			if !ValidValue(v) {
				return k, fmt.Errorf("header %s %w", k, ErrControl)
			}
		}
	}
	return "", nil
}
