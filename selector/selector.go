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
func NewCandidate(n *rt.Node, inFlight int, latency time.Duration) Candidate {
	h := new(health)
	h.inflight.Store(int64(inFlight))
	h.lat.bits.Store(math.Float64bits(float64(latency)))
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

// Latency returns the node's peak-EWMA latency estimate (time to response
// headers; failures and timeouts count as slow samples), decayed to now.
// It is 0 before the first sample. A node added to a pool that has
// estimates, or returning from the dead, starts at the pool's median.
func (c Candidate) Latency() time.Duration { return c.latencyAt(-1) }

// latencyAt is Latency decayed to now (Unix nanoseconds), or to the pool's
// clock when now is -1.
func (c Candidate) latencyAt(now int64) time.Duration {
	if c.h == nil {
		return 0
	}
	if c.h.p == nil {
		return time.Duration(math.Float64frombits(c.h.lat.bits.Load()))
	}
	if now < 0 {
		now = c.h.p.nowNanos()
	}
	v, _ := c.h.lat.value(now, c.h.p.tau)
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

// LatencyAware returns the default selector: power of two choices. It
// draws two distinct candidates at random and takes the one with the lower
// load, where load is the peak-EWMA latency estimate times the square root
// of (outstanding requests + 1).
//
// Finagle and Linkerd multiply by (outstanding + 1) itself, a model of a
// server that answers one request at a time. Elasticsearch nodes answer
// many at once (a search thread pool of about 1.5 × cores), so a fast node
// with eight requests in flight is not nine times slower; with the linear
// weight, at a concurrency of 16 over three nodes, a node 10× slower than
// the others still gets a steady share of requests and sets the p99. The
// square root (Envoy's active_request_bias of 0.5) still spreads bursts and
// backs off from overloaded nodes, whose latency estimate rises anyway.
//
// A node without an estimate is free while idle (so that it gets its first
// sample) and very expensive while that first request is outstanding, so
// that a new node is not flooded before anyone knows how fast it is.
//
// The price of following estimates is an uneven spread over nodes that are
// equally fast. A peak estimate jumps with one expensive request, and the
// node with the highest load loses every draw, so it gets no request until
// its estimate decays or it is explored (one request a second). In
// simulated traffic over three equal nodes (TestLatencyAwareSpread;
// docs/BENCHMARKS.md has the numbers): with requests of similar cost at a
// thousand a second, a node gets 26 % to 40 % of a second's requests eight
// seconds in ten; at ten thousand a second the in-flight counts even out
// even requests whose costs differ tenfold. But with such requests at a
// thousand a second, or with similar ones at a hundred, a node gets under
// 5 % of the requests in about one second of six, and a node's share of a
// minute ranges from a fifth to 46 %. Use [RoundRobin] when an even spread
// over equal nodes matters more than steering away from a slow one.
func LatencyAware() Selector { return latencyAware{} }

type latencyAware struct{}

func (latencyAware) Select(c []Candidate) int { return selectP2C(c, -1) }

// selectP2C is the latency-aware choice. now, in Unix nanoseconds, is the
// time to decay latency estimates to; the pool passes the time it already
// read for the attempt, and -1 means "read the clock".
func selectP2C(c []Candidate, now int64) int {
	switch len(c) {
	case 0:
		return -1
	case 1:
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
	if load(c[j], now) < load(c[i], now) {
		i, j = j, i
	}
	if now >= 0 && explore(c[j], now) {
		return j
	}
	return i
}

// exploreAfter is how old a node's latest latency sample may get before the
// latency-aware selector sends it a request whatever its estimate.
const exploreAfter = int64(time.Second)

// explore reports whether c, the loser of a power-of-two draw, should get
// this request anyway because its estimate is stale, and claims that
// exploration. Without it, one slow request (a bulk load, a heavy
// aggregation) would keep a node's estimate high, and the node starved of
// the samples that would bring it down, for several decay times. At most one
// request per node per exploreAfter explores, so a node that really is slow
// costs little.
func explore(c Candidate, now int64) bool {
	h := c.h
	if h == nil || h.p == nil {
		return false
	}
	stamp := h.lat.stamp.Load()
	last := h.explored.Load()
	if stamp == 0 || now-max(stamp, last) < exploreAfter {
		return false
	}
	return h.explored.CompareAndSwap(last, now)
}

// unknownCost is the load of a node without a latency estimate per
// outstanding request: more than any measured load.
const unknownCost = 1e30

func load(c Candidate, now int64) float64 {
	inflight := float64(c.InFlight())
	lat := float64(c.latencyAt(now))
	if lat == 0 {
		return unknownCost * inflight
	}
	return lat * math.Sqrt(inflight+1)
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
