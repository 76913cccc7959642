package soak_test

// This file is the workload: each worker writes documents with and
// without ids, adds bulk batches, and reads back acknowledged documents
// by id, by search and by scan, until the deadline or the cap on operations.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/esrt-dev/esrt/client"
)

// opTimeout bounds one operation. It is far above what any fault costs
// (a Retry-After of 1 s, backoffs of a few seconds, latencies of 100 ms),
// so that it never ends an operation on a slow machine: it only keeps a
// defect from hanging the test.
const opTimeout = 2 * time.Minute

// workload is shared by the workers.
type workload struct {
	es       *client.Client
	bulkIDs  *client.BulkIndexer // actions with ids only: resent by the transport
	bulkMix  *client.BulkIndexer // actions with and without: not resent
	index    string
	led      *ledger
	st       *stats
	sched    *scheduler
	deadline time.Time
	maxOps   int64
	ops      atomic.Int64
}

// run is worker w's loop.
func (wl *workload) run(ctx context.Context, w int, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, uint64(w)))
	seq := 0
	for time.Now().Before(wl.deadline) && wl.ops.Add(1) <= wl.maxOps && ctx.Err() == nil {
		switch p := rng.IntN(100); {
		case p < 25:
			seq++
			wl.indexDoc(ctx, newSource(rng, w, seq, kindIndexID))
		case p < 40:
			seq++
			wl.indexDoc(ctx, newSource(rng, w, seq, kindIndexAut))
		case p < 45:
			for range 3 + rng.IntN(18) {
				seq++
				wl.addBulk(ctx, wl.bulkIDs, newSource(rng, w, seq, kindBulkID))
			}
		case p < 50:
			for range 3 + rng.IntN(18) {
				seq++
				kind := kindMixedID
				if rng.IntN(2) == 0 {
					kind = kindMixedAuto
				}
				wl.addBulk(ctx, wl.bulkMix, newSource(rng, w, seq, kind))
			}
		case p < 79:
			wl.get(ctx, rng)
		case p < 99:
			wl.search(ctx, rng)
		default:
			wl.scan(ctx, rng, w)
		}
	}
}

// indexDoc writes s with PUT (its marker as id) or POST (no id).
func (wl *workload) indexDoc(ctx context.Context, s source) {
	id := ""
	if s.Kind == kindIndexID {
		id = s.Marker
	}
	wl.led.begin(s, id)
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	start := time.Now()
	res, err := wl.es.Index(ctx, client.IndexRequest{Index: wl.index, ID: id, Document: s})
	wl.st.op(s.Kind, time.Since(start), err)
	if err != nil {
		wl.led.fail(s.Marker)
		return
	}
	wl.led.ack(s.Marker, res.ID)
}

// addBulk hands s to a bulk indexer, with or without an id; its outcome
// arrives through the item's callbacks.
func (wl *workload) addBulk(ctx context.Context, bi *client.BulkIndexer, s source) {
	id := ""
	if s.Kind != kindMixedAuto {
		id = s.Marker
	}
	wl.led.begin(s, id)
	start := time.Now()
	err := bi.Add(ctx, client.BulkItem{
		ID:   id,
		Body: s,
		OnSuccess: func(_ context.Context, _ client.BulkItem, res client.BulkResult) {
			wl.st.op(s.Kind, time.Since(start), nil)
			wl.led.ack(s.Marker, res.ID)
		},
		OnFailure: func(_ context.Context, _ client.BulkItem, _ client.BulkResult, err error) {
			wl.st.op(s.Kind, time.Since(start), err)
			wl.led.fail(s.Marker)
		},
	})
	if err != nil { // ctx ended while Add waited: the item was not added
		wl.st.op(s.Kind, time.Since(start), err)
		wl.led.fail(s.Marker)
	}
}

// get reads an acknowledged document by id and checks its content.
func (wl *workload) get(ctx context.Context, rng *rand.Rand) {
	d, ok := wl.led.pick(rng)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	start := time.Now()
	doc, err := client.Get[source](ctx, wl.es, client.GetRequest{Index: wl.index, ID: d.id})
	wl.st.op("get", time.Since(start), err)
	switch {
	case err != nil:
		wl.badRead(readError, start, "get %s: %v", d.id, err)
	case !doc.Found:
		wl.badRead(readNotFound, start, "get %s", d.id)
	case doc.Source.fingerprint() != d.fp:
		wl.badRead(readMismatch, start, "get %s: %+v", d.id, doc)
	}
}

// search finds an acknowledged document by its marker: exactly once,
// under its id, with its content.
func (wl *workload) search(ctx context.Context, rng *rand.Rand) {
	d, ok := wl.led.pick(rng)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	start := time.Now()
	res, err := client.Search[source](ctx, wl.es, client.SearchRequest{
		Index: []string{wl.index},
		Body:  fmt.Sprintf(`{"query":{"term":{"marker":%q}}}`, d.marker),
	})
	wl.st.op("search", time.Since(start), err)
	switch {
	case err != nil:
		wl.badRead(readError, start, "search %s: %v", d.marker, err)
	case len(res.Hits.Hits) == 0:
		wl.badRead(readNotFound, start, "search %s", d.marker)
	case len(res.Hits.Hits) > 1 || res.Hits.Hits[0].ID != d.id || res.Hits.Hits[0].Source.fingerprint() != d.fp:
		wl.badRead(readMismatch, start, "search %s: %+v", d.marker, res.Hits.Hits)
	}
}

// badRead records a read defect of an operation that started at start,
// with what the scheduler did meanwhile.
func (wl *workload) badRead(outcome string, start time.Time, format string, args ...any) {
	why := fmt.Sprintf(format, args...) + " [" + wl.sched.history(start) + "]"
	wl.st.badRead(outcome, wl.sched.healthy(), why)
}
