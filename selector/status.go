package selector

import (
	"time"

	"github.com/esrt-dev/esrt/rt"
)

// Len returns how many nodes the pool knows: the current set and the seeds
// that are not in it, as [Pool.Status] lists them. It does not allocate.
func (p *Pool) Len() int {
	s := p.snap.Load()
	return len(s.set) + len(s.seeds)
}

// NodeStatus is the state of one node of a pool, as [Pool.Status] reports
// it.
type NodeStatus struct {
	Node *rt.Node
	// Seed reports whether the node is a seed that is not part of the set
	// last given to Update: it is used only as a fallback.
	Seed bool
	// Dead reports whether the node is out of rotation.
	Dead bool
	// Failures is the number of consecutive failures.
	Failures int
	// RetryAt is when a dead node may be probed; zero for a live node.
	RetryAt time.Time
	// DeadSince is when a dead node went down; zero for a live node.
	DeadSince time.Time
	// InFlight is the number of attempts sent to the node whose response
	// body is not yet closed or read to the end.
	InFlight int
	// Latency is the node's latency estimate, or 0 before any sample.
	Latency time.Duration
}

// Status returns the state of every node of the pool: the current set,
// then the seeds that are not in it.
func (p *Pool) Status() []NodeStatus {
	s := p.snap.Load()
	now := p.nowNanos()
	out := make([]NodeStatus, 0, len(s.set)+len(s.seeds))
	add := func(cs []Candidate, seed bool) {
		for _, c := range cs {
			st := NodeStatus{
				Node:     c.Node,
				Seed:     seed,
				Dead:     c.h.dead.Load(),
				Failures: int(c.h.failures.Load()),
				InFlight: int(c.h.inflight.Load()),
			}
			if st.Dead {
				st.RetryAt = time.Unix(0, c.h.retryAt.Load())
				st.DeadSince = time.Unix(0, c.h.deadAt.Load())
			}
			if v, ok := c.h.lat.Value(now, p.tau); ok {
				st.Latency = time.Duration(v)
			}
			out = append(out, st)
		}
	}
	add(s.set, false)
	add(s.seeds, true)
	return out
}
