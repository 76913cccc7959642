// Package check holds the checks of configuration values that several
// esrt packages share, each returning an [*rt.ConfigError] that names the
// field as the user wrote it.
package check

import (
	"fmt"
	"time"

	"github.com/esrt-dev/esrt/rt"
)

// Duration returns an [*rt.ConfigError] naming field when d is negative,
// and nil otherwise.
func Duration(field string, d time.Duration) error {
	if d < 0 {
		return &rt.ConfigError{Field: field, Err: fmt.Errorf("negative duration %v", d)}
	}
	return nil
}

// Count returns an [*rt.ConfigError] naming field when n is negative, and
// nil otherwise.
func Count(field string, n int) error {
	if n < 0 {
		return &rt.ConfigError{Field: field, Err: fmt.Errorf("negative value %d", n)}
	}
	return nil
}
