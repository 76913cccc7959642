package latency

import (
	"math"
	"sync/atomic"
)

// Average is a latency estimate, in nanoseconds: a moving average of the
// logarithm of its samples, that is a geometric mean, decaying with time.
// The zero Average has no sample. It is safe for concurrent use.
//
// Averaging logarithms makes the estimate the typical latency and robust
// to noise: one sample 25 times the estimate raises it by a sixth
// (25^0.05), where a peak-sensitive average takes the peak at once. A node
// that really is ten times slower still stands out after a few samples.
//
// The weight of a new sample is 1/n for the first [WarmSamples] samples
// (the estimate is their geometric mean), then [MinSampleWeight], or more
// after a quiet spell: 1-exp(-Δt/τ), Δt being the time since the previous
// sample, so that at low rates old samples are forgotten after about τ.
// An estimate that gets no sample decays towards zero (by exp(-Δt/τ) when
// read), so that a node that has not been chosen for long looks fast
// again and is tried.
//
// Times are Unix nanoseconds; τ is in nanoseconds too.
type Average struct {
	bits  atomic.Uint64 // math.Float64bits of the estimate
	stamp atomic.Int64  // Unix nanoseconds of the last update; 0: no sample
	n     atomic.Int32  // samples taken, counted up to WarmSamples
}

const (
	// MinSampleWeight is the least weight of a new sample.
	MinSampleWeight = 0.05
	// WarmSamples is how many samples an estimate rests on before it is
	// trusted: 1/MinSampleWeight, the number of samples an exponential
	// average of that weight remembers.
	WarmSamples = 20
)

// Observe adds a sample of rtt nanoseconds taken at now. Concurrent
// observers each decay the estimate over their own slice of the elapsed
// time.
func (e *Average) Observe(rtt float64, now int64, tau float64) {
	if now == 0 {
		now = 1
	}
	rtt = max(rtt, 1) // the logarithm of 0 is -Inf; 1 ns is as fast
	n := e.n.Load()
	if n < WarmSamples {
		n = e.n.Add(1)
	}
	prev := e.stamp.Swap(now)
	if prev == 0 {
		e.bits.Store(math.Float64bits(rtt))
		return
	}
	// w is the weight of the estimate so far.
	w := min(decay(float64(max(now-prev, 0))/tau), 1-MinSampleWeight, 1-1/float64(max(n, 2)))
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

// Value returns the estimate decayed to now, and whether there is one.
func (e *Average) Value(now int64, tau float64) (float64, bool) {
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

// Last returns the estimate as of its last update, without decay; 0
// without one.
func (e *Average) Last() float64 { return math.Float64frombits(e.bits.Load()) }

// Stamp returns when the estimate was last updated, in Unix nanoseconds;
// 0 without a sample.
func (e *Average) Stamp() int64 { return e.stamp.Load() }

// Warm reports whether the estimate rests on WarmSamples samples.
func (e *Average) Warm() bool { return e.n.Load() >= WarmSamples }

// Reset sets the estimate to v at now, as an estimate that rests on
// enough samples (a node starting from its pool's median); v <= 0 means
// "no sample".
func (e *Average) Reset(v float64, now int64) {
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
	e.n.Store(WarmSamples)
}

// decay returns exp(-x) for x >= 0: the weight left to a value x time
// constants old. Under load x is small (gaps of micro- to milliseconds
// against a τ of seconds), where a short series is exact to 1e-12.
// BenchmarkDefaultChain in bench/ shows the series pays.
func decay(x float64) float64 {
	if x < 0.01 {
		return 1 - x*(1-x*(1.0/2-x*(1.0/6-x*(1.0/24))))
	}
	return math.Exp(-x)
}
