package bench

import (
	"bytes"
	"flag"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// fullScenarios runs the scenario benchmarks at full length (bench/run.sh
// sets it). Without it each scenario is a short smoke run, as CI's
// -benchtime 1x pass makes it, so that none can rot:
//
//	go test -run '^$' -bench Scenario -benchtime 1x . -args -scenarios.full
var fullScenarios = flag.Bool("scenarios.full", false, "run the scenario benchmarks at full length")

// scale returns full when the scenarios run at full length, else short.
func scale[T any](short, full T) T {
	if *fullScenarios {
		return full
	}
	return short
}

// result is what one contender's calls in a scenario came to.
type result struct {
	lat    []time.Duration // each call's duration
	failed int             // calls that returned an error or a status ≥ 400
}

func (r *result) add(o result) {
	r.lat = append(r.lat, o.lat...)
	r.failed += o.failed
}

// quantile returns the q-quantile of the calls' durations.
func (r *result) quantile(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	s := slices.Clone(r.lat)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func (r *result) mean() time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range r.lat {
		sum += d
	}
	return sum / time.Duration(len(r.lat))
}

// request is one call a scenario makes.
type request struct {
	method, path string
	body         []byte // nil: none
}

var search = request{method: "GET", path: "/products/_search"}

// do sends req through p and reads the answer; ok is false for an error or
// a status ≥ 400.
func do(p performer, req request) (d time.Duration, ok bool) {
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	r, err := http.NewRequest(req.method, req.path, body)
	if err != nil {
		panic(err)
	}
	if req.body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	res, err := p.Perform(r)
	if err == nil {
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	return time.Since(start), err == nil && res.StatusCode < 400
}

// load makes calls calls through p from callers goroutines, each call
// made by next (given its number), and returns their results.
func load(p performer, callers, calls int, next func(i int) request) result {
	var mu sync.Mutex
	var out result
	var wg sync.WaitGroup
	work := make(chan int)
	for range callers {
		wg.Go(func() {
			var mine result
			for i := range work {
				d, ok := do(p, next(i))
				mine.lat = append(mine.lat, d)
				if !ok {
					mine.failed++
				}
			}
			mu.Lock()
			out.add(mine)
			mu.Unlock()
		})
	}
	for i := range calls {
		work <- i
	}
	close(work)
	wg.Wait()
	return out
}

// interleave runs slice for every contender, rounds times, each round in a
// different order, so that a pause of the machine hits every contender
// alike.
func interleave[C any](cs []C, rounds int, slice func(c C, round int)) {
	for r := range rounds {
		for i := range cs {
			slice(cs[(r+i)%len(cs)], r)
		}
	}
}

// report adds a sub-benchmark named name whose ns/op is nsPerOp and whose
// other metrics are metrics, measured before: the scenario benchmarks
// measure every contender together, interleaved, and report each
// contender's numbers as its own line.
func report(b *testing.B, name string, nsPerOp float64, metrics ...metric) {
	b.Run(name, func(b *testing.B) {
		b.ReportMetric(nsPerOp, "ns/op")
		for _, m := range metrics {
			b.ReportMetric(m.v, m.unit)
		}
	})
}

type metric struct {
	v    float64
	unit string
}

func ns(d time.Duration) float64 { return float64(d.Nanoseconds()) }
