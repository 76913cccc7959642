package selector

import (
	"math"
	"testing"
	"time"
)

func TestDecayMatchesExp(t *testing.T) {
	for _, x := range []float64{0, 1e-9, 1e-6, 5e-4, 1e-3, 0.005, 0.00999, 0.01, 0.5, 1, 3, 50} {
		got, want := decay(x), math.Exp(-x)
		if rel := math.Abs(got-want) / want; rel > 1e-12 {
			t.Errorf("decay(%g) = %.15g, want %.15g (relative error %g)", x, got, want, rel)
		}
	}
}

func TestNowNanosIsUnixTime(t *testing.T) {
	p, err := NewPool(PoolConfig{})
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now().UnixNano()
	got := p.nowNanos()
	after := time.Now().UnixNano()
	// The monotonic clock and the wall clock may drift apart while the
	// process runs (NTP slews the wall clock); a second is far more than a
	// test run sees.
	if got < before-int64(time.Second) || got > after+int64(time.Second) {
		t.Errorf("nowNanos() = %d, want about %d..%d", got, before, after)
	}
	if next := p.nowNanos(); next < got {
		t.Errorf("nowNanos went back from %d to %d", got, next)
	}
}
