package selector

import (
	"math"
	"sync/atomic"
)

// ewma is a peak-sensitive exponentially weighted moving average of
// latency, in nanoseconds, decaying with time (as Finagle's and Linkerd's
// peak EWMA): a sample above the estimate replaces it at once; a lower one
// pulls it down by the weight 1-exp(-Δt/τ), Δt being the time since the
// previous sample; and an idle node's estimate decays towards zero so that
// it is tried again.
//
// Unlike Finagle's, a sample always weighs at least minSampleWeight. With
// time-only decay a busy node's estimate is the highest latency of the last
// τ (10 s): at thousands of requests per second one scheduling hiccup pins
// it for seconds, and under noise every node's estimate converges to its
// worst case, hiding a node that is really slow. With the floor the
// estimate forgets after τ or about 1/minSampleWeight samples, whichever
// comes first; at low request rates the time-based decay rules as before.
//
// It is lock-free: the timestamp is swapped first, so that concurrent
// observers each decay over their own slice of the elapsed time, and the
// value is updated with a compare-and-swap loop.
// minSampleWeight is the least weight of a new sample below the estimate.
const minSampleWeight = 0.05

type ewma struct {
	bits  atomic.Uint64 // math.Float64bits of the estimate
	stamp atomic.Int64  // Unix nanoseconds of the last update; 0: no sample
}

// observe adds a sample of rtt nanoseconds taken at now.
func (e *ewma) observe(rtt float64, now int64, tau float64) {
	if now == 0 {
		now = 1
	}
	prev := e.stamp.Swap(now)
	if prev == 0 {
		e.bits.Store(math.Float64bits(rtt))
		return
	}
	w := min(decay(float64(max(now-prev, 0))/tau), 1-minSampleWeight)
	for {
		old := e.bits.Load()
		c := math.Float64frombits(old)
		if rtt > c {
			c = rtt
		} else {
			c = c*w + rtt*(1-w)
		}
		if e.bits.CompareAndSwap(old, math.Float64bits(c)) {
			return
		}
	}
}

// value returns the estimate decayed to now, and whether there is one.
func (e *ewma) value(now int64, tau float64) (float64, bool) {
	st := e.stamp.Load()
	if st == 0 {
		return 0, false
	}
	c := math.Float64frombits(e.bits.Load())
	if d := now - st; d > 0 {
		c *= decay(float64(d) / tau)
	}
	return c, true
}

// reset sets the estimate to v at now; v == 0 means "no sample".
func (e *ewma) reset(v float64, now int64) {
	if v <= 0 {
		e.stamp.Store(0)
		e.bits.Store(0)
		return
	}
	if now == 0 {
		now = 1
	}
	e.bits.Store(math.Float64bits(v))
	e.stamp.Store(now)
}

// decay returns exp(-x) for x >= 0. Under load most gaps between samples
// are micro- or milliseconds against a τ of seconds, so x is small and a
// short series (relative error below 1e-12 for x < 0.01) replaces
// math.Exp.
func decay(x float64) float64 {
	if x < 0.01 {
		return 1 - x*(1-x*(1.0/2-x*(1.0/6-x*(1.0/24))))
	}
	return math.Exp(-x)
}
