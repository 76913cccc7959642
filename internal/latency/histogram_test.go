package latency

import (
	"testing"
	"time"
)

// TestBuckets checks the buckets' resolution and the clamping of values
// out of range.
func TestBuckets(t *testing.T) {
	for v := time.Duration(1 << minExp); v < 100*time.Second; v = v*9/8 + 1 {
		i := bucket(v)
		up := upper(i)
		if up <= v || float64(up-v) > 0.125*float64(v)+1 {
			t.Fatalf("%v: bucket %d upper bound %v: not within 12.5 %% above", v, i, up)
		}
		if i > 0 && upper(i-1) > v {
			t.Fatalf("%v: bucket %d, but the previous one ends at %v", v, i, upper(i-1))
		}
		if Upper(v) != up {
			t.Fatalf("Upper(%v) = %v, want %v", v, Upper(v), up)
		}
	}
	if bucket(0) != 0 || bucket(-1) != 0 || bucket(1<<62) != numBuckets-1 {
		t.Error("out of range values are not clamped")
	}
}

// TestQuantile checks the quantile, and that the histogram forgets samples
// older than two windows.
func TestQuantile(t *testing.T) {
	var empty Histogram
	if got := empty.Quantile(0.5); got != 0 {
		t.Errorf("empty histogram: quantile %v, want 0", got)
	}
	tests := []struct {
		name    string
		samples func(i int) time.Duration
		n       int
		q       float64
		want    time.Duration
	}{
		// 1ms, 2ms, ... up to one window.
		{"uniform p95", func(i int) time.Duration { return time.Duration(i+1) * time.Millisecond }, Window, 0.95, (Window*95/100 + 1) * time.Millisecond},
		{"uniform p50", func(i int) time.Duration { return time.Duration(i+1) * time.Millisecond }, Window, 0.5, Window / 2 * time.Millisecond},
		{"forgets old samples", func(i int) time.Duration {
			if i < 3000 {
				return time.Millisecond
			}
			return 100 * time.Millisecond
		}, 3000 + 2*Window, 0.5, 100 * time.Millisecond},
		{"keeps the last window", func(i int) time.Duration {
			if i < 3000 {
				return time.Millisecond
			}
			return 100 * time.Millisecond
		}, 3000 + Window, 0.5, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Histogram
			for i := range tt.n {
				h.Observe(tt.samples(i))
			}
			got := h.Quantile(tt.q)
			if got < tt.want || float64(got) > 1.125*float64(tt.want) {
				t.Errorf("quantile %v = %v, want %v rounded up by at most 12.5 %%", tt.q, got, tt.want)
			}
		})
	}
}
