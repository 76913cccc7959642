package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/esrt-dev/esrt/rt"
)

// sendBatch sends body, which holds entries, and then what must be sent
// again, until every entry has ended. It reuses body and entries for the
// retries: the items sent again are a subset, in order, moved to the front.
func (w *bulkWorker) sendBatch(body []byte, entries []bulkEntry) {
	for attempt := 1; ; attempt++ {
		if w.b.ctx.Err() != nil {
			w.failAll(entries, w.b.closedErr())
			return
		}
		reply, err := w.post(body)
		var keep int
		if err == nil {
			keep = w.settle(body, entries, reply)
		} else {
			keep = w.failed(body, entries, err)
		}
		if keep == 0 {
			return
		}
		entries = entries[:keep]
		body = body[:entries[keep-1].end]
		if !w.wait(attempt) {
			w.failAll(entries, w.b.closedErr())
			return
		}
		for i := range entries {
			entries[i].retries++
		}
		w.b.stats.retried.Add(uint64(keep))
	}
}

// settle ends the entries the reply answers for good and keeps those to
// send again at the front of entries (and their lines at the front of
// body). It returns how many it kept.
func (w *bulkWorker) settle(body []byte, entries []bulkEntry, reply []byte) int {
	b := w.b
	kept, answered := 0, 0
	err := scanReply(reply, func(i int, r *replyItem) error {
		if i >= len(entries) {
			return errBadReply
		}
		e := &entries[i]
		answered++
		switch {
		case r.ok():
			b.succeed(e, r)
		case b.cfg.retries(r.status) && e.counted < b.cfg.MaxRetries:
			e.counted++
			keepEntry(body, entries, i, kept)
			kept++
		default:
			b.fail(e, r.bulkResult(e.retries), r.itemError())
		}
		return nil
	})
	if err == nil && answered < len(entries) {
		err = errBadReply
	}
	if err != nil {
		err = fmt.Errorf("esrt: bulk: %w: %d of %d items answered", err, answered, len(entries))
		if b.cfg.OnError != nil {
			b.cfg.OnError(b.ctx, err)
		}
		for i := answered; i < len(entries); i++ {
			b.fail(&entries[i], w.noAnswer(&entries[i]), err)
		}
	}
	return kept
}

// failed handles a request that failed as a whole (see BulkIndexer's
// doc): it ends the entries that cannot be sent again and keeps the others
// at the front, returning how many it kept.
func (w *bulkWorker) failed(body []byte, entries []bulkEntry, err error) int {
	b := w.b
	if b.ctx.Err() != nil {
		w.failAll(entries, b.closedErr())
		return 0
	}
	if b.cfg.OnError != nil {
		b.cfg.OnError(b.ctx, err)
	}
	var answer *Error
	switch {
	case errors.As(err, &answer) && !b.cfg.retries(answer.Status):
		w.failAll(entries, err)
		return 0
	case answer != nil:
		return w.keepIf(body, entries, err, true, func(*bulkEntry) bool { return true })
	case neverSent(err):
		return w.keepIf(body, entries, err, false, func(*bulkEntry) bool { return true })
	}
	return w.keepIf(body, entries, err, true, func(e *bulkEntry) bool {
		return e.item.safeToRepeat(body[e.off:e.end])
	})
}

// keepIf keeps the entries for which ok holds, counting the retry against
// MaxRetries if counted, and fails the others with err.
func (w *bulkWorker) keepIf(body []byte, entries []bulkEntry, err error, counted bool, ok func(*bulkEntry) bool) int {
	kept := 0
	for i := range entries {
		e := &entries[i]
		if !ok(e) || counted && e.counted >= w.b.cfg.MaxRetries {
			w.b.fail(e, w.noAnswer(e), err)
			continue
		}
		if counted {
			e.counted++
		}
		keepEntry(body, entries, i, kept)
		kept++
	}
	return kept
}

// keepEntry moves entry i to position n, n <= i, and its lines right after
// those of entry n-1.
func keepEntry(body []byte, entries []bulkEntry, i, n int) {
	e := entries[i]
	off := 0
	if n > 0 {
		off = entries[n-1].end
	}
	copy(body[off:], body[e.off:e.end])
	e.off, e.end = off, off+(e.end-e.off)
	entries[n] = e
}

// failAll fails every entry with err.
func (w *bulkWorker) failAll(entries []bulkEntry, err error) {
	for i := range entries {
		w.b.fail(&entries[i], w.noAnswer(&entries[i]), err)
	}
}

// noAnswer is the result of an entry the cluster did not answer for.
func (w *bulkWorker) noAnswer(e *bulkEntry) BulkResult {
	return BulkResult{Index: w.itemIndex(&e.item), ID: e.item.ID, Retries: e.retries}
}

// wait waits before retry round attempt, and reports false if the indexer
// gave up meanwhile.
func (w *bulkWorker) wait(attempt int) bool {
	d := w.b.cfg.backoff(attempt)
	if d <= 0 {
		return w.b.ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-w.b.ctx.Done():
		return false
	}
}

// succeed ends an applied entry.
func (b *BulkIndexer) succeed(e *bulkEntry, r *replyItem) {
	b.stats.applied(e.item.Action)
	fn := e.item.OnSuccess
	if fn == nil {
		fn = b.cfg.OnSuccess
	}
	if fn != nil {
		fn(b.ctx, e.item, r.bulkResult(e.retries))
	}
}

// fail ends a failed entry.
func (b *BulkIndexer) fail(e *bulkEntry, res BulkResult, err error) {
	b.stats.failed.Add(1)
	b.stats.flushed.Add(1)
	fn := e.item.OnFailure
	if fn == nil {
		fn = b.cfg.OnFailure
	}
	if fn != nil {
		fn(b.ctx, e.item, res, err)
	}
}

// closedErr is the error of the items Close gave up on.
func (b *BulkIndexer) closedErr() error {
	return fmt.Errorf("%w before the item ended: %w", ErrIndexerClosed, context.Cause(b.ctx))
}

// neverSent reports whether a request's error shows that it never reached a
// server: each attempt failed to connect, or found no node to go to. Such a
// request was not applied, whatever it held.
func neverSent(err error) bool {
	var re *rt.RetryError
	if !errors.As(err, &re) {
		return notConnected(err)
	}
	switch re.Reason {
	case rt.StopPermanent, rt.StopCanceled, rt.StopDeadlineExceeded:
		return false
	}
	for _, a := range re.Attempts {
		if !notConnected(a) {
			return false
		}
	}
	return len(re.Attempts) > 0
}

// notConnected reports whether one attempt's error is a failure to
// connect, or no node to connect to.
func notConnected(err error) bool {
	if errors.Is(err, rt.ErrNoNode) || errors.Is(err, rt.ErrBreakerOpen) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
