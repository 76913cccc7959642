package selector_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

// busyCluster is a base RoundTripper standing in for nodes on a busy
// machine, for tests in a synctest bubble: each answer takes a latency
// drawn from busyLatency, times the node's slowness, slept in virtual
// time. It records when each request arrived at which node.
type busyCluster struct {
	mu      sync.Mutex
	rand    *rand.Rand
	slow    map[string]float64 // host -> latency factor; 1 if absent
	arrived []arrival
}

type arrival struct {
	host string
	at   time.Time
}

func newBusyCluster(seed uint64) *busyCluster {
	return &busyCluster{rand: rand.New(rand.NewPCG(seed, 1)), slow: map[string]float64{}}
}

// busyLatency is the latency of one answer of a node on a busy machine:
// mostly 1–3 ms, one in twenty 10–50 ms (a scheduling stall, a GC).
func busyLatency(r *rand.Rand) time.Duration {
	ms := 1 + 2*r.Float64()
	if r.Float64() < 0.05 {
		ms = 10 + 40*r.Float64()
	}
	return time.Duration(ms * float64(time.Millisecond))
}

func (b *busyCluster) RoundTrip(req *http.Request) (*http.Response, error) {
	b.mu.Lock()
	lat := time.Duration(float64(busyLatency(b.rand)) * max(b.slow[req.URL.Host], 1))
	b.arrived = append(b.arrived, arrival{req.URL.Host, time.Now()})
	b.mu.Unlock()
	time.Sleep(lat)
	return &http.Response{
		StatusCode: 200,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(`{}`)),
		Request:    req,
	}, nil
}

// shares returns each host's share of the requests that arrived in
// [from, to).
func (b *busyCluster) shares(hosts []string, from, to time.Time) []float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	counts := make([]float64, len(hosts))
	total := 0.0
	for _, a := range b.arrived {
		if !a.at.Before(from) && a.at.Before(to) {
			counts[slices.Index(hosts, a.host)]++
			total++
		}
	}
	for i := range counts {
		counts[i] /= total
	}
	return counts
}

var busyHosts = []string{"n1:9200", "n2:9200", "n3:9200"}

// busyPool returns a pool of the three busy hosts on the bubble's clock.
func busyPool(t *testing.T, sel selector.Selector) *selector.Pool {
	t.Helper()
	var seeds []*rt.Node
	for _, h := range busyHosts {
		seeds = append(seeds, mustNode(t, "http://"+h))
	}
	return mustPool(t, selector.PoolConfig{Seeds: seeds, Selector: sel, Now: time.Now})
}

func roundTrip(t *testing.T, tr http.RoundTripper) {
	res, err := tr.RoundTrip(get(t, t.Context(), "/_search"))
	if err != nil {
		t.Error(err)
		return
	}
	drain(res)
}

// TestLatencyAwareSpread: the default selector spreads requests evenly
// over three equally fast nodes whose latencies vary as on a busy machine,
// one request at a time and at a hundred a second.
func TestLatencyAwareSpread(t *testing.T) {
	for seed := range uint64(5) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Run("600 sequential requests", func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					nodes := newBusyCluster(seed)
					tr := selector.Middleware(busyPool(t, nil))(nodes)
					start := time.Now()
					for range 600 {
						roundTrip(t, tr)
					}
					shares := nodes.shares(busyHosts, start, time.Now().Add(time.Nanosecond))
					for i, s := range shares {
						if s < 0.25 {
							t.Errorf("%s got %.3f of the requests, want at least 0.25", busyHosts[i], s)
						}
					}
					t.Logf("shares %.3f", shares)
				})
			})
			t.Run("100 requests a second for 10 s", func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					nodes := newBusyCluster(seed)
					tr := selector.Middleware(busyPool(t, nil))(nodes)
					start := time.Now()
					var wg sync.WaitGroup
					for range 1000 {
						wg.Go(func() { roundTrip(t, tr) })
						time.Sleep(10 * time.Millisecond)
					}
					wg.Wait()
					least := 1.0
					for sec := range 10 {
						from := start.Add(time.Duration(sec) * time.Second)
						shares := nodes.shares(busyHosts, from, from.Add(time.Second))
						for i, s := range shares {
							least = min(least, s)
							if s < 0.2 {
								t.Errorf("second %d: %s got %.2f of the requests, want at least 0.2 (%.2f)", sec+1, busyHosts[i], s, shares)
							}
						}
					}
					t.Logf("least share of a second's requests: %.2f", least)
				})
			})
		})
	}
}

// latencyRun sends total requests at the given concurrency through a new
// pool over nodes, in a synctest bubble, after a warm-up of 60 sequential
// requests (a client that has been running: every node's estimate rests
// on enough samples). It returns the p99 and the mean of their latencies,
// and the share of the requests each node got.
func latencyRun(t *testing.T, nodes *busyCluster, sel selector.Selector, total, concurrency int) (p99, mean time.Duration, shares []float64) {
	tr := selector.Middleware(busyPool(t, sel))(nodes)
	for range 60 {
		roundTrip(t, tr)
	}
	start := time.Now()
	lat := make([]time.Duration, total)
	next := make(chan int, total)
	for i := range total {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for i := range next {
				begin := time.Now()
				roundTrip(t, tr)
				lat[i] = time.Since(begin)
			}
		})
	}
	wg.Wait()
	var sum time.Duration
	for _, l := range lat {
		sum += l
	}
	slices.Sort(lat)
	return lat[total*99/100], sum / time.Duration(total), nodes.shares(busyHosts, start, time.Now().Add(time.Nanosecond))
}

// TestLatencyAware: with one of three nodes 10× slower, the latency-aware
// selector keeps the p99 within 1.5× of the all-healthy run and sends the
// slow node at most 5 % of the requests; round-robin, which sends it a
// third, shows its latency. 2,000 requests at a concurrency of 16, in
// virtual time.
func TestLatencyAware(t *testing.T) {
	const total, concurrency = 2000, 16
	for seed := range uint64(5) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				nodes := newBusyCluster(seed)
				healthy, healthyMean, healthyShares := latencyRun(t, nodes, nil, total, concurrency)
				nodes.slow[busyHosts[2]] = 10
				aware, awareMean, awareShares := latencyRun(t, nodes, nil, total, concurrency)
				rr, rrMean, rrShares := latencyRun(t, nodes, selector.RoundRobin(), total, concurrency)

				t.Logf("all healthy, latency-aware: p99 %v, mean %v, shares %.3f", healthy.Round(10*time.Microsecond), healthyMean.Round(10*time.Microsecond), healthyShares)
				t.Logf("one slow,    latency-aware: p99 %v, mean %v, shares %.3f", aware.Round(10*time.Microsecond), awareMean.Round(10*time.Microsecond), awareShares)
				t.Logf("one slow,    round-robin:   p99 %v, mean %v, shares %.3f", rr.Round(10*time.Microsecond), rrMean.Round(10*time.Microsecond), rrShares)
				if limit := healthy * 3 / 2; aware > limit {
					t.Errorf("latency-aware p99 with a slow node %v, want ≤ 1.5 × %v", aware, healthy)
				}
				if awareShares[2] > 0.05 {
					t.Errorf("the slow node got %.3f of the requests, want ≤ 0.05", awareShares[2])
				}
				if awareMean > healthyMean*3/2 {
					t.Errorf("latency-aware mean latency with a slow node %v, want ≤ 1.5 × %v", awareMean, healthyMean)
				}
				// The slow node matters: sending it its share costs.
				if rrMean < 2*healthyMean {
					t.Errorf("round-robin mean latency with a slow node %v, want ≥ 2 × %v", rrMean, healthyMean)
				}
			})
		})
	}
}
