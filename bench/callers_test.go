package bench

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/esrt-dev/esrt"
)

// BenchmarkLoopbackCallers sends searches over loopback HTTP to three plain
// nodes (nodes_test.go, not estest, so the server's work is small and the
// same for everyone) from 1, 16, 64 and 256 callers at once, through each
// of the peers over its own *http.Transport with room for 256 idle
// connections per node. ns/op is wall time per request, the inverse of
// throughput; p50-ns and p99-ns are the calls' own durations;
// newconns/op and newconns/s are the connections the nodes accepted
// during the run (churn: a pool that closes and opens connections under
// load). The nodes run in the same process, so B/op and allocs/op include
// their work, the same for every contender. "esrt-own-base" is esrt at
// its defaults with its own base transport (esrt.NewHTTPTransport: 32
// idle connections per node), the pool a user of esrt.New gets.
func BenchmarkLoopbackCallers(b *testing.B) {
	for _, callers := range []int{1, 16, 64, 256} {
		b.Run(strconv.Itoa(callers), func(b *testing.B) {
			for _, name := range append(peers, "esrt-own-base") {
				nodes, urls := newNodes(b, 3)
				var c *contender
				if name == "esrt-own-base" {
					tr, err := esrt.New(esrt.Config{Addresses: urls})
					if err != nil {
						b.Fatal(err)
					}
					b.Cleanup(func() { tr.Close() })
					c = &contender{name: name, p: roundTripper{tr}}
				} else {
					c = newContender(b, name, urls)
				}
				b.Run(name, func(b *testing.B) {
					// Open the connections the callers need before the
					// clock starts, as a long-running client has them.
					load(c.p, callers, callers, func(int) request { return search })
					conns := newConnections(nodes)
					b.ReportAllocs()
					b.ResetTimer()
					start := time.Now()
					r := load(c.p, callers, b.N, func(int) request { return search })
					elapsed := time.Since(start)
					b.StopTimer()
					opened := newConnections(nodes) - conns
					b.ReportMetric(ns(r.quantile(0.5)), "p50-ns")
					b.ReportMetric(ns(r.quantile(0.99)), "p99-ns")
					b.ReportMetric(float64(opened)/float64(b.N), "newconns/op")
					b.ReportMetric(float64(opened)/elapsed.Seconds(), "newconns/s")
					if r.failed > 0 {
						b.Fatalf("%d calls failed", r.failed)
					}
				})
			}
		})
	}
}

func newConnections(nodes []*node) int64 {
	var n int64
	for _, nd := range nodes {
		n += nd.newConns.Load()
	}
	return n
}

// BenchmarkColdStart measures what a program pays to begin: building each
// client (over a new *http.Transport) and its first request to a live
// node, then closing it. goroutines is how many more goroutines run after
// the first request than before New: three are everyone's (the
// connection's two in net/http's client, one in the node), the rest are
// the client's own.
func BenchmarkColdStart(b *testing.B) {
	_, urls := newNodes(b, 3)
	for _, name := range peers {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			idle := runtime.NumGoroutine()
			var extra int
			for b.Loop() {
				b.StopTimer()
				settle(idle)
				b.StartTimer()
				before := runtime.NumGoroutine()
				base := newBase(b)
				p, closer, err := buildPeer(name, urls, base)
				if err != nil {
					b.Fatal(err)
				}
				if _, ok := do(p, search); !ok {
					b.Fatal("the first request failed")
				}
				extra += runtime.NumGoroutine() - before
				closer()
				base.CloseIdleConnections()
			}
			b.ReportMetric(float64(extra)/float64(b.N), "goroutines")
		})
	}
}

// settle waits, at most 200 ms, until no more than n goroutines run: those
// of the previous client's closed connections have ended.
func settle(n int) {
	for deadline := time.Now().Add(200 * time.Millisecond); runtime.NumGoroutine() > n && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
}
