package client_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/esrt-dev/esrt/client"
)

// TestConnectionsReused: whatever the answer (200, a 404 error, a HEAD, a
// large body the caller's type ignores), the client reads it to its end,
// so sequential calls share one connection.
func TestConnectionsReused(t *testing.T) {
	var conns atomic.Int32
	big := `{"hits":{"total":{"value":1,"relation":"eq"},"hits":[{"_id":"1","_source":{"pad":"` + strings.Repeat("x", 64<<10) + `"}}]}}`
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodHead:
			w.WriteHeader(404)
		case strings.HasSuffix(r.URL.Path, "/_search"):
			w.Write([]byte(big))
		default:
			w.WriteHeader(404)
			w.Write([]byte(`{"error":{"type":"index_not_found_exception","reason":"no such index [x]"},"status":404}`))
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	es := client.New(srv.Client(), client.WithBaseURL(u))
	ctx := context.Background()
	for range 20 {
		if _, err := client.Search[struct{}](ctx, es, client.SearchRequest{Index: []string{"x"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := es.Info(ctx); !client.IsNotFound(err) {
			t.Fatal(err)
		}
		if ok, err := es.Exists(ctx, "x", "1"); ok || err != nil {
			t.Fatal(ok, err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("60 sequential calls opened %d connections, want 1", n)
	}
}
