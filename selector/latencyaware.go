package selector

import (
	"math"
	"math/rand/v2"
	"time"
)

// LatencyAware returns the default selector: power of two choices that
// spreads requests evenly over nodes that are equally fast and keeps them
// away from a node that is clearly slower or busier.
//
// It draws two distinct candidates at random and compares their loads: a
// node's latency estimate (see [Candidate.Latency]) times the square root
// of (outstanding requests + 1). When the two latency estimates are within
// a factor of two of each other, and the two loads too, the nodes are
// equal and the one chosen longer ago wins, so that the choice rotates
// over equal nodes at any request rate, one request at a time included.
// Otherwise the lower load wins. So a node less than twice as slow as the
// others gets an equal share, and a node ten times slower gets no request
// until the others have about a hundred outstanding each, but for
// exploration (below).
//
// A node whose estimate rests on fewer than 20 samples (a seed before it
// has answered that many requests) is new: free while it has no request
// outstanding, so that new nodes take turns and each gets its samples, and
// more expensive than any other node while it has one, so that a node
// nobody knows the speed of is not flooded. A node added to a pool that
// has estimates, or returning from the dead, starts from the pool's median
// estimate and is not new.
//
// In a pool, a node that loses a draw while its latest latency sample is
// more than a second old gets the request anyway, at most once a second
// per node, so that a node whose estimate rose with a few slow requests (a
// bulk load, a heavy aggregation) is not starved of the samples that would
// bring it down. Select called directly never explores.
func LatencyAware() Selector { return latencyAware{} }

// tolerance is the factor within which the latency-aware selector treats
// two nodes' latency estimates, and their loads, as equal.
const tolerance = 2

type latencyAware struct{}

// Select runs the latency-aware choice; the time is read from the pool's
// clock (the system clock for candidates built by NewCandidate). It never
// explores: exploration is a pool's, which knows the attempt's time.
func (latencyAware) Select(c []Candidate) int {
	if len(c) == 0 {
		return -1
	}
	return selectP2C(c, c[0].now(), false)
}

// selectP2C is the latency-aware choice at now, in Unix nanoseconds (the
// time to decay latency estimates to, and the rotation's stamp). exploring
// lets the loser of the draw be explored.
func selectP2C(c []Candidate, now int64, exploring bool) int {
	switch len(c) {
	case 0:
		return -1
	case 1:
		c[0].markPicked(now)
		return 0
	}
	i := rand.IntN(len(c))
	j := rand.IntN(len(c) - 1) // a second candidate, distinct from i
	if j >= i {
		j++
	}
	li, lj := load(c[i], now), load(c[j], now)
	switch {
	case !equal(c[i], c[j], li, lj, now):
		if lj < li {
			i, j = j, i
		}
	case c[j].pickedAt() < c[i].pickedAt():
		i, j = j, i // equal: the one chosen longer ago
	}
	if exploring && explore(c[j], now) {
		i = j
	}
	c[i].markPicked(now)
	return i
}

// equal reports whether a and b, of loads la and lb, are equal for the
// latency-aware selector: loads within tolerance of each other, and, when
// both estimates are trusted, latency estimates too. A new node is free
// (0) or costs +Inf, so it is equal only to a node in the same state.
func equal(a, b Candidate, la, lb float64, now int64) bool {
	if la > tolerance*lb || lb > tolerance*la {
		return false
	}
	if !a.warm() || !b.warm() {
		return true
	}
	ta, tb := float64(a.latencyAt(now)), float64(b.latencyAt(now))
	return ta <= tolerance*tb && tb <= tolerance*ta
}

// exploreAfter is how old a node's latest latency sample may get before the
// latency-aware selector sends it a request whatever its estimate.
const exploreAfter = int64(time.Second)

// explore reports whether c, the loser of a power-of-two draw, should get
// this request anyway because its estimate is stale, and claims that
// exploration. At most one request per node per exploreAfter explores, so
// a node that really is slow costs little.
func explore(c Candidate, now int64) bool {
	h := c.h
	if h == nil || h.p == nil {
		return false
	}
	stamp := h.lat.Stamp()
	last := h.explored.Load()
	if stamp == 0 || now-max(stamp, last) < exploreAfter {
		return false
	}
	return h.explored.CompareAndSwap(last, now)
}

// load is the latency-aware load of c at now: its latency estimate times
// the square root of (outstanding requests + 1); for a new node (see
// LatencyAware), 0 while it has no request outstanding and +Inf while it
// has.
func load(c Candidate, now int64) float64 {
	inflight := float64(c.InFlight())
	if !c.warm() {
		if inflight == 0 {
			return 0
		}
		return math.Inf(1)
	}
	return float64(c.latencyAt(now)) * math.Sqrt(inflight+1)
}
