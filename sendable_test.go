package esrt

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/rt"
)

// A static value that no request could carry is a configuration error
// naming its field, never quoting the value; before, New accepted it and
// every request failed, each one taking its node down.
func TestNewRefusesUnsendableHeaderValues(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		field string
	}{
		{"API key with a line break", Config{APIKey: "a2V5OlMzQ1JFVA==\n"}, "APIKey"},
		{"service token with a carriage return", Config{ServiceToken: "S3CRET\r"}, "ServiceToken"},
		{"user agent", Config{Header: http.Header{"User-Agent": {"app/1\r\nX-Evil: 1"}}}, "Header[User-Agent]"},
		{"header value", Config{Header: http.Header{"X-Tenant": {"a\nS3CRET"}}}, "Header[X-Tenant]"},
		{"header name", Config{Header: http.Header{"X Tenant": {"blue"}}}, "Header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Addresses = []string{"http://127.0.0.1:9200"}
			_, err := New(tt.cfg)
			var ce *rt.ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field {
				t.Fatalf("New = %v, want a *rt.ConfigError for %s", err, tt.field)
			}
			if strings.Contains(err.Error(), "S3CRET") || strings.Contains(err.Error(), "a2V5") {
				t.Errorf("the error quotes the value: %v", err)
			}
		})
	}
}

// A caller's request that net/http refuses to send (a header value with a
// line break, as a forwarded opaque id may carry) fails with an
// *rt.LocalError: no node is marked down, nothing is retried.
func TestUnsendableRequestBlamesNoNode(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 3})
	var down, attempts atomic.Int32
	tr := mustNew(t, Config{Addresses: c.URLs(), Hooks: &rt.Hooks{
		OnNodeDown:     func(rt.NodeInfo) { down.Add(1) },
		OnAttemptStart: func(rt.AttemptInfo) { attempts.Add(1) },
	}})
	for range 5 {
		req, _ := http.NewRequest("GET", "http://es/_search", nil)
		req.Header.Set("X-Opaque-Id", "user\ninput")
		_, err := tr.RoundTrip(req)
		var le *rt.LocalError
		if !errors.As(err, &le) {
			t.Fatalf("error %v, want an *rt.LocalError", err)
		}
	}
	if n := down.Load(); n != 0 {
		t.Errorf("%d nodes marked down", n)
	}
	if n := attempts.Load(); n != 5 {
		t.Errorf("%d attempts for 5 requests: retried", n)
	}
	for _, st := range tr.Pool().Status() {
		if st.Dead {
			t.Errorf("%s is dead", st.Node)
		}
	}
	res, err := get(t, tr, "/_cluster/health")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
}
