package client

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/esrt-dev/esrt/estest"
)

// failFirst makes the first n _bulk requests that reach any node of c fail
// with status.
func failFirst(c *estest.Cluster, n int64, status int) {
	var seen atomic.Int64
	for _, node := range c.Nodes() {
		node.SetFailFunc(func(r *http.Request) *estest.Failure {
			if r.Method == http.MethodPost && seen.Add(1) <= n {
				return &estest.Failure{Status: status}
			}
			return nil
		})
	}
}

// TestBulkIndexerRequestRefused: a request answered 429 as a whole, after
// the transport's own attempts, is sent again; one answered 400 fails
// every item with the answer.
func TestBulkIndexerRequestRefused(t *testing.T) {
	t.Run("429 retried", func(t *testing.T) {
		c, es := newBulkCluster(t, 2)
		failFirst(c, 5, http.StatusTooManyRequests) // the transport makes 4 attempts
		o := newBulkOutcomes()
		bi, err := NewBulkIndexer(es, o.config(BulkIndexerConfig{Index: "docs", Workers: 1, Backoff: bulkFastRetry}))
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"a", "b"} {
			if err := bi.Add(t.Context(), BulkItem{ID: id, Body: `{}`}); err != nil {
				t.Fatal(err)
			}
		}
		if err := bi.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
		if c.DocCount("docs") != 2 || len(o.failed) != 0 {
			t.Errorf("%d documents, failures %v: want 2 and none", c.DocCount("docs"), o.failed)
		}
		if len(o.errors) == 0 || !IsTooManyRequests(o.errors[0]) {
			t.Errorf("OnError saw %v, want the 429", o.errors)
		}
		if st := bi.Stats(); st.Retried != 2 || st.Requests != 2 {
			t.Errorf("Stats() = %+v, want one request sent again with both items", st)
		}
		if res := o.succeeded["a"]; res.Retries != 1 {
			t.Errorf("item a: %+v, want 1 retry", res)
		}
	})
	t.Run("400 fails every item", func(t *testing.T) {
		c, es := newBulkCluster(t, 1)
		failFirst(c, 1, http.StatusBadRequest)
		o := newBulkOutcomes()
		bi, err := NewBulkIndexer(es, o.config(BulkIndexerConfig{Index: "docs", Workers: 1, Backoff: bulkFastRetry}))
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"a", "b"} {
			if err := bi.Add(t.Context(), BulkItem{ID: id, Body: `{}`}); err != nil {
				t.Fatal(err)
			}
		}
		if err := bi.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
		var e *Error
		if len(o.failed) != 2 || !errors.As(o.failed["a"], &e) || e.Status != 400 || o.results["a"].Status != 0 {
			t.Errorf("failures %v (results %v), want both with the 400", o.failed, o.results)
		}
		if len(o.errors) != 1 || c.DocCount("") != 0 {
			t.Errorf("OnError %v, %d documents: want one error, none stored", o.errors, c.DocCount(""))
		}
		if st := bi.Stats(); st.Failed != 2 || st.Retried != 0 || st.Requests != 1 {
			t.Errorf("Stats() = %+v", st)
		}
	})
}

// TestBulkIndexerUnknownOutcome: the first request is applied and its
// connection reset. The transport does not send it again, since an item
// has no id; the indexer sends the item with an id again, and fails the
// one without, which was stored once, not twice.
func TestBulkIndexerUnknownOutcome(t *testing.T) {
	c, es := newBulkCluster(t, 2)
	var resets atomic.Int64
	for _, n := range c.Nodes() {
		n.SetResetFunc(func(r *http.Request) estest.ResetMode {
			if r.Method == http.MethodPost && resets.Add(1) == 1 {
				return estest.ResetAfterApply
			}
			return estest.NoReset
		})
	}
	o := newBulkOutcomes()
	bi, err := NewBulkIndexer(es, o.config(BulkIndexerConfig{Index: "docs", Workers: 1, Backoff: bulkFastRetry}))
	if err != nil {
		t.Fatal(err)
	}
	if err := bi.Add(t.Context(), BulkItem{ID: "with-id", Body: `{"n":1}`}); err != nil {
		t.Fatal(err)
	}
	if err := bi.Add(t.Context(), BulkItem{Body: `{"n":2}`}); err != nil {
		t.Fatal(err)
	}
	if err := bi.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if c.DocCount("docs") != 2 {
		t.Errorf("%d documents, want 2: the one without id stored once", c.DocCount("docs"))
	}
	if res, ok := o.succeeded["with-id"]; !ok || res.Retries != 1 {
		t.Errorf("item with id: %+v (succeeded %v), want success after 1 retry", res, ok)
	}
	if err := o.failed[""]; err == nil || o.results[""].Status != 0 {
		t.Errorf("item without id: %v %+v, want the request's error and status 0", err, o.results[""])
	}
	if len(o.errors) != 1 || neverSent(o.errors[0]) {
		t.Errorf("OnError %v, want one error of unknown outcome", o.errors)
	}
	st := bi.Stats()
	if st.Indexed != 1 || st.Failed != 1 || st.Retried != 1 || st.Requests != 2 {
		t.Errorf("Stats() = %+v", st)
	}
}

// TestBulkIndexerClose: Close refuses further items; giving up on a
// cluster that is down fails every item held, with Close's reason.
func TestBulkIndexerClose(t *testing.T) {
	c, es := newBulkCluster(t, 1)
	c.Node(0).Kill()
	o := newBulkOutcomes()
	bi, err := NewBulkIndexer(es, o.config(BulkIndexerConfig{Index: "docs", Workers: 1, FlushCount: 2, Backoff: bulkFastRetry}))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b", "c"} {
		if err := bi.Add(t.Context(), BulkItem{ID: id, Body: `{}`}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := bi.Close(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Close = %v, want context.Canceled", err)
	}
	for _, id := range []string{"a", "b", "c"} {
		if err := o.failed[id]; !errors.Is(err, ErrIndexerClosed) || !errors.Is(err, context.Canceled) {
			t.Errorf("item %s: %v, want ErrIndexerClosed and context.Canceled", id, err)
		}
	}
	if st := bi.Stats(); st.Added != 3 || st.Failed != 3 || st.Flushed != 3 {
		t.Errorf("Stats() = %+v, want 3 added, failed, flushed", st)
	}
	if err := bi.Add(t.Context(), BulkItem{ID: "d", Body: `{}`}); !errors.Is(err, ErrIndexerClosed) {
		t.Errorf("Add after Close = %v, want ErrIndexerClosed", err)
	}
	if err := bi.Flush(t.Context()); !errors.Is(err, ErrIndexerClosed) {
		t.Errorf("Flush after Close = %v, want ErrIndexerClosed", err)
	}
	if err := bi.Close(t.Context()); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
}
