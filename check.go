package esrt

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/esrt-dev/esrt/internal/check"
	"github.com/esrt-dev/esrt/rt"
)

// checkConfig checks the settings that no part of the chain checks when
// New builds it: those New reads itself, and those a part ignores while it
// is off, where a mistake would otherwise go unnoticed. An optional
// feature configured but not Enabled is such a mistake: it would silently
// stay off.
func checkConfig(cfg Config) error {
	if cfg.MaxRetries < 0 { // also with DisableRetry
		return &rt.ConfigError{Field: "MaxRetries", Err: fmt.Errorf("negative value %d", cfg.MaxRetries)}
	}
	if err := check.Duration("DiscoverNodesInterval", cfg.DiscoverNodesInterval); err != nil {
		return err
	}
	if err := check.Duration("Pool.DiscoverNodesTimeout", cfg.Pool.DiscoverNodesTimeout); err != nil {
		return err
	}
	if cfg.Breaker.Failures < 0 { // per-node breakers off
		if err := check.Duration("Breaker.Timeout", cfg.Breaker.Timeout); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		path     string
		enabled  bool
		settings any
	}{
		{"Retry.Hedge", cfg.Retry.Hedge.Enabled, cfg.Retry.Hedge.HedgeConfig},
		{"Breaker.Cluster", cfg.Breaker.Cluster.Enabled, cfg.Breaker.Cluster.ClusterBreakerConfig},
		{"Limits.Limiter", cfg.Limits.Limiter.Enabled, cfg.Limits.Limiter.LimiterConfig},
	} {
		if !f.enabled && !reflect.ValueOf(f.settings).IsZero() {
			return &rt.ConfigError{Field: f.path + ".Enabled", Err: fmt.Errorf("false while other fields of %s are set: set it to turn the feature on", f.path)}
		}
	}
	if sniffing(cfg) && cfg.CloudID != "" {
		field := "DiscoverNodesOnStart"
		if !cfg.DiscoverNodesOnStart {
			field = "DiscoverNodesInterval"
		}
		return &rt.ConfigError{Field: field, Err: errors.New("sniffing is not available for Elastic Cloud (CloudID): its nodes are behind a proxy")}
	}
	return checkHeaderValues(cfg)
}

// inGroup returns err, the error of a part that New built from the group
// of Config at path (such as "Breaker" or "Retry.Hedge"), as an error of
// that group. A part's *rt.ConfigError names the field of its own
// configuration ("Timeout"), which the group holds, or has, under the
// same name; so the error names the field as the user wrote it
// ("Breaker.Timeout"). Other errors, and nil, are returned as they are.
func inGroup(path string, err error) error {
	var ce *rt.ConfigError
	if !errors.As(err, &ce) {
		return err
	}
	return &rt.ConfigError{Field: path + "." + ce.Field, Err: ce.Err}
}
