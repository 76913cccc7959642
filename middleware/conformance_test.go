package middleware

import (
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/rt/rttest"
)

func TestConformance(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		name string
		mw   func(t *testing.T) rt.Middleware
	}{
		{"Auth", func(*testing.T) rt.Middleware { return Auth(AuthConfig{APIKey: "id:key"}) }},
		{"Auth/zero", func(*testing.T) rt.Middleware { return Auth(AuthConfig{}) }},
		{"WarnPlaintextCredentials", func(*testing.T) rt.Middleware { return WarnPlaintextCredentials(logger) }},
		{"Gzip", func(t *testing.T) rt.Middleware { return mustGzip(t, GzipConfig{}) }},
		{"Gzip/streamed", func(t *testing.T) rt.Middleware { return mustGzip(t, GzipConfig{MaxBuffer: -1}) }},
		{"Headers", func(*testing.T) rt.Middleware {
			return Headers(HeadersConfig{Header: http.Header{"X-App": {"shop"}}})
		}},
		{"Compatibility", func(t *testing.T) rt.Middleware {
			mw, err := Compatibility(8)
			if err != nil {
				t.Fatal(err)
			}
			return mw
		}},
		{"ProductCheck", func(*testing.T) rt.Middleware {
			// The check refuses 2xx responses without the header by design,
			// so it is checked against a base that answers as Elasticsearch.
			return func(next http.RoundTripper) http.RoundTripper { return ProductCheck()(asElasticsearch(next)) }
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { rttest.Run(t, tt.mw(t)) })
	}
}
