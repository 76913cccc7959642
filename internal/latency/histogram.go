package latency

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// Histogram holds the distribution of recent latencies: the last Window to
// 2·Window samples, in log-linear buckets, 8 per power of two (each at
// most 12.5 % wide) from 1 µs to about 18 minutes; shorter and longer
// samples fall in the first and last bucket. The zero Histogram is empty.
// It is safe for concurrent use and lock-free: a sample is two atomic adds
// and a load.
type Histogram struct {
	gens [2]generation
	cur  atomic.Uint32 // the generation being filled, modulo 2
}

// Window is how many samples a generation of a Histogram holds.
const Window = 256

const (
	subBits    = 3
	minExp     = 10 // 2^10 ns ≈ 1 µs
	maxExp     = 40 // 2^40 ns ≈ 18 min
	numBuckets = (maxExp - minExp + 1) << subBits
)

type generation struct {
	counts [numBuckets]atomic.Uint32
	total  atomic.Uint32
}

// Observe adds a sample.
func (h *Histogram) Observe(d time.Duration) {
	cur := h.cur.Load()
	g := &h.gens[cur&1]
	g.counts[bucket(d)].Add(1)
	if g.total.Add(1) == Window {
		// Full: clear the older generation and fill it next, so that the
		// histogram covers the last Window to 2·Window samples.
		old := &h.gens[(cur+1)&1]
		for i := range old.counts {
			old.counts[i].Store(0)
		}
		old.total.Store(0)
		h.cur.Add(1)
	}
}

// Quantile returns the upper bound of the bucket that holds the q-th
// quantile of the samples (q in [0, 1]), or 0 without samples.
func (h *Histogram) Quantile(q float64) time.Duration {
	var counts [numBuckets]uint64
	var total uint64
	for g := range h.gens {
		for i := range counts {
			c := uint64(h.gens[g].counts[i].Load())
			counts[i] += c
			total += c
		}
	}
	if total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(total)))
	var cum uint64
	for i, c := range counts {
		if cum += c; cum >= rank && c > 0 {
			return upper(i)
		}
	}
	return upper(numBuckets - 1)
}

// bucket returns the bucket of a latency.
func bucket(d time.Duration) int {
	v := uint64(max(d, 0))
	if v < 1<<minExp {
		return 0
	}
	e := bits.Len64(v) - 1
	if e > maxExp {
		return numBuckets - 1
	}
	sub := int(v>>(e-subBits)) & (1<<subBits - 1)
	return (e-minExp)<<subBits | sub
}

// upper returns the upper bound of bucket i.
func upper(i int) time.Duration {
	e := i>>subBits + minExp
	sub := i & (1<<subBits - 1)
	return time.Duration(uint64(1<<subBits+sub+1) << (e - subBits))
}

// Upper returns the upper bound of the bucket that holds d: the value
// Quantile returns when d is the quantile.
func Upper(d time.Duration) time.Duration { return upper(bucket(d)) }
