package esrt

import (
	"net/http"

	"github.com/esrt-dev/esrt/internal/header"
	"github.com/esrt-dev/esrt/rt"
)

// unsendable reports why req cannot be written as HTTP at all, or "": its
// method or a header name is not a token, or a header value holds a
// control character other than a tab (a line break read from a file, say).
// net/http refuses such a request before sending it; it says nothing about
// the node. The reason never quotes a value.
func unsendable(req *http.Request) string {
	if req.Method != "" && !header.IsToken(req.Method) {
		return "the method is not a valid HTTP token"
	}
	if _, err := header.Check(req.Header); err != nil {
		return err.Error()
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
	} {
		if !header.ValidValue(f.value) {
			return &rt.ConfigError{Field: f.field, Err: header.ErrControl}
		}
	}
	if name, err := header.Check(cfg.Header); err != nil {
		if !header.IsToken(name) {
			return &rt.ConfigError{Field: "Header", Err: err}
		}
		return &rt.ConfigError{Field: "Header[" + name + "]", Err: header.ErrControl}
	}
	return nil
}
