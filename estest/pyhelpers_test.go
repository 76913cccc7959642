package estest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/estest"
)

// ndjson is the header the Python client (7.17) sends bulk bodies with.
var ndjson = http.Header{"Content-Type": {"application/x-ndjson"}}

// pyStreamingBulk sends what elasticsearch-py's helpers.streaming_bulk
// (and helpers.bulk, which wraps it) sends: POST /_bulk with chunk_size
// index actions per request, each request to the next node as the
// client's round robin does. It returns the number of items that failed.
func pyStreamingBulk(t *testing.T, urls []string, index string, docs, chunk int) int {
	t.Helper()
	failed := 0
	for start, req := 0, 0; start < docs; start, req = start+chunk, req+1 {
		var b strings.Builder
		for i := start; i < min(start+chunk, docs); i++ {
			fmt.Fprintf(&b, "{\"index\":{\"_index\":%q,\"_id\":\"%d\"}}\n{\"n\":%d,\"title\":\"doc %d\"}\n", index, i, i, i)
		}
		r := send(t, nil, "POST", urls[req%len(urls)]+"/_bulk", b.String(), ndjson)
		if r.status != http.StatusOK {
			t.Fatalf("bulk: status %d: %s", r.status, r.body)
		}
		var resp struct {
			Errors bool
			Items  []map[string]struct{ Status int }
		}
		if err := json.Unmarshal(r.body, &resp); err != nil {
			t.Fatal(err)
		}
		for _, it := range resp.Items {
			if it["index"].Status >= 300 {
				failed++
			}
		}
	}
	return failed
}

// pyScan sends what elasticsearch-py's helpers.scan sends (7.17, with
// preserve_order false): POST /{index}/_search?scroll=5m&size=N with
// {"sort":"_doc"}, POST /_search/scroll with {"scroll":"5m","scroll_id":...}
// until a page is empty, then DELETE /_search/scroll with
// {"scroll_id":[...]}, each request to the next node. It returns the ids
// of every hit, in the order seen, and the clear-scroll answer.
func pyScan(t *testing.T, urls []string, index string, size int) ([]string, map[string]any) {
	t.Helper()
	req := 0
	next := func() string { req++; return urls[req%len(urls)] }
	page := mustSend(t, "POST", next()+"/"+index+"/_search?scroll=5m&size="+fmt.Sprint(size), `{"sort":"_doc"}`, http.StatusOK)
	var ids []string
	for round := 0; round < 1000; round++ {
		scrollID, _ := page["_scroll_id"].(string)
		hits := hitIDs(page)
		if scrollID == "" {
			t.Fatalf("no _scroll_id in %v", page)
		}
		if len(hits) == 0 {
			body, _ := json.Marshal(map[string]any{"scroll_id": []string{scrollID}})
			return ids, mustSend(t, "DELETE", next()+"/_search/scroll", string(body), http.StatusOK)
		}
		ids = append(ids, hits...)
		body, _ := json.Marshal(map[string]any{"scroll": "5m", "scroll_id": scrollID})
		page = mustSend(t, "POST", next()+"/_search/scroll", string(body), http.StatusOK)
	}
	t.Fatal("scan did not end after 1000 pages")
	return nil, nil
}

// TestPythonHelpersBulkAndScan indexes 500 documents as helpers.bulk
// and streaming_bulk do on a three-node cluster, then reads them back as
// helpers.scan does, with its default page size and with a small one:
// scan sees every document exactly once.
func TestPythonHelpersBulkAndScan(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 3})
	urls := c.URLs()
	const docs = 500
	if n := pyStreamingBulk(t, urls, "py", docs, 500); n != 0 { // helpers.bulk: one chunk
		t.Fatalf("helpers.bulk: %d items failed", n)
	}
	if n := pyStreamingBulk(t, urls, "py", docs, 64); n != 0 { // streaming_bulk, small chunks: overwrites
		t.Fatalf("streaming_bulk: %d items failed", n)
	}
	for _, size := range []int{1000, 37} {
		ids, cleared := pyScan(t, urls, "py", size)
		seen := map[string]int{}
		for _, id := range ids {
			seen[id]++
		}
		for i := range docs {
			if seen[fmt.Sprint(i)] != 1 {
				t.Errorf("size %d: document %d seen %d times", size, i, seen[fmt.Sprint(i)])
			}
		}
		if len(ids) != docs {
			t.Errorf("size %d: scan saw %d hits, want %d", size, len(ids), docs)
		}
		if cleared["succeeded"] != true || cleared["num_freed"] != 1.0 {
			t.Errorf("size %d: clear scroll answered %v", size, cleared)
		}
	}
}
