package bench

import (
	"testing"
	"time"
)

// cluster is one contender with three nodes of its own, so that what the
// nodes count is that contender's traffic alone.
type cluster struct {
	*contender
	nodes []*node
}

// newClusters starts a three-node cluster for each of the peers, every
// node answering after delay.
func newClusters(b *testing.B, delay time.Duration) []*cluster {
	cs := make([]*cluster, len(peers))
	for i, name := range peers {
		nodes, urls := newNodes(b, 3)
		for _, n := range nodes {
			n.delay.Store(int64(delay))
		}
		cs[i] = &cluster{contender: newContender(b, name, urls), nodes: nodes}
	}
	return cs
}

func (c *cluster) requests() []int64 {
	out := make([]int64, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = n.requests.Load()
	}
	return out
}

func (c *cluster) totalRequests() int64 {
	var t int64
	for _, n := range c.requests() {
		t += n
	}
	return t
}

// nodeDelay is how long every node of the slow-node and node-death
// scenarios takes to answer: a healthy node of a real cluster is not
// instant, and a delay makes the tail a node's, not the machine's.
const nodeDelay = time.Millisecond

// BenchmarkScenarioSlowNode: three nodes answering in 1 ms, 16 callers;
// after a healthy phase one node answers 20 ms later. Reported per
// contender: p99-ns while one node is slow, healthy-p99-ns, p99-ratio
// (the first over the second; esrt's target is ≤ 1.2) and slow-share-%, the
// share of the slow phase's requests that reached the slow node. ns/op is
// the mean call while one node is slow.
func BenchmarkScenarioSlowNode(b *testing.B) {
	cs := newClusters(b, nodeDelay)
	rounds, calls := scale(1, 10), scale(64, 400)
	healthy := make(map[*cluster]*result)
	slow := make(map[*cluster]*result)
	slowReqs := make(map[*cluster]int64)
	allReqs := make(map[*cluster]int64)
	for _, c := range cs {
		healthy[c], slow[c] = new(result), new(result)
	}
	for _, c := range cs { // connections opened, estimates made: not measured
		load(c.p, 16, calls, func(int) request { return search })
	}
	interleave(cs, rounds, func(c *cluster, _ int) {
		healthy[c].add(load(c.p, 16, calls, func(int) request { return search }))
	})
	for _, c := range cs {
		c.nodes[0].delay.Store(int64(nodeDelay + 20*time.Millisecond))
	}
	interleave(cs, rounds, func(c *cluster, _ int) {
		before, all := c.nodes[0].requests.Load(), c.totalRequests()
		slow[c].add(load(c.p, 16, calls, func(int) request { return search }))
		slowReqs[c] += c.nodes[0].requests.Load() - before
		allReqs[c] += c.totalRequests() - all
	})
	for _, c := range cs {
		h, s := healthy[c].quantile(0.99), slow[c].quantile(0.99)
		report(b, c.name, ns(slow[c].mean()),
			metric{ns(s), "p99-ns"},
			metric{ns(h), "healthy-p99-ns"},
			metric{ns(s) / ns(h), "p99-ratio"},
			metric{100 * float64(slowReqs[c]) / float64(max(1, allReqs[c])), "slow-share-%"},
			metric{float64(slow[c].failed), "failed-calls"})
	}
}

// BenchmarkScenarioSpread: three equal nodes answering at once, 600
// sequential requests (60 when short). Reported per contender:
// min-share-% and max-share-%, the least and the most any node got (an
// even spread is 33.3 % each).
func BenchmarkScenarioSpread(b *testing.B) {
	cs := newClusters(b, 0)
	rounds, calls := scale(1, 6), scale(60, 100)
	res := make(map[*cluster]*result)
	for _, c := range cs {
		res[c] = new(result)
	}
	interleave(cs, rounds, func(c *cluster, _ int) {
		res[c].add(load(c.p, 1, calls, func(int) request { return search }))
	})
	for _, c := range cs {
		reqs := c.requests()
		total := float64(c.totalRequests())
		lo, hi := reqs[0], reqs[0]
		for _, n := range reqs {
			lo, hi = min(lo, n), max(hi, n)
		}
		report(b, c.name, ns(res[c].mean()),
			metric{100 * float64(lo) / total, "min-share-%"},
			metric{100 * float64(hi) / total, "max-share-%"})
	}
}
