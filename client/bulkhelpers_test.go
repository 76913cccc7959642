package client

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/estest"
)

// newBulkCluster starts an estest cluster of n nodes and a client that
// reaches it through an esrt transport whose retries wait a millisecond,
// so that tests of outages run quickly.
func newBulkCluster(t *testing.T, n int) (*estest.Cluster, *Client) {
	t.Helper()
	c := estest.New(t, estest.Config{Nodes: n, RequestLogSize: 100000})
	tr, err := esrt.New(esrt.Config{
		Addresses:    c.URLs(),
		RetryBackoff: func(int) time.Duration { return time.Millisecond },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return c, New(&http.Client{Transport: tr})
}

// bulkFastRetry is a Backoff for tests against a real cluster.
func bulkFastRetry(int) time.Duration { return time.Millisecond }

// bulkRequests returns the _bulk requests every node of c received.
func bulkRequests(t *testing.T, c *estest.Cluster) []estest.Request {
	t.Helper()
	var out []estest.Request
	for _, n := range c.Nodes() {
		for _, r := range n.Requests() {
			if strings.HasSuffix(r.Path, "/_bulk") {
				if len(r.Body) != r.BodySize {
					t.Fatalf("request log holds %d of %d bytes of a bulk body", len(r.Body), r.BodySize)
				}
				out = append(out, r)
			}
		}
	}
	return out
}

// sentItem is an action of a logged bulk body.
type sentItem struct {
	Action, Index, ID string
	Source            string
}

// parseSent reads a bulk body as Elasticsearch does: an action line, and a
// source line but for a delete. It fails the test on a body that does
// not pair up.
func parseSent(t *testing.T, body []byte) []sentItem {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	var out []sentItem
	for i := 0; i < len(lines); i++ {
		var action map[string]struct {
			Index string `json:"_index"`
			ID    string `json:"_id"`
		}
		if err := json.Unmarshal([]byte(lines[i]), &action); err != nil || len(action) != 1 {
			t.Fatalf("line %d %q is not an action line (%v)", i, lines[i], err)
		}
		for name, meta := range action {
			it := sentItem{Action: name, Index: meta.Index, ID: meta.ID}
			if name != "delete" {
				i++
				if i == len(lines) || !json.Valid([]byte(lines[i])) {
					t.Fatalf("action %q has no source line", lines[i-1])
				}
				it.Source = lines[i]
			}
			out = append(out, it)
		}
	}
	return out
}

// bulkOutcomes records the callbacks of an indexer.
type bulkOutcomes struct {
	mu        sync.Mutex
	succeeded map[string]BulkResult
	failed    map[string]error
	results   map[string]BulkResult
	errors    []error
}

func newBulkOutcomes() *bulkOutcomes {
	return &bulkOutcomes{succeeded: map[string]BulkResult{}, failed: map[string]error{}, results: map[string]BulkResult{}}
}

// config returns cfg with the callbacks set to record into o.
func (o *bulkOutcomes) config(cfg BulkIndexerConfig) BulkIndexerConfig {
	cfg.OnSuccess = func(_ context.Context, it BulkItem, res BulkResult) {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.succeeded[it.ID] = res
	}
	cfg.OnFailure = func(_ context.Context, it BulkItem, res BulkResult, err error) {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.failed[it.ID], o.results[it.ID] = err, res
	}
	cfg.OnError = func(_ context.Context, err error) {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.errors = append(o.errors, err)
	}
	return cfg
}

// lineCount counts the lines of body.
// errorCount is how many whole-request failures OnError saw so far.
func (o *bulkOutcomes) errorCount() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.errors)
}

func lineCount(body []byte) int { return bytes.Count(body, []byte("\n")) }
