package middleware

import (
	"cmp"
	"fmt"
	"math"
	"net/http"

	"github.com/sony/gobreaker/v2"

	"github.com/esrt-dev/esrt/internal/check"
	"github.com/esrt-dev/esrt/rt"
)

// ClusterBreaker returns a middleware with one circuit breaker for the
// whole cluster, which opens when the share of failed requests is too high
// (see [ClusterBreakerConfig]) and then fails every request at once, within
// microseconds, with an error wrapping [rt.ErrBreakerOpen], without
// sending anything (the request body is closed). After the cool-down it
// lets probe requests through, and closes when they succeed.
//
// Place it outside the retry middleware, so that it judges requests rather
// than attempts and an open breaker skips the retry loop and its backoff,
// and outside the overall request timeout, so that requests that run out
// of it count as failures (esrt.New puts it first, inside only the
// caller's own middlewares).
//
// Each RoundTripper the middleware builds has its own breaker. It returns
// a [*rt.ConfigError] for a Ratio outside (0, 1] or a negative value.
func ClusterBreaker(cfg ClusterBreakerConfig) (rt.Middleware, error) {
	switch {
	case cfg.Ratio < 0 || cfg.Ratio > 1 || math.IsNaN(cfg.Ratio):
		return nil, &rt.ConfigError{Field: "Ratio", Err: fmt.Errorf("%v is not in (0, 1]", cfg.Ratio)}
	case cfg.MinRequests < 0:
		return nil, check.Count("MinRequests", cfg.MinRequests)
	case cfg.Window < 0:
		return nil, check.Duration("Window", cfg.Window)
	case cfg.Timeout < 0:
		return nil, check.Duration("Timeout", cfg.Timeout)
	}
	half, err := halfOpenSlots(cfg.HalfOpenRequests)
	if err != nil {
		return nil, err
	}
	ratio := cmp.Or(cfg.Ratio, defaultClusterRatio)
	minimum := uint64(cmp.Or(cfg.MinRequests, defaultClusterMin))
	window := cmp.Or(cfg.Window, defaultClusterWindow)
	s := &settings{
		st: gobreaker.Settings{
			MaxRequests:  half,
			Interval:     window,
			BucketPeriod: max(window/windowBuckets, 1),
			Timeout:      cmp.Or(cfg.Timeout, defaultBreakerTimeout),
		},
		trip: func(c gobreaker.Counts) bool {
			counted := uint64(c.TotalSuccesses) + uint64(c.TotalFailures)
			return counted >= minimum && float64(c.TotalFailures) >= ratio*float64(counted)
		},
		countRefusals: true,
		hooks:         cfg.Hooks,
	}
	return func(next http.RoundTripper) http.RoundTripper {
		if next == nil {
			next = http.DefaultTransport
		}
		return &clusterBreakerTransport{c: newCircuit("cluster", nil, s), next: next}
	}, nil
}

// clusterBreakerTransport is the RoundTripper of [ClusterBreaker].
type clusterBreakerTransport struct {
	c    *circuit
	next http.RoundTripper
}

var _ http.RoundTripper = (*clusterBreakerTransport)(nil)

func (t *clusterBreakerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return t.c.roundTrip(t.next, req)
}

// Unwrap returns the next RoundTripper.
func (t *clusterBreakerTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to the next RoundTripper.
func (t *clusterBreakerTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }

// String names the layer, so that printing it shows no configuration.
func (t *clusterBreakerTransport) String() string { return "cluster breaker" }
