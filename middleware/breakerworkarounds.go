package middleware

import (
	"context"
	"errors"
	"net/http"

	"github.com/sony/gobreaker/v2"

	"github.com/esrt-dev/esrt/rt"
)

// What a circuit does because of gobreaker/v2's API, here and only here:
//
//   - Three verdicts. Execute's function returns an error, which gobreaker
//     judges with IsExcluded and IsSuccessful: nil, verdictFailure and
//     verdictExcluded carry success, failure and "counts as nothing".
//   - A lock-free state. gobreaker reads its state under its mutex, after
//     reading the clock, and Open is asked for every candidate of every
//     pick: the circuit mirrors the state from OnStateChange (changed).
//   - Hooks outside the lock. OnStateChange runs under gobreaker's mutex,
//     where a hook that asks Open would deadlock: changes queue in the
//     circuit, and flush delivers them after.
//   - Closing at once. gobreaker closes only through half-open, once
//     Timeout has run out: a last resort that succeeds closes the circuit
//     by replacing the breaker with a new one (closeNow).
//   - Outcomes it did not admit. A closed circuit that remembers no
//     failure skips gobreaker, whose Execute reads the clock twice and
//     locks twice (BenchmarkDefaultChain in bench/ shows the difference):
//     roundTripClean reports the outcomes that still count late, with the
//     generation they started in, so that they are dropped if the breaker
//     changed state meanwhile, as gobreaker drops late outcomes of its own.

// Verdicts of an attempt, as gobreaker sees them: nil is a success.
var (
	verdictFailure  = errors.New("esrt: breaker: failure")
	verdictExcluded = errors.New("esrt: breaker: not counted")
)

// lateVerdict is the verdict of an attempt that gobreaker did not admit,
// with the number of state changes when it started.
type lateVerdict struct {
	gen     uint64
	verdict error
}

func (l *lateVerdict) Error() string { return "esrt: breaker: late verdict" }

// newBreaker returns a closed gobreaker for c. Its callbacks act only while
// it is c's current breaker: once closeNow has replaced it, outcomes still
// due to it count as nothing and its state changes are not c's. They run
// under gobreaker's lock, in this order for each outcome: IsExcluded, then
// IsSuccessful, then ReadyToTrip on a failure in the closed state.
// Outcomes of an earlier generation never reach them.
func (c *circuit) newBreaker() *gobreaker.CircuitBreaker[struct{}] {
	var cb *gobreaker.CircuitBreaker[struct{}]
	st := c.cfg.st
	st.Name = c.name
	st.IsExcluded = func(err error) bool {
		if l, ok := err.(*lateVerdict); ok {
			if l.gen != c.gen.Load() {
				return true // the breaker changed state since: gobreaker would drop it
			}
			err = l.verdict
		}
		return c.cb.Load() != cb || err == verdictExcluded
	}
	st.IsSuccessful = func(err error) bool {
		if l, ok := err.(*lateVerdict); ok {
			err = l.verdict
		}
		if err == nil && gobreaker.State(c.state.Load()) == gobreaker.StateClosed {
			c.clean.Store(true) // a success in the closed state ends a run of failures
		}
		return err == nil
	}
	st.ReadyToTrip = func(n gobreaker.Counts) bool {
		c.clean.Store(false)
		return c.cfg.trip(n)
	}
	st.OnStateChange = func(_ string, from, to gobreaker.State) { c.changed(cb, from, to) }
	cb = gobreaker.NewCircuitBreaker[struct{}](st)
	return cb
}

// changed is cb's OnStateChange: it updates the mirrors and queues the
// change for the hooks.
func (c *circuit) changed(cb *gobreaker.CircuitBreaker[struct{}], from, to gobreaker.State) {
	c.evMu.Lock()
	defer c.evMu.Unlock()
	if c.cb.Load() != cb {
		return // replaced by closeNow
	}
	c.gen.Add(1)
	c.state.Store(int32(to))
	c.clean.Store(to == gobreaker.StateClosed) // a new generation starts without counts
	c.events = append(c.events, rt.BreakerInfo{Name: c.name, Node: c.node, From: stateOf(from), To: stateOf(to)})
	c.pending.Add(1)
}

// closeNow closes the circuit, for a last resort that succeeded while it
// was open or half-open, by replacing the breaker with a new, closed one,
// with the state change a transition would have: outcomes of attempts the
// old breaker admitted count as nothing, as gobreaker drops outcomes from
// before a state change.
func (c *circuit) closeNow() {
	c.evMu.Lock()
	defer c.evMu.Unlock()
	from := gobreaker.State(c.state.Load())
	if from == gobreaker.StateClosed {
		return // closed meanwhile
	}
	c.cb.Store(c.newBreaker())
	c.gen.Add(1)
	c.state.Store(int32(gobreaker.StateClosed))
	c.clean.Store(true)
	c.events = append(c.events, rt.BreakerInfo{Name: c.name, Node: c.node, From: stateOf(from), To: rt.BreakerClosed})
	c.pending.Add(1)
}

// roundTripClean sends an attempt through a circuit that is closed and
// remembers no failure, without asking gobreaker: closed, it admits every
// attempt, and a success would change nothing in it. Any other outcome,
// or a success when a failure was counted meanwhile, is reported when next
// returns (or panics), with the generation it started in.
func (c *circuit) roundTripClean(next http.RoundTripper, req *http.Request) (res *http.Response, err error) {
	ctx := req.Context()
	gen := c.gen.Load()
	seen := c.failures.Load()
	returned := false
	defer func() {
		if !returned {
			c.report(ctx, gen, verdictFailure) // next panicked; the panic goes on
		}
	}()
	res, err = next.RoundTrip(req)
	returned = true
	if v := c.fresh(c.verdict(ctx, res, err), seen); v != nil || !c.clean.Load() {
		c.report(ctx, gen, v)
	}
	return res, err
}

// report counts the verdict of an attempt that started in generation gen
// without being admitted by gobreaker.
func (c *circuit) report(ctx context.Context, gen uint64, verdict error) {
	late := &lateVerdict{gen: gen, verdict: verdict}
	c.cb.Load().Execute(func() (struct{}, error) { return struct{}{}, late })
	c.flushFor(ctx)
}
