package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/esrt-dev/esrt/estest"
)

// TestBulkIndexerLargeItemSentAlone: an item larger than FlushBytes goes
// in a request of its own, and the items around it in others.
func TestBulkIndexerLargeItemSentAlone(t *testing.T) {
	c, es := newBulkCluster(t, 1)
	bi, err := NewBulkIndexer(es, BulkIndexerConfig{Index: "docs", Workers: 1, FlushBytes: 200, FlushInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	big := `{"s":"` + strings.Repeat("x", 500) + `"}`
	for _, id := range []string{"a", "b", "big", "c", "d"} {
		body := `{"s":"small"}`
		if id == "big" {
			body = big
		}
		if err := bi.Add(t.Context(), BulkItem{ID: id, Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	if err := bi.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range bulkRequests(t, c) {
		var ids []string
		for _, it := range parseSent(t, r.Body) {
			ids = append(ids, it.ID)
		}
		if r.BodySize > 200 && len(ids) > 1 {
			t.Errorf("request of %d bytes holds %v: over FlushBytes with more than one item", r.BodySize, ids)
		}
		got = append(got, strings.Join(ids, ","))
	}
	if want := "a,b|big|c,d"; strings.Join(got, "|") != want {
		t.Errorf("requests %q, want %q", strings.Join(got, "|"), want)
	}
	if src, _ := c.Doc("docs", "big"); string(src) != big {
		t.Errorf("big document stored as %.40s...", src)
	}
}

// TestBulkIndexerBadBodyFailsAlone: an item whose body cannot be read or
// marshalled fails through OnFailure, leaves no action line behind, and
// the items around it are sent.
func TestBulkIndexerBadBodyFailsAlone(t *testing.T) {
	c, es := newBulkCluster(t, 1)
	o := newBulkOutcomes()
	bi, err := NewBulkIndexer(es, o.config(BulkIndexerConfig{Index: "docs", Workers: 1, FlushCount: 5, FlushInterval: -1}))
	if err != nil {
		t.Fatal(err)
	}
	items := []BulkItem{
		{ID: "a", Body: `{"n":1}`},
		{ID: "broken", Body: &failingReader{n: 1}},
		{ID: "b", Body: `{"n":2}`},
		{ID: "unmarshalable", Body: map[string]any{"c": make(chan int)}},
		{ID: "c", Body: `{"n":3}`},
	}
	for _, it := range items {
		if err := bi.Add(t.Context(), it); err != nil {
			t.Fatal(err)
		}
	}
	if err := bi.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	reqs := bulkRequests(t, c)
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	if got := parseSent(t, reqs[0].Body); len(got) != 3 || lineCount(reqs[0].Body) != 6 {
		t.Errorf("sent %+v in %d lines, want a, b and c in 6", got, lineCount(reqs[0].Body))
	}
	if reqs[0].Status != http.StatusOK || c.DocCount("docs") != 3 {
		t.Errorf("status %d, %d documents: want 200 and 3", reqs[0].Status, c.DocCount("docs"))
	}
	if err := o.failed["broken"]; !errors.Is(err, errReaderBroken) {
		t.Errorf("broken reader's item failed with %v", err)
	}
	if err := o.failed["unmarshalable"]; err == nil || !strings.Contains(err.Error(), "chan") {
		t.Errorf("unmarshalable item failed with %v", err)
	}
	if res := o.results["broken"]; res.ID != "broken" || res.Index != "docs" || res.Status != 0 {
		t.Errorf("broken item's result %+v", res)
	}
	want := BulkIndexerStats{Added: 5, Flushed: 5, Indexed: 3, Failed: 2, Bytes: uint64(reqs[0].BodySize), Requests: 1}
	if got := bi.Stats(); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
}

// TestBulkIndexerFlushWaits: Flush sends what the workers hold and
// returns once every item has ended, retries included.
func TestBulkIndexerFlushWaits(t *testing.T) {
	c, es := newBulkCluster(t, 2)
	var first atomic.Bool
	for _, n := range c.Nodes() {
		n.RejectBulkItems(func(it estest.BulkItem) bool { return it.ID == "7" && first.CompareAndSwap(false, true) })
	}
	var ended atomic.Int64
	bi, err := NewBulkIndexer(es, BulkIndexerConfig{
		Index: "docs", Workers: 3, FlushInterval: -1, Backoff: bulkFastRetry,
		OnSuccess: func(context.Context, BulkItem, BulkResult) { ended.Add(1) },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer bi.Close(t.Context())
	for i := range 20 {
		if err := bi.Add(t.Context(), BulkItem{ID: fmt.Sprint(i), Body: `{}`}); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.DocCount(""); n != 0 {
		t.Fatalf("%d documents before Flush: the workers should still hold them", n)
	}
	if err := bi.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n, e := c.DocCount("docs"), ended.Load(); n != 20 || e != 20 || !first.Load() {
		t.Errorf("after Flush: %d documents, %d ended (rejected one: %v), want 20, 20, true", n, e, first.Load())
	}
	if st := bi.Stats(); st.Flushed != 20 || st.Retried != 1 {
		t.Errorf("Stats() = %+v, want 20 flushed, 1 retried", st)
	}
}

// TestBulkIndexerItemOutcomes: what each answer of the cluster makes of an
// item, and the stats by action.
func TestBulkIndexerItemOutcomes(t *testing.T) {
	c, es := newBulkCluster(t, 1)
	o := newBulkOutcomes()
	bi, err := NewBulkIndexer(es, o.config(BulkIndexerConfig{Index: "docs", Workers: 1, FlushInterval: -1}))
	if err != nil {
		t.Fatal(err)
	}
	add := func(it BulkItem) {
		t.Helper()
		if err := bi.Add(t.Context(), it); err != nil {
			t.Fatal(err)
		}
	}
	add(BulkItem{Action: "create", ID: "1", Body: `{"v":1}`})
	add(BulkItem{Action: "create", ID: "1", Body: `{"v":2}`})
	add(BulkItem{Action: "update", ID: "1", Body: `{"doc":{"w":3}}`})
	add(BulkItem{Action: "update", ID: "missing", Body: `{"doc":{}}`})
	add(BulkItem{Action: "delete", ID: "gone"})
	add(BulkItem{Action: "delete", ID: "1"})
	add(BulkItem{Action: "index", Index: "other", Body: `{"auto":true}`})
	if err := bi.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if c.DocCount("docs") != 0 || c.DocCount("other") != 1 {
		t.Errorf("%d documents in docs, %d in other: want 0 and 1", c.DocCount("docs"), c.DocCount("other"))
	}
	if !IsConflict(o.failed["1"]) {
		t.Errorf("second create of 1: %v, want a conflict", o.failed["1"])
	}
	var e *Error
	if !errors.As(o.failed["missing"], &e) || e.Status != 404 || e.Type != "document_missing_exception" || !IsNotFound(e) {
		t.Errorf("update of a missing document: %#v", o.failed["missing"])
	}
	if res := o.results["missing"]; res.Status != 404 || res.Result != "" {
		t.Errorf("update of a missing document: result %+v", res)
	}
	if res, ok := o.succeeded["gone"]; !ok || res.Status != 404 || res.Result != "not_found" {
		t.Errorf("delete of a missing document: %+v (succeeded %v), want success, not_found", res, ok)
	}
	if res := o.succeeded[""]; res.Index != "other" || len(res.ID) == 0 || res.Result != "created" {
		t.Errorf("index without id: %+v, want the generated id", res)
	}
	want := BulkIndexerStats{Added: 7, Flushed: 7, Indexed: 1, Created: 1, Updated: 1, Deleted: 2, Failed: 2}
	got := bi.Stats()
	got.Bytes, got.Requests = 0, 0
	if got != want {
		t.Errorf("Stats() = %+v\nwant      %+v", got, want)
	}
}

// TestBulkIndexerRetriesRunOut: an item refused every time fails after
// MaxRetries resends with the last refusal.
func TestBulkIndexerRetriesRunOut(t *testing.T) {
	c, es := newBulkCluster(t, 1)
	c.Node(0).RejectBulkItems(func(it estest.BulkItem) bool { return it.ID == "hot" })
	o := newBulkOutcomes()
	bi, err := NewBulkIndexer(es, o.config(BulkIndexerConfig{Index: "docs", MaxRetries: 2, Backoff: bulkFastRetry}))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "hot", "b"} {
		if err := bi.Add(t.Context(), BulkItem{ID: id, Body: `{}`}); err != nil {
			t.Fatal(err)
		}
	}
	if err := bi.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := o.failed["hot"]; !IsTooManyRequests(err) {
		t.Errorf("hot item failed with %v, want a 429", err)
	}
	if res := o.results["hot"]; res.Retries != 2 || res.Status != 429 {
		t.Errorf("hot item's result %+v, want 2 retries and status 429", res)
	}
	sends := map[string]int{}
	for _, r := range bulkRequests(t, c) {
		for _, it := range parseSent(t, r.Body) {
			sends[it.ID]++
		}
	}
	if sends["hot"] != 3 || sends["a"] != 1 || sends["b"] != 1 {
		t.Errorf("sends %v, want hot 3 times, a and b once", sends)
	}
}

// TestBulkIndexerEscapesIDs: ids that need escaping in an action line
// reach the cluster as they were given.
func TestBulkIndexerEscapesIDs(t *testing.T) {
	c, es := newBulkCluster(t, 1)
	bi, err := NewBulkIndexer(es, BulkIndexerConfig{Index: "docs"})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{`quo"te`, `back\slash`, "new\nline", "tab\tand\x01control", "ünïcødé €", `{"_id":"x"}`}
	for i, id := range ids {
		if err := bi.Add(t.Context(), BulkItem{ID: id, Routing: id, Body: fmt.Sprintf(`{"n":%d}`, i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := bi.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		if src, ok := c.Doc("docs", id); !ok || string(src) != fmt.Sprintf(`{"n":%d}`, i) {
			t.Errorf("document %q: %s (found %v)", id, src, ok)
		}
	}
	if st := bi.Stats(); st.Indexed != uint64(len(ids)) {
		t.Errorf("Stats() = %+v", st)
	}
}
