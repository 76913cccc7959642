package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/esrt-dev/esrt/client"
)

// ops are the operations a mix may name, in the order summaries list them.
var ops = []string{"search", "get", "index"}

// mixEntry is one operation of a mix and its weight.
type mixEntry struct {
	op     string
	weight int
}

// mix is a request mix, such as search=70,get=20,index=10.
type mix []mixEntry

// parseMix reads "op=weight,..." with the operations of ops, each at most
// once, weights whole numbers from 0, at least one above 0.
func parseMix(s string) (mix, error) {
	var m mix
	total := 0
	for part := range strings.SplitSeq(s, ",") {
		op, w, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("--mix: %q is not op=weight", part)
		}
		if !slices.Contains(ops, op) {
			return nil, fmt.Errorf("--mix: unknown operation %q (want %s)", op, strings.Join(ops, ", "))
		}
		if slices.ContainsFunc(m, func(e mixEntry) bool { return e.op == op }) {
			return nil, fmt.Errorf("--mix: %s given twice", op)
		}
		n, err := strconv.Atoi(w)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("--mix: the weight of %s must be a whole number from 0, not %q", op, w)
		}
		m, total = append(m, mixEntry{op, n}), total+n
	}
	if total == 0 {
		return nil, fmt.Errorf("--mix: every weight is 0")
	}
	return m, nil
}

// pick draws an operation with the mix's weights.
func (m mix) pick(r *rand.Rand) string {
	total := 0
	for _, e := range m {
		total += e.weight
	}
	n := r.IntN(total)
	for _, e := range m {
		if n < e.weight {
			return e.op
		}
		n -= e.weight
	}
	return m[len(m)-1].op
}

// words fill the workload's documents and queries.
var words = strings.Fields("alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima")

// workload sends a mix of calls through the typed client to one index
// whose documents have the ids 0 to docs-1, and records them.
type workload struct {
	es    *client.Client
	index string
	docs  int
	mix   mix
	rec   *recorder
	pause time.Duration // between two calls of a worker
}

// document returns the body of document i.
func document(i int) map[string]any {
	return map[string]any{"n": i, "message": words[i%len(words)] + " " + words[(i/len(words))%len(words)]}
}

// seed creates the index's documents with the bulk indexer and refreshes
// the index, so that gets and searches find them.
func (w *workload) seed(ctx context.Context) error {
	var mu sync.Mutex
	var failure error
	bi, err := client.NewBulkIndexer(w.es, client.BulkIndexerConfig{Index: w.index, FlushCount: 500,
		OnFailure: func(_ context.Context, _ client.BulkItem, _ client.BulkResult, err error) {
			mu.Lock()
			defer mu.Unlock()
			failure = firstErr(failure, err)
		},
		OnError: func(_ context.Context, err error) {
			mu.Lock()
			defer mu.Unlock()
			failure = firstErr(failure, err)
		},
	})
	if err != nil {
		return err
	}
	for i := range w.docs {
		if err := bi.Add(ctx, client.BulkItem{ID: strconv.Itoa(i), Body: document(i)}); err != nil {
			break
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := bi.Close(ctx); err != nil {
		return firstErr(failure, err)
	}
	if failure != nil {
		return failure
	}
	return w.es.Refresh(ctx, w.index)
}

// firstErr returns the first of its errors that is not nil.
func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// call sends one call of op.
func (w *workload) call(ctx context.Context, op string, r *rand.Rand) error {
	id := r.IntN(w.docs)
	switch op {
	case "index":
		_, err := w.es.Index(ctx, client.IndexRequest{Index: w.index, ID: strconv.Itoa(id), Document: document(id)})
		return err
	case "get":
		_, err := client.Get[json.RawMessage](ctx, w.es, client.GetRequest{Index: w.index, ID: strconv.Itoa(id)})
		return err
	default:
		body := fmt.Sprintf(`{"query":{"match":{"message":%q}},"size":10}`, words[id%len(words)])
		_, err := client.Search[json.RawMessage](ctx, w.es, client.SearchRequest{Index: []string{w.index}, Body: body})
		return err
	}
}

// run starts workers that call until stop is closed, each at least once
// however late it starts, and returns a function that waits for them. A call cut short because ctx ended is not
// recorded: the application gave up, the chain did not fail it.
func (w *workload) run(ctx context.Context, workers int, stop <-chan struct{}) (wait func()) {
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			for ctx.Err() == nil {
				op := w.mix.pick(r)
				start := time.Now()
				err := w.call(ctx, op, r)
				if ctx.Err() != nil {
					return
				}
				w.rec.add(op, time.Now(), time.Since(start), err)
				if w.stopped(stop) {
					return
				}
			}
		})
	}
	return wg.Wait
}

// stopped waits the pause between two calls and reports whether stop was
// closed meanwhile.
func (w *workload) stopped(stop <-chan struct{}) bool {
	if w.pause <= 0 {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	t := time.NewTimer(w.pause)
	defer t.Stop()
	select {
	case <-stop:
		return true
	case <-t.C:
		return false
	}
}
