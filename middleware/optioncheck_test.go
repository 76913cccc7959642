package middleware

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/rt"
)

// A per-request value that net/http would refuse to put in a header fails
// the request before it goes on, as the request's own configuration error
// (an *rt.LocalError, so that no node is blamed); the value never appears
// in the error.
func TestUnsendableOptionsFailBeforeSending(t *testing.T) {
	bg := context.Background()
	headers := Headers(HeadersConfig{})
	auth := Auth(AuthConfig{APIKey: "static"})
	for _, tt := range []struct {
		field string
		mw    rt.Middleware
		ctx   context.Context
	}{
		{"rt.WithOpaqueID", headers, rt.WithOpaqueID(bg, "a\nsecret")},
		{"rt.WithHeader", headers, rt.WithHeader(bg, http.Header{"X-A": {"secret\r"}})},
		{"rt.WithHeader", headers, rt.WithHeader(bg, http.Header{"X:A": {"b"}})},
		{"rt.WithHeader", headers, rt.WithHeader(bg, http.Header{"": {"b"}})},
		{"rt.WithAuth", auth, rt.WithAuth(bg, rt.BearerAuth("secret\x00"))},
	} {
		var sent bool
		next := rt.Func(func(req *http.Request) (*http.Response, error) {
			sent = true
			req.Body.Close()
			return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
		})
		body := &countingBody{Reader: strings.NewReader("{}")}
		req, _ := http.NewRequestWithContext(tt.ctx, "POST", "http://es/_search", body)
		_, err := tt.mw(next).RoundTrip(req)
		var ce *rt.ConfigError
		var le *rt.LocalError
		if !errors.As(err, &ce) || ce.Field != tt.field || !errors.As(err, &le) || sent {
			t.Errorf("%s: error %v (sent %v), want an *rt.LocalError wrapping an *rt.ConfigError naming it", tt.field, err, sent)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: the error shows the value: %v", tt.field, err)
		}
		if n := body.closes.Load(); n != 1 {
			t.Errorf("%s: request body closed %d times, want 1", tt.field, n)
		}
	}

	// Valid values, tabs and spaces included, go through; so do basic
	// credentials with any byte, which are sent base64-encoded.
	for _, a := range []rt.Auth{rt.APIKeyAuth("id:key"), rt.BasicAuth("u", "p\n\x7f")} {
		ctx := rt.WithAuth(rt.WithOpaqueID(rt.WithHeader(bg, http.Header{"X-A": {"a\tb c"}}), "job 1"), a)
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://es/", nil)
		if _, err := rt.Chain(okTransport{}, headers, auth).RoundTrip(req); err != nil {
			t.Fatalf("%v: %v", a, err)
		}
	}
}
