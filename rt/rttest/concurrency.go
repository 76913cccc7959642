package rttest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Rule 8: one instance serves many goroutines at once, and each request gets
// its own response. The race detector catches data races in the middleware.
func (k *kit) checkConcurrency() {
	const (
		workers = 16
		each    = 20
	)
	where := fmt.Sprintf("%d goroutines × %d requests", workers, each)
	tr := k.build(newBase(answerStatus, 200))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reqs := k.taggedRequests(ctx, workers, each) // built here: NewRequest may abort

	var wg sync.WaitGroup
	for _, batch := range reqs {
		wg.Go(func() { k.sendTagged(tr, where, batch) })
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	timer := time.NewTimer(parallelWait)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		k.report(Concurrency, where, "requests did not finish within %v", parallelWait)
	}
}

// taggedRequests builds workers batches of each requests, every one with
// its own id in idHeader, which the base echoes in its body.
func (k *kit) taggedRequests(ctx context.Context, workers, each int) [][]*http.Request {
	reqs := make([][]*http.Request, workers)
	for g := range reqs {
		for i := range each {
			req, _ := k.request(ctx, bodyGetBody)
			req.Header = req.Header.Clone() // NewRequest may share a header map between requests
			if req.Header == nil {
				req.Header = make(http.Header)
			}
			req.Header.Set(idHeader, fmt.Sprintf("%d-%d", g, i))
			reqs[g] = append(reqs[g], req)
		}
	}
	return reqs
}

// sendTagged sends reqs through tr one after the other and checks that
// each got the body the base wrote for its id.
func (k *kit) sendTagged(tr http.RoundTripper, where string, reqs []*http.Request) {
	for _, req := range reqs {
		id := req.Header.Get(idHeader)
		o := k.call(Concurrency, where, tr, req)
		k.checkOutcome(Concurrency, where, o)
		if o.panicked {
			return
		}
		if o.err != nil {
			k.report(Concurrency, where, "request %s failed: %v", id, o.err)
			continue
		}
		if o.resp == nil || o.resp.Body == nil {
			continue
		}
		got, err := io.ReadAll(o.resp.Body)
		_ = o.resp.Body.Close()
		if want := content(200, id); err != nil || string(got) != want {
			k.report(Concurrency, where, "request %s got body %q (read error %v), want %q", id, got, err, want)
		}
	}
}
