// Package selector holds the node pool, its health model, the selectors
// that choose a node, and the routing middleware that points each attempt
// of a request at one node.
//
//	Update(nodes) ─┐   (discovery, via the root package)
//	Seeds ─────────┤
//	               ▼
//	  Pool ── health transitions ──► new immutable snapshot
//	               │  atomic.Pointer, read without locks
//	               ▼
//	  snapshot: live, preferred, dead (+ per-node atomics:
//	            in-flight, latency estimate, failures, retry time)
//	               │
//	               ▼
//	  pick: due dead node? ─► one probe (single flight)
//	        live nodes ─────► Selector.Select(candidates)
//	        none live ──────► dead node due first (forced)
//	               │
//	               ▼
//	  Router (rt.Middleware): rewrite URL ─► next ─► classify ─► Pool.report
//
// # Snapshots and health
//
// Selection reads the pool's current snapshot through an atomic pointer and
// never takes a lock. The snapshot lists the live and dead nodes, so that
// a pick costs the same with 3 nodes as with 100. Health transitions (a
// node going down, a node coming back, a dead node rescheduled) and Update
// publish a new snapshot under a mutex that only writers take; they are
// rare by construction, bounded by the dead-node schedule. What changes on
// every request (in-flight count, latency estimate, the consecutive
// timeout count, the probe flag) lives in per-node atomics that the
// snapshots share: building a snapshot per request would cost an
// allocation and a lock each time.
//
// A node goes down on a connection error or a 502, 503 or 504, and on
// [PoolConfig.TimeoutFailures] consecutive attempt timeouts. It then stays
// out of rotation until its probe is due: DeadTimeout after it went down,
// then, after each failed probe, half the time it has been dead so far,
// at least DeadTimeout and at most MaxDeadTimeout, ±Jitter (with the
// defaults, probes at about 1, 2, 3, 4.5, 6.8, 10 s... into an outage,
// then every 60 s). So a node that returns after an outage of T is found
// within max(DeadTimeout, T/2) ±Jitter, however long the outage: within
// 1.8 s after 3 s. When the probe is due, exactly one request at a time
// (the probe) goes to the node; others keep avoiding it. A successful
// probe brings the node back (its failure count resets, its latency
// estimate restarts from the pool's median); a failed one counts one more
// failure and waits again. No goroutine is involved: the requests
// themselves probe.
//
// An attempt reports its outcome only if its node has not gone down since
// the attempt started: the calls in flight when a node dies count as the
// one failure that took it down, and an answer that comes late from
// before the fall does not bring the node back; only an attempt that
// started after it (the probe, or a forced or pinned attempt) does.
//
// A request never fails for lack of a node while the pool has one. When no
// node of the set is live the pool falls back to its seeds (the configured
// addresses), and keeps probing the set's dead nodes. When nothing is live
// at all, each attempt is forced to the dead node whose resurrection is due
// first (fewest failures on ties), skipping the nodes the request already
// tried; a forced attempt that fails moves its node to the back of the
// queue (without counting a failure). So successive requests, and the
// successive attempts of one request, go round every dead node, and a node
// that returns is found by the next request, not when its probe is due.
// A pool of one node therefore never excludes it.
//
// A node that leaves the pool (Update without it) between an attempt's
// pick and its report is neither marked dead nor scheduled.
//
// # Retries
//
// The retry middleware sits outside the router and calls RoundTrip once
// per attempt with the caller's request. From its first retry on, it puts
// a record of the request's attempts in the context (esrt's own protocol,
// in an internal package, since retry, in package middleware, must not
// import this one); the router numbers each attempt, avoids the nodes the
// request already tried and records where each attempt went, which names
// the node of each [*rt.AttemptError] of an [*rt.RetryError]. The hedging
// middleware shares the same record between the two attempts of a hedge.
//
// # Selectors
//
// A [Selector] sees the live candidates with their statistics (node,
// in-flight count, latency estimate) and returns an index. [LatencyAware]
// (the default) is power of two choices over outstanding requests weighted
// by a moving geometric mean of latency (time-decayed, τ = 10 s) that
// treats nodes within a factor of two of each other as equal and rotates
// among them: an even spread over equally fast nodes at any request rate,
// and little traffic to a node that is clearly slower. [RoundRobin] and
// [Random] ignore statistics. Failed and timed-out attempts count as slow
// samples; caller cancellations, and attempts that failed in the client
// before they were sent ([*rt.LocalError]), count as nothing.
//
// Filtering ([PoolConfig.Filter]) and zone preference
// ([PoolConfig.Prefer], [Attribute]) happen before the selector is called.
//
// # Excluded nodes
//
// [PoolConfig.Exclude] lets a layer below the router veto nodes for a
// while without the pool calling them dead: the per-node circuit breakers
// of package middleware plug in there, so that an open breaker means
// "choose another node" rather than a failed attempt. The hook is asked
// about the selector's choice only (one call per pick while nothing is
// excluded); when it vetoes, the pick is made again among the nodes it
// accepts. A due dead node it vetoes is probed all the same, as a last
// resort: a dead node's return is found on its
// schedule, whatever a breaker says.
package selector
