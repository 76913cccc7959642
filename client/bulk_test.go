package client

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/estest"
)

// TestBulkIndexerResendsOnlyRejectedItems sends 100 000 documents through
// four workers while the cluster answers 2 % of the items 429 on their
// first arrival: every document lands exactly once, only the rejected
// items travel twice, and the stats add up. Under the race detector or
// -short it sends 20 000, which shows the same.
func TestBulkIndexerResendsOnlyRejectedItems(t *testing.T) {
	docs := 100_000
	if testing.Short() || bulkRace {
		docs = 20_000
	}
	c, es := newBulkCluster(t, 3)
	var rejected atomic.Int64
	var seen sync.Map
	for _, n := range c.Nodes() {
		n.RejectBulkItems(func(it estest.BulkItem) bool {
			num, _ := strconv.Atoi(strings.TrimPrefix(it.ID, "d"))
			if num%50 != 7 {
				return false
			}
			if _, again := seen.LoadOrStore(it.ID, true); again {
				return false
			}
			rejected.Add(1)
			return true
		})
	}
	var succeeded, wrong atomic.Int64
	bi, err := NewBulkIndexer(es, BulkIndexerConfig{
		Index:      "docs",
		Workers:    4,
		FlushBytes: 60_000, // so that the request log holds whole bodies
		Backoff:    bulkFastRetry,
		OnSuccess: func(_ context.Context, it BulkItem, res BulkResult) {
			succeeded.Add(1)
			num, _ := strconv.Atoi(it.ID[1:])
			retries := 0
			if num%50 == 7 {
				retries = 1
			}
			if res.ID != it.ID || res.Index != "docs" || res.Status != 201 || res.Result != "created" || res.Version != 1 || res.Retries != retries {
				wrong.Add(1)
			}
		},
		OnFailure: func(_ context.Context, it BulkItem, _ BulkResult, err error) {
			t.Errorf("item %s failed: %v", it.ID, err)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range docs {
		if err := bi.Add(t.Context(), BulkItem{ID: "d" + strconv.Itoa(i), Body: `{"n":` + strconv.Itoa(i) + `}`}); err != nil {
			t.Fatal(err)
		}
	}
	if err := bi.Close(t.Context()); err != nil {
		t.Fatal(err)
	}

	if got, want := rejected.Load(), int64(docs/50); got != want {
		t.Fatalf("cluster rejected %d items, want %d", got, want)
	}
	if got := c.DocCount("docs"); got != docs {
		t.Errorf("%d documents stored, want %d", got, docs)
	}
	for i := range docs {
		src, ok := c.Doc("docs", "d"+strconv.Itoa(i))
		if want := `{"n":` + strconv.Itoa(i) + `}`; !ok || string(src) != want {
			t.Fatalf("document d%d is %s (found %v), want %s", i, src, ok, want)
		}
	}
	if succeeded.Load() != int64(docs) || wrong.Load() != 0 {
		t.Errorf("OnSuccess %d times, %d with a wrong result; want %d and 0", succeeded.Load(), wrong.Load(), docs)
	}

	reqs, bytes := checkSends(t, c, docs, int(rejected.Load()))
	want := BulkIndexerStats{
		Added: uint64(docs), Flushed: uint64(docs), Indexed: uint64(docs),
		Retried: uint64(rejected.Load()), Bytes: uint64(bytes), Requests: uint64(len(reqs)),
	}
	if got := bi.Stats(); got != want {
		t.Errorf("Stats() = %+v\nwant      %+v", got, want)
	}
}

// checkSends checks the request log of TestBulkIndexerResendsOnlyRejectedItems:
// every item was sent once, and the rejected ones twice. It returns the
// bulk requests and their bytes.
func checkSends(t *testing.T, c *estest.Cluster, docs, rejected int) (reqs []estest.Request, bytes int) {
	t.Helper()
	sends := map[string]int{}
	total := 0
	reqs = bulkRequests(t, c)
	for _, r := range reqs {
		for _, it := range parseSent(t, r.Body) {
			sends[it.ID]++
			total++
		}
		bytes += r.BodySize
	}
	if want := docs + rejected; total != want {
		t.Errorf("%d items in all bulk bodies, want %d (%d documents + %d rejected)", total, want, docs, rejected)
	}
	for id, n := range sends {
		num, _ := strconv.Atoi(id[1:])
		want := 1
		if num%50 == 7 {
			want = 2
		}
		if n != want {
			t.Fatalf("item %s sent %d times, want %d", id, n, want)
		}
	}
	return reqs, bytes
}

// TestBulkIndexerWaitsOutOutage kills every node: the indexer holds no
// more than its bound, Add waits and gives up with its context, and once
// the nodes are back everything lands.
func TestBulkIndexerWaitsOutOutage(t *testing.T) {
	c, es := newBulkCluster(t, 3)
	for _, n := range c.Nodes() {
		n.Kill()
	}
	o := newBulkOutcomes()
	cfg := o.config(BulkIndexerConfig{Index: "docs", Workers: 2, FlushCount: 10, QueueSize: 20, FlushInterval: -1, Backoff: bulkFastRetry})
	bi, err := NewBulkIndexer(es, cfg)
	if err != nil {
		t.Fatal(err)
	}
	const bound = 2*10 + 20 // Workers × FlushCount + QueueSize
	accepted := 0
	for i := range 10 * bound {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		err := bi.Add(ctx, BulkItem{ID: fmt.Sprint(i), Body: `{}`})
		cancel()
		if err != nil {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Add: %v, want the context's error", err)
			}
			break
		}
		accepted++
	}
	if accepted < cfg.QueueSize || accepted > bound {
		t.Fatalf("Add accepted %d items while the cluster was down, want %d to %d", accepted, cfg.QueueSize, bound)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := bi.Add(ctx, BulkItem{ID: "x", Body: `{}`}); !errors.Is(err, context.Canceled) {
		t.Errorf("Add with a cancelled context: %v", err)
	}
	if got := bi.Stats().Added; got != uint64(accepted) {
		t.Errorf("Stats().Added = %d, want %d", got, accepted)
	}
	// Revive only once a worker has met the outage: on a busy machine the
	// workers may not have sent anything yet when Add gives up.
	for deadline := time.Now().Add(20 * time.Second); o.errorCount() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no request failed while every node was down")
		}
	}

	for _, n := range c.Nodes() {
		if err := n.Revive(); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel = context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := bi.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.DocCount("docs"); got != accepted {
		t.Errorf("%d documents stored, want %d", got, accepted)
	}
	st := bi.Stats()
	if st.Indexed != uint64(accepted) || st.Failed != 0 || st.Retried == 0 {
		t.Errorf("Stats() = %+v: want %d indexed, none failed, some retried", st, accepted)
	}
	if len(o.errors) == 0 || !neverSent(o.errors[0]) {
		t.Errorf("OnError saw %v, want the refused connections", o.errors)
	}
}
