package client_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/client"
	"github.com/esrt-dev/esrt/endpoint"
	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/rt"
)

// recorder keeps the endpoint calls the transport saw, in order: those
// the request's context carries, read from a copy whose method and path
// call no endpoint, so that a call the path alone gave would show as
// unknown.
type recorder struct {
	mu    sync.Mutex
	calls []endpoint.Call
}

func (r *recorder) middleware(next http.RoundTripper) http.RoundTripper {
	return rt.Func(func(req *http.Request) (*http.Response, error) {
		r.mu.Lock()
		probe := req.Clone(req.Context())
		probe.Method, probe.URL = "PATCH", &url.URL{Path: "/no/such/endpoint"}
		r.calls = append(r.calls, endpoint.CallOf(probe))
		r.mu.Unlock()
		return next.RoundTrip(req)
	})
}

// take returns the calls seen since the last take.
func (r *recorder) take() []endpoint.Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.calls
	r.calls = nil
	return out
}

// newCluster starts an estest cluster and a client over esrt's default
// chain, with a recorder outermost.
func newCluster(t *testing.T, cfg estest.Config) (*estest.Cluster, *client.Client, *recorder) {
	t.Helper()
	c := estest.New(t, cfg)
	rec := &recorder{}
	tr, err := esrt.New(esrt.Config{Addresses: c.URLs(), Middleware: []rt.Middleware{rec.middleware}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return c, client.New(&http.Client{Transport: tr}), rec
}

// TestTransportSeesEndpoint checks that every call puts its exact endpoint
// id, indices and path parameters into the request context.
func TestTransportSeesEndpoint(t *testing.T) {
	ctx := context.Background()
	_, es, rec := newCluster(t, estest.Config{Nodes: 1})
	type doc struct {
		N int `json:"n"`
	}
	tests := []struct {
		id      string
		indices []string
		params  map[string]string
		run     func() error
	}{
		{"info", nil, nil, func() error { _, err := es.Info(ctx); return err }},
		{"ping", nil, nil, func() error { _, err := es.Ping(ctx); return err }},
		{"cluster.health", nil, nil, func() error { _, err := es.Health(ctx, client.HealthRequest{}); return err }},
		{"indices.create", []string{"o-1"}, map[string]string{"index": "o-1"}, func() error {
			_, err := es.CreateIndex(ctx, "o-1", client.CreateIndexRequest{Mappings: `{"properties":{"n":{"type":"long"}}}`})
			return err
		}},
		{"indices.exists", []string{"o-1"}, map[string]string{"index": "o-1"}, func() error { _, err := es.IndexExists(ctx, "o-1"); return err }},
		{"index", []string{"o-1"}, map[string]string{"index": "o-1", "id": "a/b"}, func() error {
			_, err := es.Index(ctx, client.IndexRequest{Index: "o-1", ID: "a/b", Document: doc{1}})
			return err
		}},
		{"index", []string{"o-1"}, map[string]string{"index": "o-1"}, func() error {
			_, err := es.Index(ctx, client.IndexRequest{Index: "o-1", Document: doc{2}})
			return err
		}},
		{"create", []string{"o-1"}, map[string]string{"index": "o-1", "id": "c"}, func() error {
			_, err := es.Create(ctx, client.IndexRequest{Index: "o-1", ID: "c", Document: doc{3}})
			return err
		}},
		{"get", []string{"o-1"}, map[string]string{"index": "o-1", "id": "a/b"}, func() error {
			_, err := client.Get[doc](ctx, es, client.GetRequest{Index: "o-1", ID: "a/b"})
			return err
		}},
		{"exists", []string{"o-1"}, map[string]string{"index": "o-1", "id": "c"}, func() error { _, err := es.Exists(ctx, "o-1", "c"); return err }},
		{"update", []string{"o-1"}, map[string]string{"index": "o-1", "id": "c"}, func() error {
			_, err := es.Update(ctx, client.UpdateRequest{Index: "o-1", ID: "c", Doc: doc{4}})
			return err
		}},
		{"indices.refresh", []string{"o-1"}, map[string]string{"index": "o-1"}, func() error { return es.Refresh(ctx, "o-1") }},
		{"search", []string{"o-1", "o-2"}, map[string]string{"index": "o-1,o-2"}, func() error {
			_, err := client.Search[doc](ctx, es, client.SearchRequest{Index: []string{"o-1", "o-2"}})
			return err
		}},
		{"search", nil, nil, func() error { _, err := client.Search[doc](ctx, es, client.SearchRequest{}); return err }},
		{"count", []string{"o-1"}, map[string]string{"index": "o-1"}, func() error {
			_, err := es.Count(ctx, client.CountRequest{Index: []string{"o-1"}})
			return err
		}},
		{"delete", []string{"o-1"}, map[string]string{"index": "o-1", "id": "c"}, func() error {
			_, err := es.Delete(ctx, client.DeleteRequest{Index: "o-1", ID: "c"})
			return err
		}},
		{"indices.delete", []string{"o-1"}, map[string]string{"index": "o-1"}, func() error { return es.DeleteIndex(ctx, "o-1") }},
	}
	for _, tt := range tests {
		if err := tt.run(); err != nil && !client.IsNotFound(err) {
			t.Fatalf("%s: %v", tt.id, err)
		}
		calls := rec.take()
		if len(calls) != 1 {
			t.Fatalf("%s: the transport saw %d requests, want 1", tt.id, len(calls))
		}
		got := calls[0]
		if got.ID != tt.id || !slices.Equal(got.Indices, tt.indices) || len(got.Params) != len(tt.params) {
			t.Errorf("%s: transport saw %q %v %v, want %v %v", tt.id, got.ID, got.Indices, got.Params, tt.indices, tt.params)
		}
		for k, v := range tt.params {
			if got.Params[k] != v {
				t.Errorf("%s: param %s = %q, want %q", tt.id, k, got.Params[k], v)
			}
		}
	}
}
