package selector

import (
	"testing"
	"time"

	"github.com/esrt-dev/esrt/rt"
)

// A node whose estimate went up with slow requests is not starved: once
// its latest sample is older than exploreAfter, it gets one request, and no
// more until its next sample is that old again.
func TestLatencyAwareExploresStaleNodes(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var nodes []*rt.Node
	for _, a := range []string{"http://a:9200", "http://b:9200", "http://c:9200"} {
		n, _ := rt.NewNode(a)
		nodes = append(nodes, n)
	}
	p, err := NewPool(PoolConfig{Seeds: nodes, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	s := p.snap.Load()
	slow := s.live[0]
	for _, c := range s.live {
		c.h.lat.Reset(float64(200*time.Microsecond), now.UnixNano())
	}
	slow.h.lat.Reset(float64(50*time.Millisecond), now.UnixNano()) // slow bulk requests

	picks := func(n int) (slowPicks int) {
		for range n {
			pk, ok := p.pick(nil, now.UnixNano())
			if !ok {
				t.Fatal("no pick")
			}
			if pk.h == slow.h {
				slowPicks++
			}
			// Keep the fast nodes' samples fresh, as traffic would.
			if pk.h != slow.h {
				pk.h.lat.Observe(float64(200*time.Microsecond), now.UnixNano(), p.tau)
			}
		}
		return slowPicks
	}
	if got := picks(300); got != 0 {
		t.Fatalf("the slow node got %d of 300 picks while its estimate was fresh", got)
	}
	now = now.Add(1100 * time.Millisecond)
	if got := picks(300); got != 1 {
		t.Fatalf("the stale node got %d of 300 picks, want exactly 1 exploration", got)
	}
	now = now.Add(500 * time.Millisecond)
	if got := picks(300); got != 0 {
		t.Fatalf("the node was explored again %d times within exploreAfter", got)
	}
	now = now.Add(600 * time.Millisecond)
	if got := picks(300); got != 1 {
		t.Fatalf("the node got %d picks a second later, want 1 more exploration", got)
	}
	// Selectors called directly (no attempt time) never explore.
	if LatencyAware().Select(s.live) < 0 {
		t.Fatal("no choice")
	}
}
