package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"time"

	"github.com/esrt-dev/esrt/endpoint"
	"github.com/esrt-dev/esrt/internal/options"
	"github.com/esrt-dev/esrt/internal/routing"
	"github.com/esrt-dev/esrt/rt"
)

// tries is one request's way through the retry middleware: what its
// attempts share. It lives on RoundTrip's stack, so that a request that
// needs no retry allocates nothing for it.
type tries struct {
	t          *retryTransport
	req        *http.Request // the caller's
	base       *http.Request // req, with a replayable body
	bodyErr    error         // why req's body could not be made replayable
	release    func()        // releases base's buffered body
	callerCtx  context.Context
	opts       options.Options
	maxRetries int
	pinned     bool
	traced     bool // the attempts' writes are traced (see prepare)

	// The operation, from endpoint.Of and rt.WithIdempotent, looked up
	// when an attempt fails (see resolve).
	resolved bool
	safe     safety
	read     bool

	// The attempt record that routing reads is built only when a first
	// retry is decided, so a request that needs no retry costs nothing
	// for it; ctx is callerCtx, with the record from then on.
	ctx      context.Context
	attempts *routing.Attempts

	again   bool          // another attempt is due
	delay   time.Duration // the wait before it
	wrote   *atomic.Bool  // whether the current attempt's request was written; nil: not traced
	errs    []error       // one per failed attempt, oldest first
	reached int           // failed attempts that may have reached a server
}

// start sets c up for req's first attempt through t. With retries
// disabled it reads nothing more than the options: the request goes
// through once.
func (c *tries) start(t *retryTransport, req *http.Request) {
	ctx := req.Context()
	opts := options.From(ctx)
	*c = tries{
		t: t, req: req, base: req, release: func() {},
		callerCtx: ctx, ctx: ctx, opts: opts, maxRetries: t.maxRetries, again: true,
	}
	if n, ok := opts.MaxRetries, opts.HasMaxRetries; ok {
		c.maxRetries = max(n, 0)
	}
	if c.maxRetries == 0 {
		return
	}
	c.base, c.release, c.bodyErr = rt.ReplayableBody(req, t.maxBody)
	_, c.pinned = opts.Node.(*rt.Node)
	// Whether the request reached the wire matters for operations that
	// are unsafe to repeat, and for marking the response of a retried
	// write; the trace costs allocations, so reads go without. It is
	// decided before the first attempt from the endpoint table: looking
	// up the endpoint the context carries would walk the caller's context
	// once more on every request. An attempt that fails without a trace
	// is judged by its error (see unsent).
	idem, set := opts.Idempotent, opts.HasIdempotent
	c.traced = set && !idem || !readsByTable(req)
}

// resolve looks up the operation, once: the endpoint [endpoint.Of] the
// request, whose safety rt.WithIdempotent overrides.
func (c *tries) resolve() {
	if c.resolved {
		return
	}
	c.resolved = true
	c.safe, c.read = operationOf(c.req.Method, endpoint.Of(c.req))
	if v, ok := c.opts.Idempotent, c.opts.HasIdempotent; ok {
		c.safe = unsafe
		if v {
			c.safe = idempotent
		}
	}
}

// attempt makes attempt n, after waiting the backoff of the retry it is,
// and returns the request's outcome when no attempt follows (c.again is
// then false).
func (c *tries) attempt(n int) (*http.Response, error) {
	switch {
	case c.bodyErr != nil:
		// The caller's body could not be read: attempt 1 never started.
		return c.end(n, -1, nil, c.bodyErr, rt.StopPermanent)
	case n > 1 && !sleep(c.callerCtx, c.delay):
		// The caller's context ended the wait: end gives its reason.
		return c.end(n, -1, nil, nil, rt.StopCanceled)
	}
	out, idx, err := c.prepare(n)
	if err != nil {
		return c.end(n, -1, nil, err, rt.StopBodyNotReplayable)
	}
	res, err := c.t.next.RoundTrip(out)
	if c.callerCtx.Err() != nil || err == nil && !c.t.statuses.has(res.StatusCode) {
		// Done, or the caller gave up: whatever happened is final (with
		// an error, end gives the context's reason).
		return c.end(n, idx, res, err, rt.StopCanceled)
	}
	stop, reason, delay := c.decide(n, res, err)
	if stop {
		return c.end(n, idx, res, err, reason)
	}
	c.retry(n, idx, res, err, delay)
	return nil, nil
}

// prepare returns the request of attempt n, and where its entries in the
// attempt record start (-1: there is no record). A hedging middleware
// below may add more than one entry per attempt.
func (c *tries) prepare(n int) (out *http.Request, idx int, err error) {
	out, idx = c.base, -1
	if c.attempts != nil {
		out, idx = c.base.WithContext(c.ctx), c.attempts.Count()
	}
	if n > 1 && c.base.Body != nil && c.base.Body != http.NoBody {
		body, err := c.base.GetBody()
		if err != nil {
			return nil, -1, fmt.Errorf("esrt: replay request body: %w", err)
		}
		out.Body = body
	}
	c.wrote = nil
	if c.traced {
		wrote := new(atomic.Bool)
		out = out.WithContext(httptrace.WithClientTrace(out.Context(), &httptrace.ClientTrace{
			WroteHeaders: func() { wrote.Store(true) },
			// A request whose writing failed never reached a server in
			// full (the rest of its bytes were not sent), so no server
			// can have applied it.
			WroteRequest: func(info httptrace.WroteRequestInfo) {
				if info.Err != nil {
					wrote.Store(false)
				}
			},
		}))
		c.wrote = wrote
	}
	return out, idx, nil
}

// decide tells whether attempt n, which ended with res (of a status in
// RetryOnStatus) or err, is the last one and why, or else how long to wait
// before the next one.
func (c *tries) decide(n int, res *http.Response, err error) (stop bool, reason rt.StopReason, delay time.Duration) {
	c.resolve()
	if stop, reason := c.stopReason(n, res, err); stop {
		return true, reason, 0
	}
	delay = c.t.delay(n, res, err)
	if delay > 0 && !c.pinned && c.t.nodeCount != nil && unsent(err, c.wrote) &&
		untriedLeft(c.t.nodeCount(), c.attempts, err) {
		// Nothing reached a server, and the router sends the retry to a
		// node this request has not tried: no reason to wait.
		delay = 0
	}
	if deadline, ok := c.callerCtx.Deadline(); ok && time.Until(deadline) <= delay {
		return true, rt.StopDeadline, 0
	}
	if c.t.budget != nil && !unsent(err, c.wrote) && !c.t.budget.Withdraw() {
		return true, rt.StopBudget, 0
	}
	return false, 0, delay
}

// stopReason tells whether attempt n, which ended with res or err, is the
// last one whatever the timing, and why.
func (c *tries) stopReason(n int, res *http.Response, err error) (stop bool, reason rt.StopReason) {
	switch {
	case c.maxRetries == 0:
		return true, rt.StopDisabled
	case err != nil && permanent(c.base, err):
		return true, rt.StopPermanent
	case n > c.maxRetries:
		return true, rt.StopExhausted
	case !c.safeToRepeat(res, err):
		return true, rt.StopMayHaveBeenApplied
	case !rt.CanReplay(c.base):
		return true, rt.StopBodyNotReplayable
	}
	return false, 0
}

// safeToRepeat reports whether another attempt may follow one that ended
// with res or err (an outcome a retry may fix), given the operation's
// safety: whether the attempt may have been applied matters only for
// operations that are not safe to repeat.
func (c *tries) safeToRepeat(res *http.Response, err error) bool {
	if err != nil {
		if errors.Is(err, rt.ErrBreakerOpen) {
			// Refused without being sent, by a breaker that changed
			// state after the router chose its node (several attempts
			// raced for a half-open breaker's probe): the router sends
			// the retry to another node, or as a last resort.
			return true
		}
		if unsent(err, c.wrote) {
			return true // nothing reached the server
		}
	} else if res.StatusCode == http.StatusTooManyRequests {
		return true // rejected without being run
	}
	switch c.safe {
	case idempotent:
		return true
	case byBody:
		return idempotentBody(c.base)
	}
	return false
}

// retry records attempt n, whose entries in the attempt record start at
// idx, which ended with res or err, for the retry that follows after
// delay: it builds the attempt record at the first retry, discards res,
// and tells the hooks.
func (c *tries) retry(n, idx int, res *http.Response, err error, delay time.Duration) {
	if mayHaveReached(res, err, c.wrote) {
		c.reached++
	}
	if c.attempts == nil {
		// Start the record with the node of the first attempt, so that
		// routing avoids it: from the router's *rt.AttemptError, or from
		// routing.NodeOf the response.
		var first *rt.Node
		if ae, ok := err.(*rt.AttemptError); ok {
			first, err = ae.Node, ae.Err // the record names the node from here on
		} else {
			first = routing.NodeOf(res)
		}
		c.ctx, c.attempts = routing.WithAttempts(c.callerCtx)
		m, _ := c.attempts.Begin()
		c.attempts.SetNode(m, first)
		idx = 0
	}
	info := rt.RetryInfo{Request: c.req, Attempt: n + 1, Delay: delay, Err: err}
	if res != nil {
		info.StatusCode = res.StatusCode
		err = &statusError{StatusCode: res.StatusCode}
		drain(res.Body)
	}
	c.errs = append(c.errs, attemptError(n, idx, c.attempts, err))
	rt.ComposeHooks(c.t.hooks, hooksOf(c.opts)).Retry(info)
	c.delay = delay
}

// end returns the request's outcome after attempt n, whose entries in the
// attempt record start at idx, ended with res or err (or never started,
// with neither): res, or an *rt.RetryError holding every attempt's error
// that says no further attempt was made for reason, or for the caller's
// context when it is done.
func (c *tries) end(n, idx int, res *http.Response, err error, reason rt.StopReason) (*http.Response, error) {
	c.again = false
	if err == nil && res != nil {
		return final(res, c.read, c.reached), nil
	}
	if err != nil {
		c.errs = append(c.errs, attemptError(n, idx, c.attempts, err))
	}
	if r, done := contextStop(c.callerCtx); done {
		reason = r
	}
	return nil, stopError(c.req, reason, c.errs)
}

// hooksOf returns the hooks set with rt.WithHooks, or nil.
func hooksOf(o options.Options) *rt.Hooks {
	h, _ := o.Hooks.(*rt.Hooks)
	return h
}
