package middleware

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/esrt-dev/esrt/rt"
)

// capture is a base transport that keeps the last request it saw.
type capture struct {
	mu   sync.Mutex
	last *http.Request
}

func (c *capture) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	c.mu.Lock()
	c.last = req
	c.mu.Unlock()
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
}

func (c *capture) request() *http.Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

func TestAuthPrecedence(t *testing.T) {
	all := AuthConfig{Username: "cfguser", Password: "cfgpass", APIKey: "id:key", ServiceToken: "tok"}
	var (
		basicCfg  = "Basic " + b64("cfguser:cfgpass")
		apiKey    = "ApiKey " + b64("id:key")
		bearer    = "Bearer tok"
		userinfo  = "Basic " + b64("url user:p@ss:word")
		override  = "Bearer per-request"
		ownHeader = "Basic b3duOmhlYWRlcg=="
	)
	tests := []struct {
		name     string
		cfg      AuthConfig
		url      string
		header   string  // Authorization already on the request
		ctxAuth  rt.Auth // per-request override
		wantAuth string
	}{
		{"own header beats everything", all, "http://url%20user:p%40ss%3Aword@es/", ownHeader, rt.BearerAuth("per-request"), ownHeader},
		{"override beats userinfo", all, "http://url%20user:p%40ss%3Aword@es/", "", rt.BearerAuth("per-request"), override},
		{"userinfo beats config", all, "http://url%20user:p%40ss%3Aword@es/", "", rt.Auth{}, userinfo},
		{"api key beats token and basic", all, "http://es/", "", rt.Auth{}, apiKey},
		{"token beats basic", AuthConfig{Username: "cfguser", Password: "cfgpass", ServiceToken: "tok"}, "http://es/", "", rt.Auth{}, bearer},
		{"basic", AuthConfig{Username: "cfguser", Password: "cfgpass"}, "http://es/", "", rt.Auth{}, basicCfg},
		{"basic with empty password", AuthConfig{Username: "elastic"}, "http://es/", "", rt.Auth{}, "Basic " + b64("elastic:")},
		{"encoded api key kept", AuthConfig{APIKey: b64("id:key")}, "http://es/", "", rt.Auth{}, apiKey},
		{"userinfo without password", AuthConfig{}, "http://elastic@es/", "", rt.Auth{}, "Basic " + b64("elastic:")},
		{"nothing configured", AuthConfig{}, "http://es/", "", rt.Auth{}, ""},
		{"password without username sends nothing", AuthConfig{Password: "x"}, "http://es/", "", rt.Auth{}, ""},
		{"zero override ignored", AuthConfig{ServiceToken: "tok"}, "http://es/", "", rt.Auth{}, bearer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := &capture{}
			tr := Auth(tt.cfg)(base)
			ctx := context.Background()
			if !tt.ctxAuth.IsZero() {
				ctx = rt.WithAuth(ctx, tt.ctxAuth)
			}
			req, err := http.NewRequestWithContext(ctx, "GET", tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			wantURL := req.URL.String()
			res, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()

			sent := base.request()
			if got := sent.Header.Get("Authorization"); got != tt.wantAuth {
				t.Errorf("Authorization = %q, want %q", got, tt.wantAuth)
			}
			if sent.URL.User != nil {
				t.Errorf("userinfo %q went on to the wire", sent.URL.User.Username())
			}
			if got := req.URL.String(); got != wantURL {
				t.Errorf("caller's URL changed to %q", got)
			}
			if got := req.Header.Get("Authorization"); got != tt.header {
				t.Errorf("caller's Authorization changed to %q", got)
			}
		})
	}
}

func TestAuthPassesUntouchedRequestThrough(t *testing.T) {
	base := &capture{}
	req, _ := http.NewRequest("GET", "http://es/", nil)
	res, err := Auth(AuthConfig{})(base).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if base.request() != req {
		t.Error("a request with nothing to change was cloned")
	}
}

func TestWarnPlaintextCredentials(t *testing.T) {
	const secret = "Basic c2VjcmV0OnNlY3JldA=="
	tests := []struct {
		name string
		urls []string
		auth bool
		want int // warnings
	}{
		{"remote http with credentials", []string{"http://es.example.com:9200/", "http://es2.example.com:9200/"}, true, 1},
		{"https", []string{"https://es.example.com:9200/"}, true, 0},
		{"loopback v4", []string{"http://127.0.0.1:9200/"}, true, 0},
		{"loopback v6", []string{"http://[::1]:9200/"}, true, 0},
		{"localhost", []string{"http://localhost:9200/"}, true, 0},
		{"no credentials", []string{"http://es.example.com:9200/"}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			tr := WarnPlaintextCredentials(slog.New(slog.NewTextHandler(&logs, nil)))(&capture{})
			for range 3 {
				for _, u := range tt.urls {
					req, _ := http.NewRequest("GET", u, nil)
					if tt.auth {
						req.Header.Set("Authorization", secret)
					}
					res, err := tr.RoundTrip(req)
					if err != nil {
						t.Fatal(err)
					}
					res.Body.Close()
				}
			}
			if got := strings.Count(logs.String(), "plain http"); got != tt.want {
				t.Errorf("%d warnings, want %d:\n%s", got, tt.want, logs.String())
			}
			if strings.Contains(logs.String(), "c2VjcmV0") {
				t.Error("the warning reveals the credential")
			}
		})
	}
	if tr := WarnPlaintextCredentials(nil)(&capture{}); tr == nil {
		t.Fatal("nil logger returned nil transport")
	} else if _, ok := tr.(*capture); !ok {
		t.Errorf("nil logger: got %T, want next itself", tr)
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
