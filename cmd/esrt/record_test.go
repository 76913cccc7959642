package main

import (
	"slices"
	"testing"
	"time"
)

func TestPercentiles(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	got := percentiles(ds, 50, 90, 99, 100)
	want := []time.Duration{50 * time.Millisecond, 90 * time.Millisecond, 99 * time.Millisecond, 100 * time.Millisecond}
	if !slices.Equal(got, want) {
		t.Errorf("percentiles = %v, want %v", got, want)
	}
	if got := percentiles([]time.Duration{7}, 1, 50, 100); !slices.Equal(got, []time.Duration{7, 7, 7}) {
		t.Errorf("one sample: %v", got)
	}
	if got := percentiles(nil, 50); got[0] != 0 {
		t.Errorf("no sample: %v", got)
	}
	if ds[0] != 100*time.Millisecond {
		t.Error("percentiles sorted its argument")
	}
}

// The recorder files each call under the second it ended in, and totals
// every operation.
func TestRecorder(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	r := newRecorder(start)
	r.add("get", start.Add(100*time.Millisecond), 2*time.Millisecond, nil)
	r.add("get", start.Add(1500*time.Millisecond), 4*time.Millisecond, nil)
	r.add("search", start.Add(1600*time.Millisecond), 8*time.Millisecond, nil)
	r.count("bulk", start.Add(2500*time.Millisecond), nil)
	secs := r.seconds()
	if len(secs) != 3 || secs[0].calls != 1 || secs[1].calls != 2 || secs[1].p99 != 8*time.Millisecond || secs[2].calls != 0 {
		t.Errorf("seconds: %+v", secs)
	}
	if got := r.lastSecond(start.Add(2200 * time.Millisecond)); got.calls != 2 || got.p50 != 4*time.Millisecond {
		t.Errorf("last second: %+v", got)
	}
	tot := r.totals([]string{"search", "get", "index", "bulk"})
	if len(tot) != 4 || tot[0].op != "search" || tot[1].calls != 2 || tot[2].op != "bulk" || tot[3].op != "total" || tot[3].calls != 4 || tot[3].max != 8*time.Millisecond {
		t.Errorf("totals: %+v", tot)
	}
}
