package selector

import (
	"time"

	"github.com/esrt-dev/esrt/rt"
)

// deadWait returns how long a node that has been dead for down waits for
// its next probe: down/2, at least the DeadTimeout and at most the
// MaxDeadTimeout, then jittered. Waiting half the outage so far bounds the
// time between a node's return and its discovery by half the outage,
// whatever its length, and the waits still grow geometrically (×1.5 a
// probe), so that a long outage costs few probes.
func (p *Pool) deadWait(down time.Duration) time.Duration {
	d := min(max(down/2, p.base), p.maxDead)
	if p.jitter > 0 {
		d = time.Duration(float64(d) * (1 + p.jitter*(2*p.rand()-1)))
	}
	return d
}

// failed records a failure of pk's node, at the pool's current time: a
// live node goes down and waits the shortest time for its probe; a failed
// probe counts one more failure and waits half the time the node has been
// dead; a forced attempt moves its node to the back of the queue without
// counting. The pool's hooks, then hooks, get NodeDown for the first two.
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

// revived records a success of pk's node that had failures, at now: its
// failure count resets and, when it is dead, it comes back (up) with the
// pool's median latency estimate rather than the penalty its failures
// left. ok is false when the attempt started before the node went down (it
// fell since the pick, or the pick of a live node raced with its fall): such
// an attempt cannot bring the node back, and its latency says nothing.
func (p *Pool) revived(pk pick, now int64) (up, ok bool) {
	h := pk.h
	p.mu.Lock()
	defer p.mu.Unlock()
	if h.removed.Load() || h.downs.Load() != pk.downs || h.dead.Load() && !pk.probe && !pk.forced {
		return false, false
	}
	up = h.dead.Load()
	h.failures.Store(0)
	if up {
		h.lat.Reset(p.medianLocked(now), now)
		h.dead.Store(false)
		h.retryAt.Store(0)
		h.deadAt.Store(0)
		h.probing.Store(false)
		p.publishLocked()
	}
	return up, true
}
