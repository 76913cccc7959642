package middleware

import (
	"fmt"
	"math"
	"time"

	"github.com/esrt-dev/esrt/rt"
)

// Defaults of the breaker configurations.
const (
	defaultBreakerFailures = 5
	defaultBreakerTimeout  = 10 * time.Second
	defaultClusterRatio    = 0.5
	defaultClusterMin      = 20
	defaultClusterWindow   = 10 * time.Second
	// windowBuckets is how many buckets the cluster breaker's window rolls
	// over.
	windowBuckets = 10
)

// BreakerConfig configures the per-node circuit breakers of [NewBreakers].
// The zero value opens a node's breaker after 5 consecutive failures, keeps
// it open for 10 s, then lets one probe attempt through.
//
// What counts, per attempt, at the time its response headers arrive:
// 502, 503 and 504 and every transport error (connection refused or reset,
// TLS handshake, an attempt timeout below the breaker) are failures; any
// other status, 4xx and 500 included, is a success; 429 (the node is busy,
// not broken), a context that is done when the attempt ends (the caller
// gave up, or the attempt lost a hedged race), a cancellation from below,
// a refusal by another breaker below and an [*rt.LocalError] (an attempt
// that failed in the client before it was sent, whatever the error wraps)
// count as nothing.
//
// An attempt that started before the node's last counted failure counts as
// nothing either: that failure already told what it could. So the attempts
// in flight when a node dies, which fail together, count as one failure,
// and Failures counts failures one after another, each of an attempt sent
// after the previous one failed (in the routing middleware's chain, the
// dead node's probes). A late success from before the failure does not end
// the run.
//
// An attempt the breaker would refuse but lets through as a last resort
// ([routing.WithLastResort]: the router had no other node, the node is pinned,
// or the attempt probes a dead node on the pool's schedule) is not counted
// when it fails, and closes the breaker when it succeeds: the node is back,
// and its breaker does not keep it out until Timeout runs out.
type BreakerConfig struct {
	// Failures is how many consecutive failures (see above) of a node open
	// its breaker. If 0, 5.
	Failures int

	// Timeout is the cool-down: how long a breaker stays open before it
	// lets probe attempts through (half-open). If 0, 10 s.
	Timeout time.Duration

	// HalfOpenRequests is how many probe attempts a half-open breaker lets
	// through at once. That many consecutive successes close it; one
	// failure opens it again for another Timeout. If 0, 1.
	HalfOpenRequests int

	// Hooks receive every state change of every breaker, in order per
	// breaker, before the hooks carried by the request during which the
	// change happened ([rt.WithHooks]). If nil, only those. A change seen
	// outside a request (an open breaker turning half-open when Open asks
	// about it) reaches these only; while two requests through one breaker
	// race, a change may reach the request hooks of the other one.
	Hooks *rt.Hooks
}

// ClusterBreakerConfig configures [ClusterBreaker]. The zero value opens
// the breaker when at least half of the requests of the last 10 s failed,
// once 20 of them counted; it stays open for 10 s, then lets one probe
// request through.
//
// Requests count as in [BreakerConfig], with one difference: a request
// refused by the per-node breakers below ([rt.ErrBreakerOpen]) or for lack
// of a node ([rt.ErrNoNode]) is a failure, since every node is then
// failing. Only the caller's own cancellation or deadline counts as
// nothing; a deadline set by a middleware inside the breaker (the
// overall request timeout) is a failure. An [*rt.LocalError] counts as
// nothing here too; it is found with [errors.As], so a request whose last
// attempt failed with one ([*rt.RetryError] wraps the last attempt's
// error) counts as nothing even when earlier attempts failed.
type ClusterBreakerConfig struct {
	// Ratio is the share of failed requests, among those that counted in
	// the window, that opens the breaker; it must be in (0, 1]. If 0, 0.5.
	Ratio float64

	// MinRequests is how many requests must have counted in the window
	// before Ratio is judged, so that a quiet client does not trip on two
	// failures. If 0, 20.
	MinRequests int

	// Window is the period over which the ratio is measured; it rolls in
	// ten steps. If 0, 10 s.
	Window time.Duration

	// Timeout is the cool-down: how long the breaker stays open, failing
	// every request at once, before it lets probe requests through
	// (half-open). If 0, 10 s.
	Timeout time.Duration

	// HalfOpenRequests is how many probe requests the half-open breaker
	// lets through at once. That many consecutive successes close it; one
	// failure opens it again. If 0, 1.
	HalfOpenRequests int

	// Hooks receive every state change, before the hooks carried by the
	// request during which it happened ([rt.WithHooks]). If nil, only
	// those. The breaker's name is "cluster" and its node nil.
	Hooks *rt.Hooks
}

// halfOpenSlots returns the probe slots of a half-open breaker, from a
// HalfOpenRequests field.
func halfOpenSlots(n int) (uint32, error) {
	if n < 0 || n > math.MaxUint32 {
		return 0, &rt.ConfigError{Field: "HalfOpenRequests", Err: fmt.Errorf("%d is out of range", n)}
	}
	return uint32(max(n, 1)), nil
}
