package esrt

import (
	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
)

// limitLayers returns the layers of cfg.Limits but the limiter's (see
// newLimiter): the two timeouts and the response size caps. The timeouts
// are always in the chain, so that the per-request options
// (rt.WithRequestTimeout, rt.WithAttemptTimeout) work without a default;
// the size limit is left out when both caps are off.
func limitLayers(cfg Config) (request, attempt, size rt.Middleware, err error) {
	if request, err = middleware.RequestTimeout(cfg.Limits.RequestTimeout); err != nil {
		return nil, nil, nil, inGroup("Limits", err)
	}
	if attempt, err = middleware.AttemptTimeout(cfg.Limits.AttemptTimeout); err != nil {
		return nil, nil, nil, inGroup("Limits", err)
	}
	if size, err = middleware.SizeLimit(cfg.Limits.Response); err != nil {
		return nil, nil, nil, inGroup("Limits.Response", err)
	}
	return request, attempt, size, nil
}

// newLimiter returns the limiter of cfg.Limits.Limiter, or nil when it is
// off.
func newLimiter(cfg Config) (*middleware.Limiter, error) {
	if !cfg.Limits.Limiter.Enabled {
		return nil, nil
	}
	l, err := middleware.NewLimiter(cfg.Limits.Limiter.LimiterConfig)
	return l, inGroup("Limits.Limiter", err)
}
