package selector

import (
	"time"

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
	// rt.WithLastResort, so that a breaker lets it through.
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

// choose runs the selector over cands.
func (p *Pool) choose(cands []Candidate, now int64) int {
	if _, ok := p.sel.(latencyAware); ok {
		return selectP2C(cands, now, true) // the attempt's time: no clock read per candidate
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

// lookup returns the state of node n in s: the member that is n, or else
// the member with n's key (n may come from an older snapshot or from the
// caller); nil when n is not a member.
func (s *snapshot) lookup(n *rt.Node) *health {
	for _, cs := range [][]Candidate{s.set, s.seeds} {
		for _, c := range cs {
			if c.Node == n {
				return c.h
			}
		}
	}
	if n == nil || n.URL == nil {
		return nil
	}
	k := n.Key()
	for _, cs := range [][]Candidate{s.set, s.seeds} {
		for _, c := range cs {
			if c.Node.Key() == k {
				return c.h
			}
		}
	}
	return nil
}

// outcome is the router's classification of an attempt.
type outcome int

const (
	// neutral: the caller gave up, or a layer below refused or failed
	// without sending (open breaker, rt.LocalError). Nothing is learnt
	// about the node.
	neutral outcome = iota
	// healthy: the node answered (any status but 502, 503, 504).
	healthy
	// unhealthy: the node could not be reached or answered 502/503/504.
	unhealthy
	// timedOut: the attempt's own timeout expired.
	timedOut
	// hedgeLost: another attempt of the request answered first and this
	// one was cancelled. The node was slower, not broken.
	hedgeLost
)

// abandon undoes what picking pk and sending the attempt claimed, for an
// attempt that ends in a panic before its outcome is known: the probe
// claim of a dead node and, when inflight is set, the in-flight count. The
// node's health is left as it was.
func (p *Pool) abandon(pk pick, inflight bool) {
	if pk.h == nil {
		return
	}
	if pk.probe {
		pk.h.probing.Store(false)
	}
	if inflight {
		pk.h.inflight.Add(-1)
	}
}

// report records the outcome of an attempt to pk. hooks are the request's
// hooks, called after the pool's for node down/up events.
// now is the time the attempt ended, in Unix nanoseconds.
//
// An attempt that started before its node last went down reports nothing:
// the failure that took the node down already counted for it, and a late
// success says nothing about the node now. So the calls in flight when a
// node dies count as one failure, and only an attempt that started after
// the node went down (its probe, or a forced or pinned attempt) may bring
// it back.
func (p *Pool) report(pk pick, oc outcome, elapsed time.Duration, now int64, cause error, hooks *rt.Hooks) {
	h := pk.h
	if h == nil || h.removed.Load() || h.downs.Load() != pk.downs {
		return
	}
	switch oc {
	case neutral:
		if pk.probe {
			h.probing.Store(false)
		}
	case hedgeLost:
		if pk.probe {
			h.probing.Store(false)
		}
		// The time so far is a lower bound of the node's latency: it may
		// only raise the estimate.
		if v, ok := h.lat.Value(now, p.tau); !ok || float64(elapsed) > v {
			h.lat.Observe(float64(elapsed), now, p.tau)
		}
	case healthy:
		p.succeeded(pk, elapsed, now, hooks)
	case timedOut:
		h.lat.Observe(p.slowSample(h, elapsed, now), now, p.tau)
		if !h.dead.Load() {
			// Only consecutive timeouts count as a failure: one slow
			// shard must not take a node (or every node) down.
			if h.timeouts.Add(1) < p.timeoutFailures {
				return
			}
			h.timeouts.Store(0)
		} else if !pk.probe && !pk.forced {
			return // picked as the node went down: already counted
		}
		p.failed(pk, cause, hooks)
	case unhealthy:
		h.lat.Observe(p.slowSample(h, elapsed, now), now, p.tau)
		p.failed(pk, cause, hooks)
	}
}

// slowSample is the latency sample of a failed attempt: at least twice the
// current estimate, so that a node failing fast does not look fast.
func (p *Pool) slowSample(h *health, elapsed time.Duration, now int64) float64 {
	v, _ := h.lat.Value(now, p.tau)
	return max(float64(elapsed), 2*v)
}

func (p *Pool) succeeded(pk pick, elapsed time.Duration, now int64, hooks *rt.Hooks) {
	h := pk.h
	if h.timeouts.Load() != 0 {
		h.timeouts.Store(0)
	}
	if !h.dead.Load() && h.failures.Load() == 0 {
		h.lat.Observe(float64(elapsed), now, p.tau)
		return
	}
	p.mu.Lock()
	if h.removed.Load() || h.downs.Load() != pk.downs || h.dead.Load() && !pk.probe && !pk.forced {
		// Started before the node went down (it fell since the pick, or
		// the pick of a live node raced with its fall): it cannot bring
		// the node back.
		p.mu.Unlock()
		return
	}
	revived := h.dead.Load()
	h.failures.Store(0)
	if revived {
		// A revived node starts from the pool's median, not from the
		// penalty its failures left.
		h.lat.Reset(p.medianLocked(now), now)
		h.dead.Store(false)
		h.retryAt.Store(0)
		h.deadAt.Store(0)
		h.probing.Store(false)
		p.publishLocked()
	}
	p.mu.Unlock()
	h.lat.Observe(float64(elapsed), now, p.tau)
	if revived {
		info := rt.NodeInfo{Node: pk.node}
		p.hooks.NodeUp(info)
		hooks.NodeUp(info)
	}
}

func (p *Pool) failed(pk pick, cause error, hooks *rt.Hooks) {
	h := pk.h
	now := p.nowNanos()
	p.mu.Lock()
	if h.removed.Load() || h.downs.Load() != pk.downs {
		p.mu.Unlock()
		return
	}
	var info *rt.NodeInfo
	switch {
	case !h.dead.Load():
		// A live node goes down: first probe after the shortest wait.
		h.downs.Add(1)
		h.deadAt.Store(now)
		f := h.failures.Add(1)
		at := time.Unix(0, now).Add(p.deadWait(0))
		h.retryAt.Store(at.UnixNano())
		h.dead.Store(true)
		h.probing.Store(false)
		info = &rt.NodeInfo{Node: pk.node, Failures: int(f), RetryAt: at, Err: cause}
	case pk.probe:
		// A probe failed: one more consecutive failure, and a wait of
		// half the time the node has been dead.
		f := h.failures.Add(1)
		at := time.Unix(0, now).Add(p.deadWait(time.Duration(now - h.deadAt.Load())))
		h.retryAt.Store(at.UnixNano())
		h.probing.Store(false)
		info = &rt.NodeInfo{Node: pk.node, Failures: int(f), RetryAt: at, Err: cause}
	case pk.forced:
		// Used because nothing was live: to the back of the queue, on the
		// same schedule, without counting a failure.
		h.retryAt.Store(now + int64(p.deadWait(time.Duration(now-h.deadAt.Load()))))
	default:
		// Picked as the node went down: already counted.
		p.mu.Unlock()
		return
	}
	p.publishLocked()
	p.mu.Unlock()
	if info != nil {
		p.hooks.NodeDown(*info)
		hooks.NodeDown(*info)
	}
}
