package middleware

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/rt/rttest"
)

func TestGetBodyAsPost(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		body       func() io.Reader
		wantMethod string
	}{
		{"GET with body", "GET", func() io.Reader { return strings.NewReader(`{"size":0}`) }, "POST"},
		{"empty method with body", "", func() io.Reader { return strings.NewReader(`{"size":0}`) }, "POST"},
		{"GET with unknown-length body", "GET", func() io.Reader { return io.MultiReader(strings.NewReader(`{}`)) }, "POST"},
		{"GET without body", "GET", func() io.Reader { return nil }, "GET"},
		{"GET with NoBody", "GET", func() io.Reader { return http.NoBody }, "GET"},
		{"HEAD", "HEAD", func() io.Reader { return nil }, "HEAD"},
		{"POST", "POST", func() io.Reader { return strings.NewReader(`{}`) }, "POST"},
		{"PUT", "PUT", func() io.Reader { return strings.NewReader(`{}`) }, "PUT"},
		{"DELETE with body", "DELETE", func() io.Reader { return strings.NewReader(`{}`) }, "DELETE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *http.Request
			var gotBody string
			base := rt.Func(func(req *http.Request) (*http.Response, error) {
				got = req
				if req.Body != nil {
					b, _ := io.ReadAll(req.Body)
					req.Body.Close()
					gotBody = string(b)
				}
				return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
			})
			req, err := http.NewRequest(tt.method, "http://es.invalid/idx/_search", tt.body())
			if err != nil {
				t.Fatal(err)
			}
			req.Method = tt.method // NewRequest turns "" into "GET"
			req.Header.Set("Content-Type", "application/json")
			resp, err := GetBodyAsPost()(base).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got.Method != tt.wantMethod {
				t.Errorf("method sent = %q, want %q", got.Method, tt.wantMethod)
			}
			if req.Method != tt.method {
				t.Errorf("the caller's request was changed: method %q", req.Method)
			}
			if got.Method != req.Method && got == req {
				t.Error("the caller's request was changed instead of copied")
			}
			if got.Method == req.Method && got != req {
				t.Error("a request that needs no change was copied")
			}
			if tt.wantMethod == "POST" && tt.method != "POST" {
				if gotBody == "" || got.Header.Get("Content-Type") != "application/json" || got.URL.Path != "/idx/_search" {
					t.Errorf("the POST lost the body, headers or path: %q %v %s", gotBody, got.Header, got.URL)
				}
			}
		})
	}
}

// TestGetBodyAsPostThroughBodyDroppingProxy searches through a reverse
// proxy that drops GET bodies, as some load balancers and platforms do:
// without the middleware the query is lost and every document matches.
func TestGetBodyAsPostThroughBodyDroppingProxy(t *testing.T) {
	c := estest.New(t, estest.Config{})
	target, _ := url.Parse(c.URLs()[0])
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			io.Copy(io.Discard, r.Body) // read and dropped, so the server's connection stays sane
			r.Body.Close()
			r.Body, r.ContentLength = http.NoBody, 0
			r.Header.Del("Content-Length")
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)

	send := func(tr http.RoundTripper, method, path, body string) []byte {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		return b
	}
	send(base, "PUT", "/logs/_doc/1", `{"level":"error"}`)
	send(base, "PUT", "/logs/_doc/2", `{"level":"info"}`)
	send(base, "POST", "/logs/_refresh", "")

	hits := func(tr http.RoundTripper) int {
		var res struct {
			Hits struct {
				Total struct{ Value int } `json:"total"`
			} `json:"hits"`
		}
		b := send(tr, "GET", "/logs/_search", `{"query":{"term":{"level":"error"}}}`)
		if err := json.Unmarshal(b, &res); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		return res.Hits.Total.Value
	}
	if got := hits(base); got != 2 {
		t.Fatalf("without the middleware: %d hits, want 2 (the proxy should have dropped the query)", got)
	}
	if got := hits(GetBodyAsPost()(base)); got != 1 {
		t.Fatalf("with GetBodyAsPost: %d hits, want 1", got)
	}
	reqs := c.Node(0).Requests()
	if last := reqs[len(reqs)-1]; last.Method != "POST" || last.Path != "/logs/_search" {
		t.Errorf("the node got %s %s, want POST /logs/_search", last.Method, last.Path)
	}
}

func TestGetBodyAsPostConformance(t *testing.T) {
	get := rttest.Config{NewRequest: func(ctx context.Context, body io.Reader) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, "GET", "http://es.invalid:9200/idx/_search", body)
	}}
	t.Run("GET", func(t *testing.T) { get.Run(t, GetBodyAsPost()) })
	t.Run("POST", func(t *testing.T) { rttest.Run(t, GetBodyAsPost()) })
}
