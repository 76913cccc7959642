package esrt

import (
	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

// addRetries sets the retry and hedging layers, which share one budget
// (cfg.Retry.Budget): retry counts every request into it, and both draw
// from it. With retries disabled and no hedging, there is no budget. The
// limiter, if any, hears of the 429s that retry absorbs through retry's
// hooks: from outside retry it sees only each request's last response.
func (l *layers) addRetries(cfg Config, pool *selector.Pool, limiter *middleware.Limiter) error {
	budget, err := middleware.NewBudget(cfg.Retry.Budget)
	if err != nil {
		return inGroup("Retry.Budget", err)
	}
	if cfg.DisableRetry && !cfg.Retry.Hedge.Enabled {
		budget = nil // nothing draws from it
	}
	hooks := cfg.Hooks
	if limiter != nil {
		hooks = rt.ComposeHooks(cfg.Hooks, limiter.Hooks())
	}
	l.retry, err = middleware.Retry(middleware.RetryConfig{
		MaxRetries:    cfg.MaxRetries,
		Disable:       cfg.DisableRetry,
		RetryOnStatus: cfg.RetryOnStatus,
		Backoff:       cfg.RetryBackoff,
		Budget:        budget,
		NodeCount:     pool.Len,
		Hooks:         hooks,
	})
	if err != nil || !cfg.Retry.Hedge.Enabled {
		return err
	}
	hc := cfg.Retry.Hedge.HedgeConfig
	if hc.Budget == nil {
		hc.Budget = budget
	}
	if hc.RetryOnStatus == nil {
		hc.RetryOnStatus = cfg.RetryOnStatus // checked by Retry above
	}
	l.hedge, err = middleware.Hedge(hc)
	return inGroup("Retry.Hedge", err)
}
