package latency

import (
	"math"
	"testing"
	"time"
)

func TestDecay(t *testing.T) {
	for _, x := range []float64{0, 1e-9, 1e-6, 1e-3, 0.005, 0.00999, 0.01, 0.1, 1, 10, 100} {
		got, want := decay(x), math.Exp(-x)
		if rel := math.Abs(got-want) / want; rel > 1e-12 {
			t.Errorf("decay(%g) = %.15g, want %.15g (relative error %g)", x, got, want, rel)
		}
	}
}

func TestAverage(t *testing.T) {
	const tau = float64(10 * time.Second)
	var a Average
	if _, ok := a.Value(1, tau); ok || a.Warm() || a.Stamp() != 0 {
		t.Fatal("the zero Average has an estimate")
	}
	now := int64(time.Second)
	a.Observe(float64(time.Millisecond), now, tau)
	if v, ok := a.Value(now, tau); !ok || v != float64(time.Millisecond) {
		t.Errorf("one sample: %v, %v; want 1ms", v, ok)
	}
	// The first samples weigh equally: their geometric mean.
	a.Observe(float64(4*time.Millisecond), now, tau)
	if v, _ := a.Value(now, tau); math.Abs(v-float64(2*time.Millisecond)) > 1 {
		t.Errorf("two samples 1ms and 4ms: %v, want their geometric mean 2ms", time.Duration(v))
	}
	for range WarmSamples {
		a.Observe(float64(2*time.Millisecond), now, tau)
	}
	if !a.Warm() || a.Stamp() != now || a.Last() != float64(2*time.Millisecond) {
		t.Errorf("after %d samples: warm %v, stamp %d, last %v", WarmSamples+2, a.Warm(), a.Stamp(), a.Last())
	}
	// One sample 25 times the estimate raises it by 25^MinSampleWeight.
	a.Observe(float64(50*time.Millisecond), now, tau)
	if v, _ := a.Value(now, tau); math.Abs(v/float64(2*time.Millisecond)-math.Pow(25, MinSampleWeight)) > 1e-9 {
		t.Errorf("an outlier moved the estimate to %v", time.Duration(v))
	}
	// An estimate without samples decays by exp(-Δt/τ).
	v0 := a.Last()
	if v, _ := a.Value(now+int64(tau), tau); math.Abs(v-v0/math.E) > 1e-6*v0 {
		t.Errorf("after τ: %v, want %v", v, v0/math.E)
	}
	a.Reset(float64(time.Second), 2*now)
	if v, ok := a.Value(2*now, tau); !ok || v != float64(time.Second) || !a.Warm() {
		t.Errorf("Reset: %v, %v, warm %v", v, ok, a.Warm())
	}
	a.Reset(0, 3*now)
	if _, ok := a.Value(3*now, tau); ok || a.Warm() {
		t.Error("Reset(0) kept an estimate")
	}
}
