package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/sony/gobreaker/v2"

	"github.com/esrt-dev/esrt/internal/routing"
	"github.com/esrt-dev/esrt/rt"
)

// settings is what every circuit of a Breakers, or a cluster breaker, is
// built with.
type settings struct {
	st            gobreaker.Settings // without Name and the callbacks
	trip          func(gobreaker.Counts) bool
	countRefusals bool // rt.ErrBreakerOpen and rt.ErrNoNode from below are failures
	consecutive   bool // trips on consecutive failures only, counting one per death (see fresh)
	lastResort    bool // attempts marked with routing.WithLastResort pass a circuit that would refuse them
	hooks         *rt.Hooks
}

// circuit is one circuit breaker: a gobreaker breaker, and what esrt adds
// to it — how an attempt counts (verdict), one failure per death (fresh),
// last resorts, and hooks. What it does because of gobreaker's API is in
// breakerworkarounds.go.
type circuit struct {
	name             string
	node             *rt.Node // nil for the cluster breaker
	scheme, prefix   string   // the node's scheme, and path prefix without trailing slash
	cfg              *settings
	errOpen, errBusy error

	cb atomic.Pointer[gobreaker.CircuitBreaker[struct{}]] // closeNow replaces it

	// Mirrors of the breaker's state, written in its callbacks: the state,
	// the number of state changes, and whether it is closed without a
	// failure to remember.
	state atomic.Int32
	gen   atomic.Uint64
	clean atomic.Bool

	// pool is set once a pool has asked about the circuit's node
	// (Breakers.Open): the node is in rotation, and pruning keeps it.
	pool atomic.Bool

	// failures counts the failures counted in the closed or half-open
	// state (consecutive circuits only). An attempt notes it when it
	// starts; if it has changed when the attempt ends, a failure was
	// counted meanwhile, and the attempt says nothing new.
	failures atomic.Uint64

	// State changes waiting for the hooks, delivered by flush; evMu also
	// serialises the mirrors' updates with closeNow.
	evMu    sync.Mutex
	events  []rt.BreakerInfo
	pending atomic.Int32
	deliver sync.Mutex
}

func newCircuit(name string, n *rt.Node, cfg *settings) *circuit {
	c := &circuit{
		name:    name,
		node:    n,
		cfg:     cfg,
		errOpen: fmt.Errorf("%w: %s", rt.ErrBreakerOpen, name),
		errBusy: fmt.Errorf("%w: %s is half-open and its probes are in flight", rt.ErrBreakerOpen, name),
	}
	c.clean.Store(true)
	c.cb.Store(c.newBreaker())
	return c
}

// roundTrip sends req through next if the circuit allows it, and reports
// the outcome exactly once, when next returns (or panics).
func (c *circuit) roundTrip(next http.RoundTripper, req *http.Request) (*http.Response, error) {
	if c.cfg.consecutive && c.clean.Load() {
		return c.roundTripClean(next, req)
	}
	ctx := req.Context()
	var (
		res  *http.Response
		err  error
		sent bool
	)
	seen := c.failures.Load()
	// Execute reports the verdict when the function returns, or panics;
	// the function does not escape, so none of this allocates.
	_, refused := c.cb.Load().Execute(func() (struct{}, error) {
		sent = true
		res, err = next.RoundTrip(req)
		return struct{}{}, c.fresh(c.verdict(ctx, res, err), seen)
	})
	c.flushFor(ctx)
	switch {
	case sent:
		return res, err
	case c.cfg.lastResort && routing.LastResortFrom(ctx):
		return c.lastResort(next, req)
	}
	if req.Body != nil {
		req.Body.Close()
	}
	if errors.Is(refused, gobreaker.ErrTooManyRequests) {
		return nil, c.errBusy
	}
	return nil, c.errOpen
}

// lastResort sends an attempt the circuit refused, because the router had
// no other node to send it to, or probes a dead node. A failure is not
// counted: the circuit did not admit it. A success means the node is back,
// and closes the circuit, unless a failure was counted while it was on its
// way: that failure is newer news.
func (c *circuit) lastResort(next http.RoundTripper, req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	seen := c.failures.Load()
	res, err := next.RoundTrip(req)
	if c.verdict(ctx, res, err) == nil && c.failures.Load() == seen {
		c.closeNow()
		c.flush(rt.HooksFrom(ctx))
	}
	return res, err
}

// verdict classifies an attempt sent with ctx: nil for a success,
// verdictFailure, or verdictExcluded for an attempt that counts as nothing.
func (c *circuit) verdict(ctx context.Context, res *http.Response, err error) error {
	if ctx.Err() != nil {
		return verdictExcluded // the caller gave up, or a hedge lost
	}
	if err != nil {
		var le *rt.LocalError
		switch {
		case errors.As(err, &le):
			return verdictExcluded // failed in the client, before sending
		case errors.Is(err, context.Canceled):
			return verdictExcluded // cancelled from below, not failed
		case errors.Is(err, rt.ErrBreakerOpen), errors.Is(err, rt.ErrNoNode):
			if c.cfg.countRefusals {
				return verdictFailure
			}
			return verdictExcluded
		}
		return verdictFailure
	}
	if res == nil {
		return verdictFailure // a broken next
	}
	switch res.StatusCode {
	case http.StatusTooManyRequests:
		return verdictExcluded
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return verdictFailure
	}
	return nil
}

// fresh returns the verdict v of an attempt that started when c.failures
// was seen, for a consecutive circuit: nothing when a failure was counted
// since the attempt started, which tells all it could (the attempts in
// flight when a node dies fail together, as one event); and for a
// failure, it claims the count, so that of several attempts that started
// together and fail together, one counts.
func (c *circuit) fresh(v error, seen uint64) error {
	if !c.cfg.consecutive || v == verdictExcluded {
		return v
	}
	if v == nil {
		if c.failures.Load() != seen {
			return verdictExcluded
		}
		return nil
	}
	if !c.failures.CompareAndSwap(seen, seen+1) {
		return verdictExcluded
	}
	return v
}

// refuses reports whether the circuit refuses attempts now: it is open, or
// half-open with every probe slot taken. It is an atomic load while the
// circuit is closed.
func (c *circuit) refuses() bool {
	if gobreaker.State(c.state.Load()) == gobreaker.StateClosed {
		return false
	}
	defer c.flush(nil)
	cb := c.cb.Load()
	switch cb.State() {
	case gobreaker.StateOpen:
		return true
	case gobreaker.StateHalfOpen:
		n := cb.Counts()
		return n.Requests >= n.TotalExclusions && n.Requests-n.TotalExclusions >= c.cfg.st.MaxRequests
	}
	return false
}

// currentState returns the circuit's state, turning an open circuit whose
// cool-down is over half-open.
func (c *circuit) currentState() rt.BreakerState {
	defer c.flush(nil)
	return stateOf(c.cb.Load().State())
}

// idle reports whether the circuit is closed, remembers no failure and has
// no state change waiting for the hooks.
func (c *circuit) idle() bool { return c.clean.Load() && c.pending.Load() == 0 }

// inPool marks the circuit's node as one a pool routes to; it writes only
// the first time, so that the lookups of every pick do not contend.
func (c *circuit) inPool() *circuit {
	if !c.pool.Load() {
		c.pool.Store(true)
	}
	return c
}

// flushFor delivers waiting state changes, with the hooks of the request
// whose context is ctx.
func (c *circuit) flushFor(ctx context.Context) {
	if c.pending.Load() != 0 {
		c.flush(rt.HooksFrom(ctx))
	}
}

// flush delivers the queued state changes to the configured hooks, then
// to hooks (the current request's, or nil). Changes of one circuit are
// delivered in order and never concurrently. When another goroutine is
// delivering, flush leaves the queue to it, without waiting, so that a
// hook that calls back into the breaker cannot deadlock: the changes then
// reach that goroutine's request hooks rather than this one's.
func (c *circuit) flush(hooks *rt.Hooks) {
	for c.pending.Load() != 0 && c.deliver.TryLock() {
		for {
			c.evMu.Lock()
			evs := c.events
			c.events = nil
			c.pending.Add(-int32(len(evs)))
			c.evMu.Unlock()
			if len(evs) == 0 {
				break
			}
			for _, ev := range evs {
				c.cfg.hooks.BreakerChange(ev)
				hooks.BreakerChange(ev)
			}
		}
		c.deliver.Unlock()
	}
}

func stateOf(s gobreaker.State) rt.BreakerState {
	switch s {
	case gobreaker.StateOpen:
		return rt.BreakerOpen
	case gobreaker.StateHalfOpen:
		return rt.BreakerHalfOpen
	}
	return rt.BreakerClosed
}
