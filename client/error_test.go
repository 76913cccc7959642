package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/client"
)

// TestDecodeErrors serves every real error body with its status and checks
// that the *Error holds what the body says.
func TestDecodeErrors(t *testing.T) {
	for _, name := range glob(t, "error_*.json") {
		t.Run(name, func(t *testing.T) {
			want := raw(t, name)
			status, err := strconv.Atoi(strings.Split(name, "_")[1]) // error_404_...
			if err != nil {
				t.Fatal(err)
			}
			es := serveFixtures(t, "", map[string]fixtureAnswer{"POST /idx/_search": {status, name}})
			_, err = client.Search[any](context.Background(), es, client.SearchRequest{Index: []string{"idx"}})
			var e *client.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want an *Error", err)
			}
			if e.Status != status || e.Endpoint != "search" || string(e.Body) != string(fixture(t, name)) {
				t.Errorf("got status %d endpoint %q, body kept %v", e.Status, e.Endpoint, string(e.Body) == string(fixture(t, name)))
			}
			switch w := want["error"].(type) {
			case string:
				if e.Type != "" || e.Reason != w {
					t.Errorf("got type %q reason %q, want the plain string %q", e.Type, e.Reason, w)
				}
			case map[string]any:
				if e.Type != w["type"] || e.Reason != w["reason"] {
					t.Errorf("got type %q reason %q, want %v %v", e.Type, e.Reason, w["type"], w["reason"])
				}
				if len(e.RootCause) != len(anyList(w["root_cause"])) || len(e.FailedShards) != len(anyList(w["failed_shards"])) {
					t.Errorf("got %d root causes, %d failed shards; want %v", len(e.RootCause), len(e.FailedShards), w)
				}
				depth := 0
				for c := w["caused_by"]; c != nil; c = c.(map[string]any)["caused_by"] {
					depth++
				}
				gotDepth := 0
				for c := e.CausedBy; c != nil; c = c.CausedBy {
					gotDepth++
				}
				if gotDepth != depth {
					t.Errorf("caused-by chain of %d, want %d", gotDepth, depth)
				}
			}
			if !strings.Contains(e.Error(), e.Reason) || !strings.HasPrefix(e.Error(), "esrt: search: ") {
				t.Errorf("Error() = %q", e.Error())
			}
			if client.IsNotFound(err) != (status == 404) || client.IsConflict(err) != (status == 409) ||
				client.IsTooManyRequests(err) != (status == 429) {
				t.Errorf("Is* disagree with status %d", status)
			}
		})
	}
}

// TestErrorBodiesWithoutEnvelope: a proxy's HTML page, a plain-text body
// and an empty one become an *Error with what could be read.
func TestErrorBodiesWithoutEnvelope(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		status                  int
		wantReason              string
	}{
		{"nginx html", "text/html", "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", 502, "502 Bad Gateway"},
		{"title in capitals after wide letters", "text/html", "<HTML>İİİ<TITLE>Bad Gateway</TITLE>", 502, "Bad Gateway"},
		{"html without title", "text/html", "<p>Service &amp; more <b>down</b></p>", 503, "Service & more down"},
		{"plain text", "text/plain", "upstream connect error or disconnect/reset before headers\n", 503, "upstream connect error or disconnect/reset before headers"},
		{"empty", "", "", 504, "Gateway Timeout"},
		{"long text", "text/plain", strings.Repeat("é", 300), 500, strings.Repeat("é", 100) + "…"},
		{"json without error", "application/json", `{"_index":"a","found":false}`, 404, "Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			u, _ := url.Parse(srv.URL)
			_, err := client.New(srv.Client(), client.WithBaseURL(u)).Info(context.Background())
			var e *client.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want an *Error", err)
			}
			if e.Status != tt.status || e.Type != "" || e.Reason != tt.wantReason || string(e.Body) != tt.body {
				t.Errorf("got %d %q %q, want %d %q", e.Status, e.Type, e.Reason, tt.status, tt.wantReason)
			}
		})
	}
}
