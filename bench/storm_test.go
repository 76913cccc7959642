package bench

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkScenarioStorm503: every node answers 503 at once; 16 callers
// send searches. Reported per contender: attempts/call (requests that
// reached the cluster per call; esrt's target is ≤ 1.25), attempts/s
// reaching the cluster while the storm lasts, and failed-calls. ns/op is
// the mean time a call takes to fail.
func BenchmarkScenarioStorm503(b *testing.B) {
	cs := newClusters(b, 0)
	for _, c := range cs {
		for _, n := range c.nodes {
			n.status.Store(503)
		}
	}
	rounds, calls := scale(1, 5), scale(16, 80)
	res := make(map[*cluster]*result)
	elapsed := make(map[*cluster]time.Duration)
	for _, c := range cs {
		res[c] = new(result)
	}
	interleave(cs, rounds, func(c *cluster, _ int) {
		start := time.Now()
		res[c].add(load(c.p, 16, calls, func(int) request { return search }))
		elapsed[c] += time.Since(start)
	})
	for _, c := range cs {
		attempts := float64(c.totalRequests())
		report(b, c.name, ns(res[c].mean()),
			metric{attempts / float64(len(res[c].lat)), "attempts/call"},
			metric{attempts / elapsed[c].Seconds(), "attempts/s"},
			metric{float64(res[c].failed), "failed-calls"})
	}
}

// BenchmarkScenarioWriteReset: 4 callers index documents with POST
// /bench/_doc (an id the node makes up, so a write sent twice is stored
// twice); every tenth request's connection is reset, either before the
// node reads it ("before-read": sending again is safe) or after the node
// read and applied it ("after-apply": sending again duplicates it).
// Reported per contender: dup-docs, the writes the cluster applied more
// than once (esrt's target after-apply is 0), caller-errors, the calls
// that told their caller they failed, and lost-docs, the calls that
// reported success for a write the cluster never applied.
func BenchmarkScenarioWriteReset(b *testing.B) {
	for _, mode := range []string{"before-read", "after-apply"} {
		b.Run(mode, func(b *testing.B) {
			cs := newClusters(b, 0)
			for _, c := range cs {
				for _, n := range c.nodes {
					n.resetEvery.Store(10)
					n.resetAfter.Store(mode == "after-apply")
				}
			}
			rounds, calls := scale(1, 5), scale(40, 200)
			res := make(map[*cluster]*result)
			var seq atomic.Int64
			for _, c := range cs {
				res[c] = new(result)
			}
			interleave(cs, rounds, func(c *cluster, _ int) {
				res[c].add(load(c.p, 4, calls, func(int) request {
					return request{method: "POST", path: "/bench/_doc", body: fmt.Appendf(nil, `{"n":%d,"title":"a document"}`, seq.Add(1))}
				}))
			})
			for _, c := range cs {
				dup, distinct := duplicates(c.nodes)
				ok := len(res[c].lat) - res[c].failed
				report(b, c.name, ns(res[c].mean()),
					metric{float64(dup), "dup-docs"},
					metric{float64(res[c].failed), "caller-errors"},
					metric{float64(max(0, ok-distinct)), "lost-docs"})
			}
		})
	}
}
