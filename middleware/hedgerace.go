package middleware

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/esrt-dev/esrt/internal/bodyhook"
	"github.com/esrt-dev/esrt/internal/routing"
	"github.com/esrt-dev/esrt/rt"
)

// The winner of a race.
const (
	undecided = iota
	primaryWon
	hedgeWon
)

// race is one hedged attempt: the first attempt (the primary), sent on
// the caller's goroutine, and the hedge, sent by a timer's goroutine. Its
// mutex orders their ends; every field below mu is guarded by it.
type race struct {
	t             *hedgeTransport
	req           *http.Request   // the caller's
	ctx           context.Context // the caller's, with an attempt record
	cancelPrimary context.CancelCauseFunc
	body          bodyhook.Hook           // the winner's body, in the same allocation
	cancelWinner  context.CancelCauseFunc // ends the winner's context with its body

	mu          sync.Mutex
	primaryDone bool
	launched    bool // the hedge goroutine will send one raceResult on hedged, unless it lost
	hedgeDone   bool
	winner      int
	cancelHedge context.CancelCauseFunc
	hedged      chan raceResult
}

type raceResult struct {
	res     *http.Response
	err     error
	skipped bool // no hedge was sent after all: budget refused, body failed
}

// sendHedged sends req, and a hedge of it if it has not answered after
// delay; lat is the latency record of its operation.
func (t *hedgeTransport) sendHedged(req *http.Request, lat *opLatency, delay time.Duration) (*http.Response, error) {
	ctx := req.Context()
	if routing.AttemptsFrom(ctx) == nil {
		ctx, _ = routing.WithAttempts(ctx)
	}
	r := &race{t: t, req: req, ctx: ctx}
	pctx, pcancel := context.WithCancelCause(ctx)
	r.cancelPrimary = pcancel
	timer := time.AfterFunc(delay, r.launch)
	start := time.Now()
	res, err := t.next.RoundTrip(req.WithContext(pctx))
	elapsed := time.Since(start)
	stopped := timer.Stop()

	r.mu.Lock()
	r.primaryDone = true
	if stopped || !r.launched {
		r.winner = primaryWon
		r.mu.Unlock()
		if t.settles(res, err) {
			t.observe(lat, elapsed)
		}
		return r.finish(res, err, pcancel)
	}
	switch {
	case r.winner == hedgeWon:
		r.mu.Unlock()
		t.observe(lat, elapsed) // cancelled: slow, at least this slow
		drainResponse(res)
		h := <-r.hedged
		return r.finish(h.res, h.err, r.cancelHedge)
	case t.settles(res, err):
		r.winner = primaryWon
		hedgeDone, cancelHedge := r.hedgeDone, r.cancelHedge
		r.mu.Unlock()
		t.observe(lat, elapsed)
		if hedgeDone {
			drainResponse((<-r.hedged).res)
		}
		cancelHedge(rt.ErrHedgeLost)
		return r.finish(res, err, pcancel)
	}
	r.mu.Unlock()
	// The primary did not settle the race: the hedge decides.
	h := <-r.hedged
	switch {
	case h.skipped:
	case t.settles(h.res, h.err) || (res == nil && h.res != nil):
		drainResponse(res)
		pcancel(rt.ErrHedgeLost)
		return r.finish(h.res, h.err, r.cancelHedge)
	default:
		drainResponse(h.res)
		r.cancelHedge(rt.ErrHedgeLost)
	}
	return r.finish(res, err, pcancel)
}

// launch sends the hedge, when the primary is still out. It runs on the
// timer's goroutine.
func (r *race) launch() {
	r.mu.Lock()
	if r.primaryDone {
		r.mu.Unlock()
		return
	}
	r.launched = true
	r.hedged = make(chan raceResult, 1)
	hctx, cancel := context.WithCancelCause(routing.WithHedge(r.ctx))
	r.cancelHedge = cancel
	r.mu.Unlock()

	h := r.send(hctx)
	if h.skipped {
		cancel(nil)
	}
	r.mu.Lock()
	r.hedgeDone = true
	switch {
	case r.winner == primaryWon:
		r.mu.Unlock()
		drainResponse(h.res)
		cancel(rt.ErrHedgeLost)
		return
	case !r.primaryDone && r.t.settles(h.res, h.err):
		r.winner = hedgeWon
		r.mu.Unlock()
		r.cancelPrimary(rt.ErrHedgeLost)
	default:
		r.mu.Unlock()
	}
	r.hedged <- h
}

// send sends the hedge with ctx, if the budget allows it and the body can
// be replayed.
func (r *race) send(ctx context.Context) raceResult {
	if a := r.t.allowance; a != nil && !a.withdraw() {
		return raceResult{skipped: true}
	}
	if !r.t.budget.Withdraw() {
		return raceResult{skipped: true}
	}
	hreq := r.req.WithContext(ctx)
	if r.req.Body != nil && r.req.Body != http.NoBody {
		body, err := r.req.GetBody()
		if err != nil {
			return raceResult{skipped: true}
		}
		hreq.Body = body
	}
	res, err := r.t.next.RoundTrip(hreq)
	return raceResult{res: res, err: err}
}

// finish returns the winning outcome; the attempt's context, whose cancel
// is given, ends at once on an error, or with the response body.
func (r *race) finish(res *http.Response, err error, cancel context.CancelCauseFunc) (*http.Response, error) {
	if err != nil {
		cancel(nil)
		return nil, err
	}
	r.cancelWinner = cancel
	res.Body = r.body.Wrap(res.Body, r)
	return res, nil
}

// BodyDone ends the winner's context when its body is done with.
func (r *race) BodyDone(error) { r.cancelWinner(nil) }

// drainResponse drains and closes the response of an attempt that lost.
func drainResponse(res *http.Response) {
	if res != nil {
		drain(res.Body)
	}
}
