package selector

import (
	"math"
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

// LatencyAware returns the default selector: power of two choices that
// spreads requests evenly over nodes that are equally fast and keeps them
// away from a node that is clearly slower or busier.
//
// It draws two distinct candidates at random and compares their loads: a
// node's latency estimate (the geometric mean of its recent latencies, see
// [Candidate.Latency]) times the square root of (outstanding requests +
// 1). When the two latency estimates are within a factor of two of each
// other, and the two loads too, the nodes are equal and the one chosen
// longer ago wins: over equal nodes the choice rotates, so that each gets
// its share of every second's requests at any request rate, one request
// at a time included. Otherwise the lower load wins.
//
// So a node ten times slower than the others loses every draw against
// them until they have about a hundred requests outstanding each; it gets
// one request a second (exploration, below), which keeps its estimate
// current. The tolerance is wide because estimates are noisy: on a busy
// machine the latencies of equal nodes vary severalfold from request to
// request, and the estimates, which average logarithms, move by a sixth
// on a sample 25 times the usual. The price is that a node less than
// twice as slow as the others gets an equal share.
//
// The square root weighs outstanding requests less than Finagle's and
// Linkerd's linear weight (a model of a server that answers one request
// at a time): Elasticsearch nodes answer many at once (a search thread
// pool of about 1.5 × cores), so a fast node with eight requests in
// flight is not nine times slower. It is Envoy's active_request_bias of
// 0.5.
//
// A node whose estimate rests on fewer than 20 samples (a seed before it
// has answered that many requests) is new: free while it has no request
// outstanding, so that new nodes take turns and each gets its samples,
// and more expensive than any other node while it has one, so that a
// node nobody knows the speed of is not flooded. A node added to a pool
// that has estimates, or returning from the dead, starts from the pool's
// median estimate and is not new.
//
// A node that loses a draw while its latest latency sample is more than a
// second old gets the request anyway (at most once a second per node):
// without this, a node whose estimate rose with a few slow requests (a
// bulk load, a heavy aggregation) would be starved of the samples that
// would bring it down, for several decay times.
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
// time to decay latency estimates to, and the rotation's stamp). explore
// lets the loser of the draw be explored.
func selectP2C(c []Candidate, now int64, exploring bool) int {
	switch len(c) {
	case 0:
		return -1
	case 1:
		c[0].markPicked(now)
		return 0
	}
	// One random draw gives both indexes, by multiply-shift on each
	// half; the bias, len(c) in 2³², does not matter here.
	r, n := rand.Uint64(), uint64(len(c))
	i := int((r & math.MaxUint32) * n >> 32)
	j := int((r >> 32) * (n - 1) >> 32)
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

// Attribute returns a node predicate that is true for nodes whose
// attribute name has the given value, as discovery reports node.attr.*
// settings. Use it as PoolConfig.Prefer for zone-aware routing
// (Attribute("zone", "eu-west-1a")) or as PoolConfig.Filter to restrict a
// pool to some nodes.
func Attribute(name, value string) func(*rt.Node) bool {
	return func(n *rt.Node) bool {
		v, ok := n.Attributes[name]
		return ok && v == value
	}
}
