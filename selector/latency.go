package selector

import (
	"math"
	"sync/atomic"
)

// ewma is a node's latency estimate, in nanoseconds: a moving average of
// the logarithm of its samples, that is a geometric mean, decaying with
// time.
//
// Averaging logarithms makes the estimate the node's typical latency and
// robust to noise: on a busy machine the latencies of equally fast nodes
// vary several times from request to request, and one sample 25 times the
// estimate raises it by a sixth (25^0.05), where a peak-sensitive average
// (Finagle's, Linkerd's) takes the peak at once and keeps the node out of
// rotation until it decays. A node that really is ten times slower still
// stands out after a few samples.
//
// The weight of a new sample is 1/n for the first warmSamples samples (the
// estimate is their geometric mean, so the first sample is not trusted
// more than the next), then minSampleWeight, or more after a quiet spell:
// 1-exp(-Δt/τ), Δt being the time since the previous sample, so that at
// low request rates old samples are forgotten after about τ. An idle
// node's estimate decays towards zero (by exp(-Δt/τ) when read), so that
// a node that has not been chosen for a long time looks fast again and is
// tried.
//
// It is lock-free: the timestamp is swapped first, so that concurrent
// observers each decay over their own slice of the elapsed time, and the
// value is updated with a compare-and-swap loop.
type ewma struct {
	bits  atomic.Uint64 // math.Float64bits of the estimate
	stamp atomic.Int64  // Unix nanoseconds of the last update; 0: no sample
	n     atomic.Int32  // samples taken, counted up to warmSamples
}

const (
	// minSampleWeight is the least weight of a new sample.
	minSampleWeight = 0.05
	// warmSamples is how many samples an estimate rests on before the
	// latency-aware selector trusts it: 1/minSampleWeight, the number of
	// samples an exponential average of that weight remembers.
	warmSamples = 20
)

// observe adds a sample of rtt nanoseconds taken at now.
func (e *ewma) observe(rtt float64, now int64, tau float64) {
	if now == 0 {
		now = 1
	}
	rtt = max(rtt, 1) // the logarithm of 0 is -Inf; 1 ns is as fast
	n := e.n.Load()
	if n < warmSamples {
		n = e.n.Add(1)
	}
	prev := e.stamp.Swap(now)
	if prev == 0 {
		e.bits.Store(math.Float64bits(rtt))
		return
	}
	// w is the weight of the estimate so far.
	w := min(decay(float64(max(now-prev, 0))/tau), 1-minSampleWeight, 1-1/float64(max(n, 2)))
	for {
		old := e.bits.Load()
		c := math.Float64frombits(old)
		if c > 0 {
			c *= math.Exp((1 - w) * math.Log(rtt/c))
		} else {
			c = rtt
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

// warm reports whether the estimate rests on warmSamples samples.
func (e *ewma) warm() bool { return e.n.Load() >= warmSamples }

// reset sets the estimate to v at now, as an estimate that rests on
// enough samples (a node starting from the pool's median); v == 0 means
// "no sample".
func (e *ewma) reset(v float64, now int64) {
	if v <= 0 {
		e.stamp.Store(0)
		e.bits.Store(0)
		e.n.Store(0)
		return
	}
	if now == 0 {
		now = 1
	}
	e.bits.Store(math.Float64bits(v))
	e.stamp.Store(now)
	e.n.Store(warmSamples)
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
