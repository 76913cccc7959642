package selector

import (
	"sync/atomic"
	"time"

	"github.com/esrt-dev/esrt/internal/latency"
	"github.com/esrt-dev/esrt/rt"
)

// health is the state of one node, shared by every snapshot the node is
// in. Fields written on health transitions are written under Pool.mu and
// read atomically without it.
type health struct {
	p *Pool // nil for candidates built by NewCandidate

	dead     atomic.Bool
	failures atomic.Int32 // consecutive failures; reset by a success
	retryAt  atomic.Int64 // Unix nanoseconds; while dead, when it may be probed
	deadAt   atomic.Int64 // Unix nanoseconds; while dead, when it went down
	// downs counts the node's transitions from live to dead. A pick
	// records it, so that the outcome of an attempt that started before
	// the node last went down is known to be stale.
	downs    atomic.Uint32
	removed  atomic.Bool  // left the pool: reports are ignored
	probing  atomic.Bool  // a probe is in flight (single-flight resurrection)
	timeouts atomic.Int32 // consecutive attempt timeouts
	inflight atomic.Int64
	// picked is when the latency-aware selector last chose the node, in
	// Unix nanoseconds; next to inflight, which an attempt writes anyway.
	picked   atomic.Int64
	lat      latency.Average
	explored atomic.Int64 // Unix nanoseconds of the last exploration pick
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

// succeeded records a healthy answer of elapsed, ended at now: the
// node's timeout and failure counts reset, and a dead node the attempt may
// revive (see revived) comes back.
func (p *Pool) succeeded(pk pick, elapsed time.Duration, now int64, hooks *rt.Hooks) {
	h := pk.h
	if h.timeouts.Load() != 0 {
		h.timeouts.Store(0)
	}
	if !h.dead.Load() && h.failures.Load() == 0 {
		h.lat.Observe(float64(elapsed), now, p.tau)
		return
	}
	up, ok := p.revived(pk, now)
	if !ok {
		return
	}
	h.lat.Observe(float64(elapsed), now, p.tau)
	if up {
		info := rt.NodeInfo{Node: pk.node}
		p.hooks.NodeUp(info)
		hooks.NodeUp(info)
	}
}
