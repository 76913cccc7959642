package check

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/rt"
)

func TestDuration(t *testing.T) {
	for _, d := range []time.Duration{0, 1, time.Hour} {
		if err := Duration("Timeout", d); err != nil {
			t.Errorf("Duration(%v) = %v, want nil", d, err)
		}
	}
	err := Duration("Timeout", -time.Second)
	var ce *rt.ConfigError
	if !errors.As(err, &ce) || ce.Field != "Timeout" {
		t.Fatalf("Duration(-1s) = %v, want an *rt.ConfigError for Timeout", err)
	}
	if !errors.Is(err, rt.ErrInvalidConfig) || !strings.Contains(err.Error(), "negative duration -1s") {
		t.Errorf("error %q: want rt.ErrInvalidConfig, saying negative duration -1s", err)
	}
}

func TestCount(t *testing.T) {
	for _, n := range []int{0, 1, 1 << 40} {
		if err := Count("MaxRetries", n); err != nil {
			t.Errorf("Count(%d) = %v, want nil", n, err)
		}
	}
	err := Count("MaxRetries", -3)
	var ce *rt.ConfigError
	if !errors.As(err, &ce) || ce.Field != "MaxRetries" || !strings.Contains(err.Error(), "negative value -3") {
		t.Errorf("Count(-3) = %v, want an *rt.ConfigError for MaxRetries saying negative value -3", err)
	}
}
