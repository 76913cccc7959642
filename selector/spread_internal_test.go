package selector

import (
	"container/heap"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/rt"
)

// spreadRun is what one run of simulated traffic gave.
type spreadRun struct {
	share    []float64 // each node's share of all requests
	secShare []float64 // each node's share of each second's requests, sorted
	p99      time.Duration
}

// simulateSpread sends secs seconds of Poisson arrivals at rps requests a
// second through the pool's choice and report, as the router does, with a
// fake clock: node i answers in base × slow[i] × a log-normal noise of
// sigma (the spread of query costs).
func simulateSpread(t *testing.T, sel Selector, rps, sigma float64, slow []float64, secs int) spreadRun {
	t.Helper()
	const base = float64(time.Millisecond)
	now := time.Unix(1_700_000_000, 0).UnixNano()
	var nodes []*rt.Node
	for i := range slow {
		n, err := rt.NewNode("http://node-" + string(rune('a'+i)) + ":9200")
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, n)
	}
	p, err := NewPool(PoolConfig{Seeds: nodes, Selector: sel, Now: func() time.Time { return time.Unix(0, now) }})
	if err != nil {
		t.Fatal(err)
	}
	index := make(map[*health]int)
	for i, c := range p.snap.Load().live {
		index[c.h] = i
	}
	r := rand.New(rand.NewPCG(1, 2))
	var (
		pending  answers
		total    = make([]int, len(slow))
		second   = make([]int, len(slow))
		run      spreadRun
		lats     []time.Duration
		next     = now
		end      = now + int64(secs)*int64(time.Second)
		secStart = now
	)
	for next < end {
		for len(pending) > 0 && pending[0].at <= next {
			a := heap.Pop(&pending).(answer)
			now = a.at
			p.report(a.pk, healthy, a.lat, now, nil, nil)
			a.pk.h.inflight.Add(-1)
		}
		now = next
		pk, ok := p.pick(nil, now)
		if !ok {
			t.Fatal("no pick")
		}
		pk.h.inflight.Add(1)
		i := index[pk.h]
		lat := time.Duration(base * slow[i] * math.Exp(sigma*r.NormFloat64()))
		heap.Push(&pending, answer{at: now + int64(lat), pk: pk, lat: lat})
		lats = append(lats, lat)
		total[i]++
		second[i]++
		if now-secStart >= int64(time.Second) {
			n := 0
			for _, c := range second {
				n += c
			}
			for i, c := range second {
				run.secShare = append(run.secShare, float64(c)/float64(n))
				second[i] = 0
			}
			secStart = now
		}
		next += int64(r.ExpFloat64() / rps * float64(time.Second))
	}
	for _, c := range total {
		run.share = append(run.share, float64(c)/float64(len(lats)))
	}
	slices.Sort(run.secShare)
	slices.Sort(lats)
	run.p99 = lats[len(lats)*99/100]
	return run
}

// quantile returns the q-quantile of sorted xs.
func quantile(xs []float64, q float64) float64 { return xs[int(q*float64(len(xs)-1))] }

type answer struct {
	at  int64
	pk  pick
	lat time.Duration
}

// answers is a heap of outstanding requests, earliest answer first.
type answers []answer

func (a answers) Len() int           { return len(a) }
func (a answers) Less(i, j int) bool { return a[i].at < a[j].at }
func (a answers) Swap(i, j int)      { a[i], a[j] = a[j], a[i] }
func (a *answers) Push(x any)        { *a = append(*a, x.(answer)) }
func (a *answers) Pop() any {
	old := *a
	x := old[len(old)-1]
	*a = old[:len(old)-1]
	return x
}

// TestLatencyAwareSpread pins, on simulated traffic, what the
// documentation of LatencyAware says about how it spreads requests over
// three equally fast nodes and how it avoids a slow one. The selector draws
// from the global random source, so shares vary from run to run; the
// bounds held, with a margin, in 800 runs. The per-second
// spread is logged: it is what the documentation reports as the price of
// following latency estimates.
func TestLatencyAwareSpread(t *testing.T) {
	equal := []float64{1, 1, 1}
	for _, c := range []struct {
		name       string
		rps, sigma float64
		secs       int
		lo, hi     float64 // bounds of each node's share of all requests
	}{
		{"1000 rps, similar queries", 1000, 0.3, 60, 0.26, 0.41},
		{"10000 rps, queries of very different cost", 10000, 1, 10, 0.26, 0.41},
		{"1000 rps, queries of very different cost", 1000, 1, 60, 0.15, 0.5},
		{"100 rps, similar queries", 100, 0.3, 60, 0.15, 0.5},
	} {
		t.Run(c.name, func(t *testing.T) {
			la := simulateSpread(t, nil, c.rps, c.sigma, equal, c.secs)
			rr := simulateSpread(t, RoundRobin(), c.rps, c.sigma, equal, c.secs)
			for i, s := range la.share {
				if s < c.lo || s > c.hi {
					t.Errorf("node %d got %.3f of the requests, want %.2f to %.2f", i, s, c.lo, c.hi)
				}
			}
			for _, r := range []struct {
				name string
				run  spreadRun
			}{{"latency-aware", la}, {"round-robin", rr}} {
				idle := 0
				for _, s := range r.run.secShare {
					if s < 0.05 {
						idle++
					}
				}
				t.Logf("%-13s shares %.3f; a node's share of a second's requests: p10 %.3f p50 %.3f p90 %.3f, under 5 %% in %.0f %% of node-seconds",
					r.name+":", r.run.share, quantile(r.run.secShare, 0.1), quantile(r.run.secShare, 0.5), quantile(r.run.secShare, 0.9),
					100*float64(idle)/float64(len(r.run.secShare)))
			}
		})
	}
	t.Run("1000 rps, one node 10x slower", func(t *testing.T) {
		healthy := simulateSpread(t, nil, 1000, 0.3, equal, 60)
		la := simulateSpread(t, nil, 1000, 0.3, []float64{1, 1, 10}, 60)
		rr := simulateSpread(t, RoundRobin(), 1000, 0.3, []float64{1, 1, 10}, 60)
		if la.share[2] > 0.01 {
			t.Errorf("the slow node got %.3f of the requests, want at most 0.01", la.share[2])
		}
		if la.p99 > healthy.p99*11/10 {
			t.Errorf("p99 %v with a slow node, want within 1.1x of %v", la.p99, healthy.p99)
		}
		if rr.p99 < 5*healthy.p99 {
			t.Errorf("round-robin p99 %v with a slow node, want the slow node's (5x %v or more)", rr.p99, healthy.p99)
		}
		t.Logf("p99: all healthy %v, one slow: latency-aware %v (slow node's share %.4f), round-robin %v",
			healthy.p99, la.p99, la.share[2], rr.p99)
	})
}
