package middleware

import (
	"context"
	"net/http"
	"regexp"
	"testing"

	"github.com/esrt-dev/esrt/rt"
)

func TestUserAgent(t *testing.T) {
	re := regexp.MustCompile(`^esrt/[0-9]+\.[0-9]+\.[0-9]+(-[a-z0-9.]+)? \([a-z0-9]+ [a-z0-9]+; Go [0-9][^)]*\)$`)
	if ua := UserAgent(); !re.MatchString(ua) {
		t.Fatalf("UserAgent() = %q, want the form esrt/<version> (<GOOS> <GOARCH>; Go <version>)", ua)
	}
}

func TestHeaders(t *testing.T) {
	tests := []struct {
		name   string
		cfg    HeadersConfig
		reqHdr http.Header
		ctx    func(context.Context) context.Context
		want   http.Header // keys to check; "" means absent
		cloned bool
	}{
		{
			name:   "defaults fill absent keys only",
			cfg:    HeadersConfig{Header: http.Header{"X-App": {"shop"}, "accept": {"application/json"}}},
			reqHdr: http.Header{"Accept": {"text/plain"}},
			want:   http.Header{"User-Agent": {UserAgent()}, "X-App": {"shop"}, "Accept": {"text/plain"}},
			cloned: true,
		},
		{
			name:   "request's user agent kept",
			reqHdr: http.Header{"User-Agent": {"my-app/2"}},
			want:   http.Header{"User-Agent": {"my-app/2"}},
		},
		{
			name:   "custom user agent",
			cfg:    HeadersConfig{UserAgent: "svc/1"},
			want:   http.Header{"User-Agent": {"svc/1"}},
			cloned: true,
		},
		{
			name: "opaque id and context headers",
			cfg:  HeadersConfig{Header: http.Header{"X-Opaque-Id": {"default"}, "X-Tenant": {"default"}}},
			ctx: func(ctx context.Context) context.Context {
				ctx = rt.WithOpaqueID(ctx, "op-7")
				return rt.WithHeader(ctx, http.Header{"x-tenant": {"blue"}})
			},
			want:   http.Header{"X-Opaque-Id": {"op-7"}, "X-Tenant": {"blue"}},
			cloned: true,
		},
		{
			name:   "request's opaque id wins",
			reqHdr: http.Header{"X-Opaque-Id": {"mine"}, "User-Agent": {"x"}},
			ctx:    func(ctx context.Context) context.Context { return rt.WithOpaqueID(ctx, "ctx") },
			want:   http.Header{"X-Opaque-Id": {"mine"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := &capture{}
			ctx := context.Background()
			if tt.ctx != nil {
				ctx = tt.ctx(ctx)
			}
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://es/", nil)
			for k, v := range tt.reqHdr {
				req.Header[k] = v
			}
			before := req.Header.Clone()
			res, err := Headers(tt.cfg)(base).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			sent := base.request()
			for k, v := range tt.want {
				if got := sent.Header.Values(k); len(got) != len(v) || (len(v) > 0 && got[0] != v[0]) {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if (sent != req) != tt.cloned {
				t.Errorf("cloned = %v, want %v", sent != req, tt.cloned)
			}
			if len(req.Header) != len(before) {
				t.Errorf("caller's header changed: %v", req.Header)
			}
		})
	}
}
