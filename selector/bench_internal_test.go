package selector

import (
	"strconv"
	"testing"

	"github.com/esrt-dev/esrt/rt"
)

// BenchmarkPick measures one pick from a healthy pool: snapshot load,
// dead-node check and the selector.
func BenchmarkPick(b *testing.B) {
	for _, sel := range []struct {
		name string
		s    Selector
	}{{"RoundRobin", RoundRobin()}, {"Random", Random()}, {"LatencyAware", LatencyAware()}} {
		for _, n := range []int{3, 100} {
			b.Run(sel.name+"/"+strconv.Itoa(n), func(b *testing.B) {
				var seeds []*rt.Node
				for i := range n {
					node, err := rt.NewNode("http://10.0.0." + strconv.Itoa(i) + ":9200")
					if err != nil {
						b.Fatal(err)
					}
					seeds = append(seeds, node)
				}
				p, err := NewPool(PoolConfig{Seeds: seeds, Selector: sel.s})
				if err != nil {
					b.Fatal(err)
				}
				for i, c := range p.snap.Load().live { // give every node an estimate
					c.h.lat.Observe(float64(1000+i), p.nowNanos(), p.tau)
				}
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, ok := p.pick(nil, p.nowNanos()); !ok {
							b.Fatal("no node")
						}
					}
				})
			})
		}
	}
}
