package leaks_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/client"
	"github.com/esrt-dev/esrt/estest"
)

// requests is how many sequential requests a reuse test sends: enough that
// a connection opened per request, or per error, would show.
const requests = 300

// maxConnsPerNode is what sequential requests may open on one node: one,
// and one more for a connection the server closed under the client.
const maxConnsPerNode = 2

// newTransport builds an esrt transport for c with no retry backoff (no
// test waits for one), closed at the end of the test.
func newTransport(t *testing.T, c *estest.Cluster, cfg esrt.Config) *esrt.Transport {
	t.Helper()
	cfg.Addresses = c.URLs()
	cfg.RetryBackoff = func(int) time.Duration { return 0 }
	tr, err := esrt.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// failEvery answers every other request arriving at any node of c with
// status, counting across the nodes.
func failEvery(c *estest.Cluster, status int) {
	var n atomic.Int64
	for _, node := range c.Nodes() {
		node.SetFailFunc(func(r *http.Request) *estest.Failure {
			if n.Add(1)%2 == 0 {
				return &estest.Failure{Status: status}
			}
			return nil
		})
	}
}

// checkConns fails the test if a node accepted more connections than
// sequential requests need.
func checkConns(t *testing.T, c *estest.Cluster) {
	t.Helper()
	for i, n := range c.Nodes() {
		if got := n.Accepted(); got > maxConnsPerNode {
			t.Errorf("node %d accepted %d connections for %d sequential requests, want at most %d",
				i, got, requests, maxConnsPerNode)
		}
	}
}

// Sequential requests through esrt.New reuse one connection per node
// whatever the answer: a 200, a 404 returned as it is, a 503 that esrt
// retries on another node (it must drain the discarded answer), and a 503
// returned when retries are off. The caller reads each body to its end and
// closes it, as a client must for its connection to be reused.
func TestSequentialRequestsReuseConnections(t *testing.T) {
	tests := []struct {
		name  string
		path  string
		cfg   esrt.Config
		fail  int // status failEvery answers, if not 0
		wants []int
	}{
		{"200", "/", esrt.Config{}, 0, []int{200}},
		{"404", "/missing/_doc/1", esrt.Config{}, 0, []int{404}},
		{"503 retried", "/", esrt.Config{}, 503, []int{200, 503}},
		{"503 returned", "/", esrt.Config{DisableRetry: true}, 503, []int{200, 503}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := estest.New(t, estest.Config{Nodes: 3})
			if tt.fail != 0 {
				failEvery(c, tt.fail)
			}
			tr := newTransport(t, c, tt.cfg)
			seen := map[int]int{}
			for i := range requests {
				req, err := http.NewRequest("GET", "http://es"+tt.path, nil)
				if err != nil {
					t.Fatal(err)
				}
				res, err := tr.RoundTrip(req)
				if err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				seen[res.StatusCode]++
			}
			for status := range seen {
				if !contains(tt.wants, status) {
					t.Errorf("answered %d, want only %v (all: %v)", status, tt.wants, seen)
				}
			}
			if seen[tt.wants[0]] == 0 {
				t.Errorf("never answered %d: %v", tt.wants[0], seen)
			}
			checkConns(t, c)
		})
	}
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// The typed client reads every answer to its end, errors included, so its
// calls reuse connections too: found and missing documents, a search of a
// missing index, Exists' 404, and 503s retried by esrt or returned as an
// *client.Error.
func TestClientReusesConnections(t *testing.T) {
	for _, retry := range []bool{true, false} {
		t.Run(map[bool]string{true: "retried", false: "no retry"}[retry], func(t *testing.T) {
			c := estest.New(t, estest.Config{Nodes: 3})
			tr := newTransport(t, c, esrt.Config{DisableRetry: !retry})
			es := client.New(&http.Client{Transport: tr})
			ctx := context.Background()
			if _, err := es.Index(ctx, client.IndexRequest{Index: "i", ID: "1", Document: `{"a":1}`}); err != nil {
				t.Fatal(err)
			}
			failEvery(c, http.StatusServiceUnavailable)
			var failed int
			for i := range requests {
				err := clientCall(ctx, es, i)
				var ce *client.Error
				switch {
				case err == nil:
				case errors.As(err, &ce) && ce.Status == http.StatusServiceUnavailable:
					failed++
				default:
					t.Fatalf("call %d: %v", i, err)
				}
			}
			if !retry && failed == 0 {
				t.Error("no call met a 503")
			}
			checkConns(t, c)
		})
	}
}

// clientCall makes call i of a rotation of typed calls, each of which
// succeeds unless a 503 was injected.
func clientCall(ctx context.Context, es *client.Client, i int) error {
	switch i % 5 {
	case 0:
		_, err := es.Info(ctx)
		return err
	case 1:
		_, err := client.Get[map[string]any](ctx, es, client.GetRequest{Index: "i", ID: "1"})
		return err
	case 2:
		_, err := client.Get[map[string]any](ctx, es, client.GetRequest{Index: "i", ID: "missing"})
		return notFound(err)
	case 3:
		if ok, err := es.Exists(ctx, "i", "missing"); err != nil || ok {
			return errors.Join(err, errors.New("a missing document exists"))
		}
		return nil
	default:
		_, err := client.Search[map[string]any](ctx, es, client.SearchRequest{Index: []string{"missing"}})
		return notFound(err)
	}
}

// notFound turns the 404 a call expects into nil.
func notFound(err error) error {
	var ce *client.Error
	if errors.As(err, &ce) && ce.Status == http.StatusNotFound {
		return nil
	}
	if err == nil {
		return errors.New("found what is missing")
	}
	return err
}
