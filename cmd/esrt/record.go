package main

import (
	"slices"
	"sync"
	"time"
)

// recorder collects what a workload's calls met: per operation, per
// second since the start, the calls, their latencies and their errors. It
// is safe for concurrent use.
type recorder struct {
	start time.Time
	mu    sync.Mutex
	secs  []second
	ops   map[string]*opTotals
	first error // the first error the application saw
}

// second is what the calls that ended in one second of the run met.
type second struct {
	calls, errors int
	latencies     []time.Duration
}

// opTotals are one operation's totals over the run.
type opTotals struct {
	calls, errors int
	latencies     []time.Duration
}

func newRecorder(start time.Time) *recorder {
	return &recorder{start: start, ops: map[string]*opTotals{}}
}

// add records one call of op that ended at end after d, with err.
func (r *recorder) add(op string, end time.Time, d time.Duration, err error) {
	i := max(int(end.Sub(r.start)/time.Second), 0)
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.secs) <= i {
		r.secs = append(r.secs, second{})
	}
	s := &r.secs[i]
	s.calls++
	s.latencies = append(s.latencies, d)
	t := r.ops[op]
	if t == nil {
		t = &opTotals{}
		r.ops[op] = t
	}
	t.calls++
	t.latencies = append(t.latencies, d)
	if err != nil {
		s.errors++
		t.errors++
		if r.first == nil {
			r.first = err
		}
	}
}

// secondStats are the figures of one second of the run.
type secondStats struct {
	calls, errors int
	p50, p99      time.Duration
}

// seconds returns the figures of every second of the run so far.
func (r *recorder) seconds() []secondStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]secondStats, len(r.secs))
	for i, s := range r.secs {
		ps := percentiles(s.latencies, 50, 99)
		out[i] = secondStats{calls: s.calls, errors: s.errors, p50: ps[0], p99: ps[1]}
	}
	return out
}

// lastSecond returns the figures of the last full second before now, or
// of the current one in the run's first second.
func (r *recorder) lastSecond(now time.Time) secondStats {
	i := max(int(now.Sub(r.start)/time.Second)-1, 0)
	r.mu.Lock()
	defer r.mu.Unlock()
	if i >= len(r.secs) {
		return secondStats{}
	}
	s := r.secs[i]
	ps := percentiles(s.latencies, 50, 99)
	return secondStats{calls: s.calls, errors: s.errors, p50: ps[0], p99: ps[1]}
}

// opStats are one operation's figures over the run.
type opStats struct {
	op                 string
	calls, errors      int
	p50, p90, p99, max time.Duration
}

// totals returns the figures of every operation, in the order given,
// then of all of them together as "total".
func (r *recorder) totals(order []string) []opStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []opStats
	var all opTotals
	for _, op := range order {
		t := r.ops[op]
		if t == nil {
			continue
		}
		out = append(out, statsOf(op, t))
		all.calls += t.calls
		all.errors += t.errors
		all.latencies = append(all.latencies, t.latencies...)
	}
	return append(out, statsOf("total", &all))
}

func statsOf(op string, t *opTotals) opStats {
	ps := percentiles(t.latencies, 50, 90, 99, 100)
	return opStats{op: op, calls: t.calls, errors: t.errors, p50: ps[0], p90: ps[1], p99: ps[2], max: ps[3]}
}

// firstError returns the first error the application saw, or nil.
func (r *recorder) firstError() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.first
}

// percentiles returns the nearest-rank percentiles ps of ds (0 when ds is
// empty); 100 is the maximum.
func percentiles(ds []time.Duration, ps ...int) []time.Duration {
	out := make([]time.Duration, len(ps))
	if len(ds) == 0 {
		return out
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	for i, p := range ps {
		rank := (p*len(sorted) + 99) / 100 // ceil(p/100 · n)
		out[i] = sorted[max(rank, 1)-1]
	}
	return out
}

// count records one call of op that ended at end with err and has no
// latency of its own, such as a bulk item: it counts in op's totals and
// its error in its second, but not in the second's calls.
func (r *recorder) count(op string, end time.Time, err error) {
	i := max(int(end.Sub(r.start)/time.Second), 0)
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.secs) <= i {
		r.secs = append(r.secs, second{})
	}
	t := r.ops[op]
	if t == nil {
		t = &opTotals{}
		r.ops[op] = t
	}
	t.calls++
	if err != nil {
		r.secs[i].errors++
		t.errors++
		if r.first == nil {
			r.first = err
		}
	}
}

// errorCount returns how many errors the application saw so far.
func (r *recorder) errorCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, t := range r.ops {
		n += t.errors
	}
	return n
}
