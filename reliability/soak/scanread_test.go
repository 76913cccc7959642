package soak_test

// This file is the soak's scan: a worker reads all its documents back
// with client.Scan (a point in time and search_after, page by page)
// while the faults go on.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/esrt-dev/esrt/client"
)

// scan reads every document of worker w, in small pages and sometimes in
// two slices, and checks that each document acknowledged before the scan
// began is among them once, under its id, with its content, and that no
// document came twice.
func (wl *workload) scan(ctx context.Context, rng *rand.Rand, w int) {
	want := wl.led.ackedBy(w)
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	start := time.Now()
	seen := make(map[string]stored, len(want))
	req := client.ScanRequest{
		Index:    []string{wl.index},
		Body:     fmt.Sprintf(`{"query":{"prefix":{"marker":"m%03dx"}}}`, w),
		PageSize: 20 + rng.IntN(81),
		Slices:   1 + rng.IntN(2),
	}
	for hit, err := range client.Scan[source](ctx, wl.es, req) {
		if err != nil {
			wl.st.op("scan", time.Since(start), err)
			wl.badRead(readError, start, "scan of worker %d after %d hits: %v", w, len(seen), err)
			return
		}
		if _, dup := seen[hit.ID]; dup {
			wl.badRead(readMismatch, start, "scan of worker %d returned %s twice", w, hit.ID)
		}
		seen[hit.ID] = stored{id: hit.ID, src: hit.Source}
	}
	wl.st.op("scan", time.Since(start), nil)
	for _, d := range want {
		got, ok := seen[d.id]
		switch {
		case !ok:
			wl.badRead(readNotFound, start, "scan of worker %d: no %s (id %s) among %d hits", w, d.marker, d.id, len(seen))
		case got.src.fingerprint() != d.fp:
			wl.badRead(readMismatch, start, "scan of worker %d: %s with other content", w, d.id)
		}
	}
}
