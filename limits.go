package esrt

import (
	"github.com/esrt-dev/esrt/middleware"
)

// addLimits sets the layers of cfg.Limits but the limiter's (see
// newLimiter): the two timeouts and the response size caps. The timeouts
// are always in the chain, so that the per-request options
// (rt.WithRequestTimeout, rt.WithAttemptTimeout) work without a default;
// the size limit is left out when both caps are off.
func (l *layers) addLimits(cfg Config) error {
	var err error
	if l.requestTimeout, err = middleware.RequestTimeout(cfg.Limits.RequestTimeout); err != nil {
		return inGroup("Limits", err)
	}
	if l.attemptTimeout, err = middleware.AttemptTimeout(cfg.Limits.AttemptTimeout); err != nil {
		return inGroup("Limits", err)
	}
	l.sizeLimit, err = middleware.SizeLimit(cfg.Limits.Response)
	return inGroup("Limits.Response", err)
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
