package selector

import (
	"github.com/esrt-dev/esrt/rt"
)

// pick is the node chosen for one attempt.
type pick struct {
	node *rt.Node
	h    *health // nil for a pinned node that is not in the pool
	// probe: the single-flight resurrection probe of a dead node whose
	// probe is due. Its failure counts one more failure and waits half
	// the time the node has been dead.
	probe bool
	// forced: a dead node used because no node is live, or a pinned node.
	// Its failure moves it to the back of the queue without counting.
	forced bool
	// lastResort: a node the Exclude hook rejects, used because every
	// other node is excluded too, because it is pinned, or to probe it
	// while it is dead. The router marks its attempt with
	// routing.WithLastResort, so that a breaker lets it through.
	lastResort bool
	// downs is h.downs when the node was picked: if the node goes down
	// again before the attempt reports, the attempt's outcome is stale.
	downs uint32
}

// pick chooses a node for an attempt, avoiding the nodes in tried when
// another is available. It reports false only when the pool has no node.
//
// In order: a due dead node that nobody is probing (the probe); a live
// node chosen by the selector (preferred nodes first, untried first); the
// dead node whose resurrection is due first (fewest failures on ties).
// Nodes that the Exclude hook rejects are passed over at every step while
// another node can be chosen, except by the probe: a dead node's return
// is found on its schedule, whatever a breaker says, so a node the hook
// rejects is probed as a last resort.
//
// now is the attempt's start, in Unix nanoseconds.
func (p *Pool) pick(triedNodes []*rt.Node, now int64) (pick, bool) {
	pk, ok := p.choosePick(triedNodes, now)
	if ok && pk.h != nil {
		pk.downs = pk.h.downs.Load()
	}
	return pk, ok
}

// choosePick is pick without the node's count of falls.
func (p *Pool) choosePick(triedNodes []*rt.Node, now int64) (pick, bool) {
	s := p.snap.Load()
	var tried []*health
	for _, n := range triedNodes {
		if h := s.lookup(n); h != nil {
			tried = append(tried, h)
		}
	}
	if s.nextDue != never {
		if now >= s.nextDue {
			for _, c := range s.dead {
				if c.h.retryAt.Load() <= now && !isTried(c.h, tried) &&
					c.h.probing.CompareAndSwap(false, true) {
					return pick{node: c.Node, h: c.h, probe: true, lastResort: p.excluded(c.Node)}, true
				}
			}
		}
	}
	if len(s.live) > 0 {
		cands := candidates(s, tried)
		i := p.choose(cands, now)
		if i < 0 || i >= len(cands) {
			return pick{}, false
		}
		if p.excluded(cands[i].Node) {
			// Choose again among the nodes that are not excluded (this
			// allocates, but only while some node is excluded), else
			// force a dead node that is not; else the choice stands.
			if alt := p.unexcluded(s); alt != nil {
				cands = candidates(alt, tried)
				if i = p.choose(cands, now); i < 0 || i >= len(cands) {
					return pick{}, false
				}
			} else if pk, ok := p.forced(s, tried, false); ok {
				return pk, true
			} else {
				// Every node is excluded: the choice stands, as a last
				// resort, since a request never fails for lack of a node.
				return pick{node: cands[i].Node, h: cands[i].h, lastResort: true}, true
			}
		}
		return pick{node: cands[i].Node, h: cands[i].h}, true
	}
	return p.forced(s, tried, true)
}

// candidates returns the live nodes an attempt chooses among: preferred
// nodes when any is live, and untried ones first.
func candidates(s *snapshot, tried []*health) []Candidate {
	if len(tried) > 0 {
		return untried(s, tried)
	}
	if len(s.pref) > 0 {
		return s.pref
	}
	return s.live
}

// choose runs the selector over cands. The latency-aware selector gets the
// attempt's start, now: it decays estimates to it and explores by it (see
// [LatencyAware]); Select alone never explores. It reads no clock of its
// own either, which BenchmarkPick shows.
func (p *Pool) choose(cands []Candidate, now int64) int {
	if _, ok := p.sel.(latencyAware); ok {
		return selectP2C(cands, now, true)
	}
	return p.sel.Select(cands)
}

// excluded reports whether the Exclude hook rejects n.
func (p *Pool) excluded(n *rt.Node) bool { return p.exclude != nil && p.exclude(n) }

// unexcluded returns the live and preferred nodes of s that are not
// excluded, as a snapshot for candidates, or nil when every live node is.
func (p *Pool) unexcluded(s *snapshot) *snapshot {
	keep := func(cs []Candidate) []Candidate {
		var out []Candidate
		for _, c := range cs {
			if !p.exclude(c.Node) {
				out = append(out, c)
			}
		}
		return out
	}
	alt := &snapshot{live: keep(s.live)}
	if len(alt.live) == 0 {
		return nil
	}
	alt.pref = keep(s.pref)
	return alt
}

// forced returns the dead node whose resurrection is due first (fewest
// failures on ties), preferring nodes that are not excluded, then nodes
// not tried. Only when anyExcluded is set may it return an excluded node.
func (p *Pool) forced(s *snapshot, tried []*health, anyExcluded bool) (pick, bool) {
	var best *Candidate
	pass := 0
	for ; pass < 4; pass++ {
		avoidExcluded, avoidTried := pass < 2, pass%2 == 0
		if avoidExcluded && p.exclude == nil {
			continue // same as the passes that follow
		}
		if !avoidExcluded && !anyExcluded {
			break
		}
		for i := range s.dead {
			c := &s.dead[i]
			if avoidTried && isTried(c.h, tried) || avoidExcluded && p.exclude(c.Node) {
				continue
			}
			if best == nil || dueBefore(c.h, best.h) {
				best = c
			}
		}
		if best != nil {
			break
		}
	}
	if best == nil {
		return pick{}, false
	}
	// From the third pass on, with an Exclude hook, every dead node is
	// excluded: the one chosen is a last resort.
	return pick{node: best.Node, h: best.h, forced: true, lastResort: pass >= 2 && p.exclude != nil}, true
}

// dueBefore reports whether a's resurrection is due before b's: earlier
// retry time, then fewer failures.
func dueBefore(a, b *health) bool {
	ra, rb := a.retryAt.Load(), b.retryAt.Load()
	if ra != rb {
		return ra < rb
	}
	return a.failures.Load() < b.failures.Load()
}

func isTried(h *health, tried []*health) bool {
	for _, t := range tried {
		if t == h {
			return true
		}
	}
	return false
}

// untried returns the candidates for a later attempt: untried preferred
// nodes, else untried live nodes, else (every live node was tried) the
// usual candidates again.
func untried(s *snapshot, tried []*health) []Candidate {
	without := func(cs []Candidate) []Candidate {
		var out []Candidate
		for _, c := range cs {
			if !isTried(c.h, tried) {
				out = append(out, c)
			}
		}
		return out
	}
	if len(s.pref) > 0 {
		if cs := without(s.pref); len(cs) > 0 {
			return cs
		}
	}
	if cs := without(s.live); len(cs) > 0 {
		return cs
	}
	if len(s.pref) > 0 {
		return s.pref
	}
	return s.live
}

// pinned returns the pick for a node pinned with rt.WithNode: that node,
// whatever its health, with the pool's state for it when it is a member.
func (p *Pool) pinned(n *rt.Node) pick {
	pk := pick{node: n, h: p.snap.Load().lookup(n), forced: true, lastResort: p.excluded(n)}
	if pk.h != nil {
		pk.downs = pk.h.downs.Load()
	}
	return pk
}
