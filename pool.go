package esrt

import (
	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

// newPool returns the node pool: seeds, cfg.Pool's settings, and the
// per-node breakers' Open to pass over nodes whose breaker is open.
func newPool(cfg Config, seeds []*rt.Node, breakers *middleware.Breakers, hooks *rt.Hooks) (*selector.Pool, error) {
	var exclude func(*rt.Node) bool
	if breakers != nil {
		exclude = breakers.Open
	}
	pool, err := selector.NewPool(selector.PoolConfig{
		Seeds:          seeds,
		Selector:       cfg.Pool.Selector,
		Filter:         cfg.Pool.Filter,
		Prefer:         cfg.Pool.Prefer,
		Exclude:        exclude,
		Hooks:          hooks,
		DeadTimeout:    cfg.Pool.DeadTimeout,
		MaxDeadTimeout: cfg.Pool.MaxDeadTimeout,
	})
	return pool, inGroup("Pool", err)
}
