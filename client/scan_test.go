package client_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/client"
	"github.com/esrt-dev/esrt/estest"
)

type numbered struct {
	N int `json:"n"`
}

// load indexes n documents {"n": i} with id "d<i>" into index through
// estest's bulk API, and refreshes.
func load(t *testing.T, c *estest.Cluster, index string, n int) {
	t.Helper()
	for start := 0; start < n; start += 2000 {
		var b bytes.Buffer
		for i := start; i < min(start+2000, n); i++ {
			fmt.Fprintf(&b, "{\"index\":{\"_index\":%q,\"_id\":\"d%d\"}}\n{\"n\":%d}\n", index, i, i)
		}
		resp, err := http.Post(c.URLs()[0]+"/_bulk?refresh=true", "application/x-ndjson", &b)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("bulk: %s", resp.Status)
		}
	}
}

// requests counts the requests any node of c logged with method and a
// path ending in suffix.
func requests(c *estest.Cluster, method, suffix string) int {
	n := 0
	for _, node := range c.Nodes() {
		for _, r := range node.Requests() {
			if r.Method == method && strings.HasSuffix(r.Path, suffix) {
				n++
			}
		}
	}
	return n
}

// TestScan walks 10 000 documents with a point in time, sorted, each once
// and in order, and closes the point in time at the end.
func TestScan(t *testing.T) {
	ctx := context.Background()
	c, es, _ := newCluster(t, estest.Config{Nodes: 2})
	load(t, c, "nums", 10_000)
	next := 0
	for hit, err := range client.Scan[numbered](ctx, es, client.ScanRequest{
		Index: []string{"nums"}, Body: `{"sort":[{"n":"asc"}]}`, PageSize: 700,
	}) {
		if err != nil {
			t.Fatal(err)
		}
		if hit.Source.N != next || hit.ID != fmt.Sprintf("d%d", next) {
			t.Fatalf("hit %d is %s %+v", next, hit.ID, hit.Source)
		}
		next++
	}
	if next != 10_000 {
		t.Fatalf("scanned %d documents, want 10000", next)
	}
	if got := requests(c, "DELETE", "/_pit"); got != 1 {
		t.Errorf("%d point-in-time closes, want 1", got)
	}
	if got := requests(c, "POST", "/_search"); got != 10_000/700+1 {
		t.Errorf("%d page requests, want %d", got, 10_000/700+1)
	}
}

// TestScanDefaultOrderEachOnce scans without a sort: every document once.
func TestScanDefaultOrderEachOnce(t *testing.T) {
	ctx := context.Background()
	c, es, _ := newCluster(t, estest.Config{Nodes: 1})
	load(t, c, "nums", 2500)
	seen := map[string]bool{}
	for hit, err := range client.Scan[numbered](ctx, es, client.ScanRequest{Index: []string{"nums"}, PageSize: 1000}) {
		if err != nil {
			t.Fatal(err)
		}
		if seen[hit.ID] {
			t.Fatalf("%s twice", hit.ID)
		}
		seen[hit.ID] = true
	}
	if len(seen) != 2500 {
		t.Fatalf("scanned %d documents, want 2500", len(seen))
	}
}

// TestScanBreakClosesPIT: leaving the loop early closes the point in time.
func TestScanBreakClosesPIT(t *testing.T) {
	ctx := context.Background()
	c, es, _ := newCluster(t, estest.Config{Nodes: 1})
	load(t, c, "nums", 3000)
	n := 0
	for _, err := range client.Scan[numbered](ctx, es, client.ScanRequest{Index: []string{"nums"}, PageSize: 1000}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 1500 {
			break
		}
	}
	if got := requests(c, "DELETE", "/_pit"); got != 1 {
		t.Errorf("%d point-in-time closes after break, want 1", got)
	}
	if got := requests(c, "POST", "/_search"); got != 2 {
		t.Errorf("%d pages fetched for 1500 hits of pages of 1000, want 2", got)
	}
}

// TestScanErrors: a missing index ends the scan with an *Error; a body
// that sets what the scan sets is refused before any request.
func TestScanErrors(t *testing.T) {
	ctx := context.Background()
	_, es, rec := newCluster(t, estest.Config{Nodes: 1})
	var errs []error
	for _, err := range client.Scan[numbered](ctx, es, client.ScanRequest{Index: []string{"missing"}}) {
		errs = append(errs, err)
	}
	if len(errs) != 1 || !client.IsNotFound(errs[0]) {
		t.Fatalf("scan of a missing index yielded %v", errs)
	}
	rec.take()
	for _, body := range []string{`{"size":5}`, `{"from":10}`, `{"search_after":[1]}`, `[1]`} {
		for _, err := range client.Scan[numbered](ctx, es, client.ScanRequest{Index: []string{"x"}, Body: body}) {
			if err == nil {
				t.Errorf("body %s: a hit, want an error", body)
			}
		}
	}
	if n := len(rec.take()); n != 0 {
		t.Errorf("%d requests for refused scans", n)
	}
}
