package selector

import (
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/esrt-dev/esrt/rt"
)

// Selector chooses the node of one attempt among live candidates.
//
// Select returns the index of the chosen candidate. candidates is never
// empty; it is shared and read only, and a selector may keep it (the pool
// hands out the same slice until its node set or health changes). An index
// outside the slice means "none": the attempt fails with [rt.ErrNoNode].
//
// Select is called concurrently from every request and must not block.
// The pool has already removed dead nodes, nodes rejected by the filter,
// non-preferred nodes when preferred ones are live, and the nodes this
// request already tried when others are left.
type Selector interface {
	Select(candidates []Candidate) int
}

// SelectorFunc adapts a function to [Selector].
type SelectorFunc func(candidates []Candidate) int

// Select returns f(candidates).
func (f SelectorFunc) Select(candidates []Candidate) int { return f(candidates) }

// Candidate is a node a [Selector] may choose, with live statistics. It is
// a small value; its methods read the node's current state each time they
// are called.
type Candidate struct {
	Node *rt.Node
	h    *health
}

// NewCandidate returns a candidate with fixed statistics, for testing
// selectors outside a pool.
// A latency of 0 means "no estimate yet": the candidate is new to the
// latency-aware selector; any other latency is a trusted estimate.
func NewCandidate(n *rt.Node, inFlight int, latency time.Duration) Candidate {
	h := new(health)
	h.inflight.Store(int64(inFlight))
	if latency > 0 {
		h.lat.Reset(float64(latency), 0) // trusted; outside a pool, never decayed
	}
	return Candidate{Node: n, h: h}
}

// InFlight returns the number of outstanding attempts to the node: sent,
// and whose response body is not yet read to the end or closed.
func (c Candidate) InFlight() int {
	if c.h == nil {
		return 0
	}
	return int(c.h.inflight.Load())
}

// Latency returns the node's latency estimate, decayed to now: a moving
// geometric mean of its times to response headers, in which failures and
// timeouts count as slow samples (see [LatencyAware]). It is 0 before the
// first sample. A node added to a pool that has estimates, or returning
// from the dead, starts at the pool's median.
func (c Candidate) Latency() time.Duration { return c.latencyAt(-1) }

// warm reports whether c's latency estimate rests on enough samples to be
// trusted (see LatencyAware).
func (c Candidate) warm() bool { return c.h != nil && c.h.lat.Warm() }

// pickedAt returns when the latency-aware selector last chose c, in Unix
// nanoseconds; 0 if never.
func (c Candidate) pickedAt() int64 {
	if c.h == nil {
		return 0
	}
	return c.h.picked.Load()
}

// markPicked records that the latency-aware selector chose c at now.
func (c Candidate) markPicked(now int64) {
	if c.h != nil {
		c.h.picked.Store(now)
	}
}

// now returns the time of c's pool, or of the system clock for a
// candidate outside a pool, in Unix nanoseconds.
func (c Candidate) now() int64 {
	if c.h != nil && c.h.p != nil {
		return c.h.p.nowNanos()
	}
	return time.Now().UnixNano()
}

// latencyAt is Latency decayed to now (Unix nanoseconds), or to the pool's
// clock when now is -1.
func (c Candidate) latencyAt(now int64) time.Duration {
	if c.h == nil {
		return 0
	}
	if c.h.p == nil {
		return time.Duration(c.h.lat.Last())
	}
	if now < 0 {
		now = c.h.p.nowNanos()
	}
	v, _ := c.h.lat.Value(now, c.h.p.tau)
	return time.Duration(v)
}

// RoundRobin returns a selector that cycles through the candidates with an
// atomic counter. The counter starts at a random position whenever the
// candidate list changes (a new pool snapshot), so that many clients do not
// all begin with the same node.
func RoundRobin() Selector { return new(roundRobin) }

type roundRobin struct {
	cur atomic.Pointer[rrList]
}

// rrList is the counter of one candidate list, known by its first element.
type rrList struct {
	first *Candidate
	n     atomic.Uint64
}

func (r *roundRobin) Select(c []Candidate) int {
	if len(c) == 0 {
		return -1
	}
	l := r.cur.Load()
	if l == nil || l.first != &c[0] {
		nl := &rrList{first: &c[0]}
		nl.n.Store(rand.Uint64())
		if r.cur.CompareAndSwap(l, nl) {
			l = nl
		} else if l = r.cur.Load(); l.first != &c[0] {
			l = nl // lost to another list; count on our own
		}
	}
	return int(l.n.Add(1) % uint64(len(c)))
}

// Random returns a selector that chooses uniformly at random.
func Random() Selector { return SelectorFunc(func(c []Candidate) int { return rand.IntN(len(c)) }) }
