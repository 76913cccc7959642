package esrt

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/esrt-dev/esrt/rt"
)

// unsendable reports why req cannot be written as HTTP at all, or "": its
// method is not a token, or a header name is not a token, or a header
// value holds a control character other than a tab (a line break read
// from a file, say). net/http refuses such a request before sending it;
// it says nothing about the node. The reason never quotes a value.
func unsendable(req *http.Request) string {
	if req.Method != "" && !isToken(req.Method) {
		return "the method is not a valid HTTP token"
	}
	for name, values := range req.Header {
		if !isToken(name) {
			return fmt.Sprintf("header name %q is not a valid HTTP token", name)
		}
		for _, v := range values {
			if hasControl(v) {
				return fmt.Sprintf("header %s holds a control character (a line break?)", name)
			}
		}
	}
	return ""
}

// checkHeaderValues refuses the static values that go into headers but
// that no request could carry (a control character, such as the line
// break of a key read from a file): every request would fail, each one
// taken for a failure of its node. The error never quotes the value.
func checkHeaderValues(cfg Config) error {
	for _, f := range []struct{ field, value string }{
		{"APIKey", cfg.APIKey},
		{"ServiceToken", cfg.ServiceToken},
		{"UserAgent", cfg.UserAgent},
	} {
		if hasControl(f.value) {
			return &rt.ConfigError{Field: f.field, Err: errControl}
		}
	}
	for name, values := range cfg.Header {
		if !isToken(name) {
			return &rt.ConfigError{Field: "Header", Err: fmt.Errorf("%q is not a valid header name", name)}
		}
		for _, v := range values {
			if hasControl(v) {
				return &rt.ConfigError{Field: "Header[" + name + "]", Err: errControl}
			}
		}
	}
	return nil
}

var errControl = errors.New("holds a control character (a line break read from a file?)")

// isToken reports whether s is an HTTP token (RFC 9110, section 5.6.2).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x7f || c <= ' ' || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// hasControl reports whether s holds a control character other than a tab,
// which a header value must not (RFC 9110, section 5.5).
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return true
		}
	}
	return false
}
