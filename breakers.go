package esrt

import (
	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
)

// nodeBreakers returns the per-node breakers of cfg.Breaker, or nil when
// they are off (a negative Failures).
func nodeBreakers(cfg Config) (*middleware.Breakers, error) {
	if cfg.Breaker.Failures < 0 {
		return nil, nil
	}
	b, err := middleware.NewBreakers(middleware.BreakerConfig{Failures: cfg.Breaker.Failures, Timeout: cfg.Breaker.Timeout, Hooks: cfg.Hooks})
	return b, inGroup("Breaker", err)
}

// clusterBreaker returns the cluster breaker of cfg.Breaker.Cluster, or nil
// when it is off. Its hooks are Config.Hooks unless it has its own.
func clusterBreaker(cfg Config) (rt.Middleware, error) {
	cb := cfg.Breaker.Cluster
	if !cb.Enabled {
		return nil, nil
	}
	if cb.Hooks == nil {
		cb.Hooks = cfg.Hooks
	}
	m, err := middleware.ClusterBreaker(cb.ClusterBreakerConfig)
	return m, inGroup("Breaker.Cluster", err)
}
