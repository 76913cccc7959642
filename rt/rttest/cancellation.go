package rttest

import (
	"context"
	"time"
)

// Rule 6: cancelling the caller's context ends a RoundTrip blocked in next,
// and the context next saw derives from the caller's.
func (k *kit) checkCancellation() {
	b := newBase(answerBlock, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := k.request(ctx, bodyGetBody)
	done := k.start(Cancellation, "", k.build(b), req)
	var entered, returned bool
	defer func() {
		// Let a call that ignored the cancellation go, so that it does not
		// count as a leaked goroutine.
		close(b.release)
		if !returned {
			closeResponse(k.wait(Cancellation, "", done))
		}
	}()

	if entered, returned = k.awaitNext(b, done); !entered {
		return
	}
	cancel()
	returned = k.awaitReturn(done)
	// A middleware may return before next does; give next's context a
	// moment to be done, unless the kit already waited.
	wait := closeWait
	if !returned {
		wait = 0
	}
	if !poll(wait, func() bool { return undone(b.contexts()) == 0 }) {
		k.report(Cancellation, "", "the context next got is not done after the caller's was cancelled: it must derive from the request's context")
	}
}

// awaitNext waits for the call sent on done to reach the blocking base b.
// It reports a call that returned first (returned) or never reached next.
func (k *kit) awaitNext(b *base, done <-chan outcome) (entered, returned bool) {
	timer := time.NewTimer(cancelWait)
	defer timer.Stop()
	select {
	case <-b.entered:
		return true, false
	case o := <-done:
		closeResponse(o)
		if !o.panicked {
			k.report(Cancellation, "", "RoundTrip returned without calling next (err %v), so cancellation could not be checked", o.err)
		}
		return false, true
	case <-timer.C:
		k.report(Cancellation, "", "next was not called within %v", cancelWait)
		return false, false
	}
}

// awaitReturn waits for the cancelled call sent on done to return with an
// error, and reports whether it returned.
func (k *kit) awaitReturn(done <-chan outcome) bool {
	timer := time.NewTimer(cancelWait)
	defer timer.Stop()
	select {
	case o := <-done:
		closeResponse(o)
		if !o.panicked && o.err == nil {
			k.report(Cancellation, "", "RoundTrip returned a nil error after the caller's context was cancelled")
		}
		return true
	case <-timer.C:
		k.report(Cancellation, "", "RoundTrip did not return within %v after the caller's context was cancelled", cancelWait)
		return false
	}
}

// undone counts the contexts that are not done yet.
func undone(ctxs []context.Context) int {
	n := 0
	for _, c := range ctxs {
		if c.Err() == nil {
			n++
		}
	}
	return n
}

func closeResponse(o outcome) {
	if o.resp != nil && o.resp.Body != nil {
		_ = o.resp.Body.Close()
	}
}
