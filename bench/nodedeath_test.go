package bench

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkScenarioNodeDeath: three nodes answering in 1 ms, 8 callers
// sending searches one after another. After a healthy phase one node is
// killed (its listener and connections closed) for 3 s (300 ms when
// short), then revived on the same port, and the callers go on until it
// gets a request again or 5 s (500 ms) pass. Every contender runs at the
// same time, each against its own cluster, so that the phases line up.
// Reported per contender: failed-calls while the node was dead,
// dead-p99-ns and slowest-ns of the calls made while it was dead,
// healthy-p99-ns, and revived-ms, the time from the revival to the first
// request the node got (the window's length when it got none: read it as
// "at least").
func BenchmarkScenarioNodeDeath(b *testing.B) {
	cs := newClusters(b, nodeDelay)
	warm, dead, window := scale(200*time.Millisecond, time.Second), scale(300*time.Millisecond, 3*time.Second), scale(500*time.Millisecond, 5*time.Second)
	out := make([]deathResult, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Go(func() { out[i] = nodeDeath(b, c, warm, dead, window) })
	}
	wg.Wait()
	for i, c := range cs {
		r := out[i]
		report(b, c.name, ns(r.dead.mean()),
			metric{float64(r.dead.failed), "failed-calls"},
			metric{ns(r.dead.quantile(0.99)), "dead-p99-ns"},
			metric{ns(r.dead.quantile(1)), "slowest-ns"},
			metric{ns(r.healthy.quantile(0.99)), "healthy-p99-ns"},
			metric{float64(r.revived.Milliseconds()), "revived-ms"})
	}
}

type deathResult struct {
	healthy, dead result
	revived       time.Duration
}

// nodeDeath runs the phases of BenchmarkScenarioNodeDeath for one
// contender.
func nodeDeath(b *testing.B, c *cluster, warm, dead, window time.Duration) deathResult {
	const callers = 8
	var phase atomic.Int32 // 0 warming up, 1 healthy, 2 dead, 3 revived, 4 done
	var mu sync.Mutex
	var res [4]result
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			var mine [4]result
			for {
				p := phase.Load()
				if p == 4 {
					break
				}
				d, ok := do(c.p, search)
				mine[p].lat = append(mine[p].lat, d)
				if !ok {
					mine[p].failed++
				}
			}
			mu.Lock()
			for i := range res {
				res[i].add(mine[i])
			}
			mu.Unlock()
		})
	}
	victim := c.nodes[0]
	time.Sleep(warm / 4) // connections opened, estimates made: not measured
	phase.Store(1)
	time.Sleep(warm)
	phase.Store(2)
	victim.kill()
	time.Sleep(dead)
	before := victim.requests.Load()
	victim.revive(b)
	revivedAt := time.Now()
	phase.Store(3)
	revived := window
	for time.Since(revivedAt) < window {
		if victim.requests.Load() > before {
			revived = time.Since(revivedAt)
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	phase.Store(4)
	wg.Wait()
	return deathResult{healthy: res[1], dead: res[2], revived: revived}
}
