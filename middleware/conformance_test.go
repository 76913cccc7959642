package middleware

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/rt/rttest"
)

func TestConformance(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	autoID := rttest.Config{NewRequest: func(ctx context.Context, body io.Reader) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, "POST", "http://es.invalid:9200/idx/_doc", body)
	}}
	tests := []struct {
		name string
		mw   func(t *testing.T) rt.Middleware
		cfg  rttest.Config
	}{
		{"Auth", func(*testing.T) rt.Middleware { return Auth(AuthConfig{APIKey: "id:key"}) }, rttest.Config{}},
		{"Auth/zero", func(*testing.T) rt.Middleware { return Auth(AuthConfig{}) }, rttest.Config{}},
		{"WarnPlaintextCredentials", func(*testing.T) rt.Middleware { return WarnPlaintextCredentials(logger) }, rttest.Config{}},
		{"Gzip", func(t *testing.T) rt.Middleware { return mustGzip(t, GzipConfig{}) }, rttest.Config{}},
		{"Gzip/streamed", func(t *testing.T) rt.Middleware { return mustGzip(t, GzipConfig{MaxBuffer: -1}) }, rttest.Config{}},
		{"Retry", func(t *testing.T) rt.Middleware { return mustRetry(t, RetryConfig{Backoff: noWait}) }, rttest.Config{}},
		{"Retry/auto id", func(t *testing.T) rt.Middleware { return mustRetry(t, RetryConfig{Backoff: noWait}) }, autoID},
		{"Headers", func(*testing.T) rt.Middleware {
			return Headers(HeadersConfig{Header: http.Header{"X-App": {"shop"}}})
		}, rttest.Config{}},
		{"Compatibility", func(t *testing.T) rt.Middleware {
			mw, err := Compatibility(8)
			if err != nil {
				t.Fatal(err)
			}
			return mw
		}, rttest.Config{}},
		{"ProductCheck", func(*testing.T) rt.Middleware {
			// The check refuses 2xx responses without the header by design,
			// so it is checked against a base that answers as Elasticsearch.
			return func(next http.RoundTripper) http.RoundTripper { return ProductCheck()(asElasticsearch(next)) }
		}, rttest.Config{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.cfg.Run(t, tt.mw(t)) })
	}
}
