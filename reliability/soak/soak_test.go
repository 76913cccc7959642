package soak_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/client"
	"github.com/esrt-dev/esrt/estest"
)

const soakIndex = "soak"

// TestSoak writes and reads documents through esrt's default transport
// while nodes fail, then checks that every acknowledged write is stored
// exactly once with its content, that no unacknowledged write is stored
// twice, that no read failed while a node was healthy, and that the heap
// and the goroutines are back where they were (see the package doc).
func TestSoak(t *testing.T) {
	cfg := configFromFlags(t)
	t.Logf("soak: -soak.duration=%v -soak.seed=%d -soak.workers=%d -soak.maxops=%d", cfg.Duration, cfg.Seed, cfg.Workers, cfg.MaxOps)
	goroutinesBefore := countGoroutines()

	sum := runSoak(t, cfg)

	sum.HeapAfter = measureHeap()
	sum.GoroutinesBefore = goroutinesBefore
	sum.GoroutinesAfter, sum.goroutineDump = settleGoroutines(goroutinesBefore)
	report(t, cfg, sum)
	check(t, sum)
}

// rig is a running cluster with esrt's transport and client over it.
type rig struct {
	c  *estest.Cluster
	tr *esrt.Transport
	es *client.Client
	// bulkIDs gets actions with ids only, bulkMix actions with and
	// without: the transport resends the former's requests, not the
	// latter's.
	bulkIDs, bulkMix *client.BulkIndexer
}

// setUp starts a three-node cluster, esrt's default transport with
// generous timeouts, the typed client, the index and a bulk indexer.
func setUp(t *testing.T, st *stats) *rig {
	c, err := estest.Start(estest.Config{Nodes: 3, RequestLogSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := esrt.New(esrt.Config{
		Addresses: c.URLs(),
		Hooks:     st.hooks(),
		// The scheduler moves faults every 100 to 300 ms, and on a loaded
		// machine an attempt (a search over thousands of documents) can
		// take a second, so one request may meet a fault on each of the
		// nodes in turn: with the default 3 retries, one search in about a
		// thousand met four in a row under load. More retries make a read
		// that fails while a node stays healthy a defect, not bad luck.
		MaxRetries: 10,
		// Far above any answer time, also on a loaded machine: a timeout
		// only ends an attempt that a defect made hang.
		Limits: esrt.LimitsConfig{AttemptTimeout: 30 * time.Second},
	})
	if err != nil {
		c.Close()
		t.Fatal(err)
	}
	r := &rig{c: c, tr: tr, es: client.New(&http.Client{Transport: tr})}
	if _, err := r.es.CreateIndex(t.Context(), soakIndex, client.CreateIndexRequest{}); err != nil {
		r.close()
		t.Fatal(err)
	}
	for _, bi := range []struct {
		name string
		to   **client.BulkIndexer
	}{{"bulk-ids-request", &r.bulkIDs}, {"bulk-mixed-request", &r.bulkMix}} {
		*bi.to, err = client.NewBulkIndexer(r.es, client.BulkIndexerConfig{
			Index:         soakIndex,
			Workers:       2,
			FlushCount:    50,
			FlushInterval: 50 * time.Millisecond,
			OnError:       func(_ context.Context, err error) { st.sawError(bi.name, err) },
		})
		if err != nil {
			r.close()
			t.Fatal(err)
		}
	}
	return r
}

// close closes the transport and the cluster (the bulk indexers must be
// closed before).
func (r *rig) close() {
	r.tr.Close()
	r.c.Close()
}

// runSoak runs the workload and the faults, checks the store and closes
// everything; what it measured is in the summary. Everything it allocated
// is garbage when it returns, so that the heap can be measured after.
func runSoak(t *testing.T, cfg soakConfig) *summary {
	st := newStats()
	r := setUp(t, st)
	defer r.close()
	sched := newScheduler(r.c, cfg.Seed)
	led := newLedger()
	sum := &summary{HeapBefore: measureHeap()}

	start := time.Now()
	wl := &workload{es: r.es, bulkIDs: r.bulkIDs, bulkMix: r.bulkMix, index: soakIndex, led: led, st: st, sched: sched, deadline: start.Add(cfg.Duration), maxOps: cfg.MaxOps}
	faultCtx, stopFaults := context.WithCancel(t.Context())
	var faults, workers sync.WaitGroup
	faults.Go(func() { sched.run(faultCtx) })
	for w := range cfg.Workers {
		workers.Go(func() { wl.run(t.Context(), w, cfg.Seed) })
	}
	workers.Wait()
	stopFaults()
	faults.Wait() // every node healed and, unless its port was taken, revived

	closeCtx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	for _, bi := range []*client.BulkIndexer{r.bulkIDs, r.bulkMix} {
		if err := bi.Close(closeCtx); err != nil {
			t.Errorf("closing a bulk indexer after healing every node: %v", err)
		}
	}
	sum.Elapsed = time.Since(start).Round(time.Millisecond).String()
	sum.BulkIDs, sum.BulkMixed = r.bulkIDs.Stats(), r.bulkMix.Stats()

	docs, err := readAll(closeCtx, aliveURL(r.c), soakIndex)
	if err != nil {
		t.Fatalf("reading the index back: %v", err)
	}
	if n := r.c.DocCount(soakIndex); n != len(docs) {
		t.Errorf("the scan read %d documents, the cluster holds %d", len(docs), n)
	}
	sum.fill(st, sched, led)
	sum.Verdict = verify(led.writes, docs)
	return sum
}

// aliveURL returns the URL of a live node: the first, unless it could not
// be revived (its port taken meanwhile), which the scheduler tolerates.
func aliveURL(c *estest.Cluster) string {
	for _, n := range c.Nodes() {
		if n.Alive() {
			return n.URL()
		}
	}
	return c.URLs()[0]
}
