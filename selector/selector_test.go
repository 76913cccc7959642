package selector_test

import (
	"math"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

func candidates(t testing.TB, n int) []selector.Candidate {
	cs := make([]selector.Candidate, n)
	for i := range cs {
		cs[i] = selector.NewCandidate(mustNode(t, "http://n"+string(rune('a'+i))+":9200"), 0, time.Millisecond)
	}
	return cs
}

func TestRoundRobinCycles(t *testing.T) {
	rr := selector.RoundRobin()
	starts := map[int]bool{}
	for range 50 {
		cs := candidates(t, 10) // a new list, as a new snapshot gives
		first := rr.Select(cs)
		starts[first] = true
		for i := 1; i < 25; i++ {
			if got, want := rr.Select(cs), (first+i)%10; got != want {
				t.Fatalf("pick %d = %d, want %d", i, got, want)
			}
		}
	}
	if len(starts) < 3 {
		t.Errorf("round-robin started at %v over 50 lists, want random starts", starts)
	}
}

func TestRandomSpread(t *testing.T) {
	cs := candidates(t, 4)
	counts := make([]int, 4)
	for range 4000 {
		counts[selector.Random().Select(cs)]++
	}
	for i, c := range counts {
		if c < 800 || c > 1200 {
			t.Errorf("candidate %d chosen %d of 4000 times", i, c)
		}
	}
}

func TestLatencyAwareLoad(t *testing.T) {
	n1, n2 := mustNode(t, "http://a:9200"), mustNode(t, "http://b:9200")
	tests := []struct {
		name string
		a, b selector.Candidate
		want int
	}{
		{"faster", selector.NewCandidate(n1, 0, time.Millisecond), selector.NewCandidate(n2, 0, 10*time.Millisecond), 0},
		{"faster, busier", selector.NewCandidate(n1, 20, time.Millisecond), selector.NewCandidate(n2, 0, 10*time.Millisecond), 0},
		{"faster, overloaded", selector.NewCandidate(n1, 200, time.Millisecond), selector.NewCandidate(n2, 0, 10*time.Millisecond), 1},
		{"same latency, many fewer in flight", selector.NewCandidate(n1, 8, time.Millisecond), selector.NewCandidate(n2, 1, time.Millisecond), 1},
		{"similar latency, many fewer in flight", selector.NewCandidate(n1, 1, time.Millisecond), selector.NewCandidate(n2, 8, 1500*time.Microsecond), 0},
		{"new and idle", selector.NewCandidate(n1, 0, time.Millisecond), selector.NewCandidate(n2, 0, 0), 1},
		{"new, first request out", selector.NewCandidate(n1, 50, time.Second), selector.NewCandidate(n2, 1, 0), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// With two candidates power of two choices compares both.
			for range 20 {
				if got := selector.LatencyAware().Select([]selector.Candidate{tt.a, tt.b}); got != tt.want {
					t.Fatalf("Select = %d, want %d", got, tt.want)
				}
			}
		})
	}
}

// TestLatencyAwareRotates: candidates whose latencies and loads are
// within a factor of two of each other are equal, and take turns,
// whatever their order and small differences.
func TestLatencyAwareRotates(t *testing.T) {
	n1, n2 := mustNode(t, "http://a:9200"), mustNode(t, "http://b:9200")
	tests := []struct {
		name string
		a, b selector.Candidate
	}{
		{"same", selector.NewCandidate(n1, 0, time.Millisecond), selector.NewCandidate(n2, 0, time.Millisecond)},
		{"latency 1.9x", selector.NewCandidate(n1, 0, time.Millisecond), selector.NewCandidate(n2, 0, 1900*time.Microsecond)},
		{"one more in flight", selector.NewCandidate(n1, 2, time.Millisecond), selector.NewCandidate(n2, 3, time.Millisecond)},
		{"both new and idle", selector.NewCandidate(n1, 0, 0), selector.NewCandidate(n2, 0, 0)},
		{"both new with a request out", selector.NewCandidate(n1, 1, 0), selector.NewCandidate(n2, 1, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sel := selector.LatencyAware()
				cs := []selector.Candidate{tt.a, tt.b}
				prev := sel.Select(cs)
				for range 20 {
					// The clock must move for the turns to be told apart.
					time.Sleep(time.Microsecond)
					got := sel.Select(cs)
					if got == prev {
						t.Fatalf("chose %d twice in a row, want turns", got)
					}
					prev = got
				}
			})
		})
	}
}

// TestLatencyAwareDraw checks the random pair that power of two choices
// compares: with equal candidates every one wins as often; with one fast
// candidate among three it wins exactly when the pair holds it, two draws
// in three.
func TestLatencyAwareDraw(t *testing.T) {
	const draws = 6000
	cs := candidates(t, 5)
	counts := make([]int, len(cs))
	for range draws {
		counts[selector.LatencyAware().Select(cs)]++
	}
	for i, c := range counts {
		if c < draws/5*8/10 || c > draws/5*12/10 {
			t.Errorf("equal candidate %d chosen %d of %d times, want about %d", i, c, draws, draws/5)
		}
	}

	cs = candidates(t, 3)
	cs[1] = selector.NewCandidate(cs[1].Node, 0, time.Microsecond)
	fast := 0
	for range draws {
		if selector.LatencyAware().Select(cs) == 1 {
			fast++
		}
	}
	if want := draws * 2 / 3; fast < want*9/10 || fast > want*11/10 {
		t.Errorf("the fast candidate won %d of %d draws, want about %d", fast, draws, want)
	}
}

// TestLatencyEstimate pins the estimate: the geometric mean of the first
// samples, then a moving one in which a sample weighs 5 %; idle time
// decays it; failures count as slow samples; revived nodes start at the
// median.
func TestLatencyEstimate(t *testing.T) {
	clock := newClock()
	stub := newStub()
	var delay atomic.Int64
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		clock.Advance(time.Duration(delay.Load()))
		return stub.RoundTrip(req)
	})
	nodes := mustNodes(t, "http://a:9200", "http://b:9200", "http://c:9200")
	p := mustPool(t, selector.PoolConfig{Seeds: nodes, Now: clock.Now})
	tr := selector.Middleware(p)(base)
	do := func(n *rt.Node, d time.Duration) {
		t.Helper()
		delay.Store(int64(d))
		res, err := tr.RoundTrip(get(t, rt.WithNode(t.Context(), n), "/"))
		if err == nil {
			drain(res)
		}
	}
	near := func(what string, got, want time.Duration) {
		t.Helper()
		if math.Abs(float64(got-want)) > float64(want)/100 {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	do(nodes[0], 10*time.Millisecond)
	near("first sample", status(t, p, "a:9200").Latency, 10*time.Millisecond)
	do(nodes[0], time.Millisecond)
	near("after a lower sample", status(t, p, "a:9200").Latency, 3162278*time.Nanosecond) // √(10·1)
	do(nodes[0], 100*time.Millisecond)
	near("after a higher one", status(t, p, "a:9200").Latency, 10*time.Millisecond) // ∛(10·1·100)
	for range 17 {
		do(nodes[0], 10*time.Millisecond)
	}
	near("after 20 samples", status(t, p, "a:9200").Latency, 10*time.Millisecond)
	do(nodes[0], 250*time.Millisecond)
	near("after a peak", status(t, p, "a:9200").Latency, 11746*time.Microsecond) // 10·25^0.05: up by a sixth
	clock.Advance(10 * time.Second)
	near("after idling τ", status(t, p, "a:9200").Latency, 4321*time.Microsecond) // 11.746 ms / e

	do(nodes[1], 30*time.Millisecond)
	do(nodes[2], 10*time.Millisecond)
	stub.host("b:9200").down.Store(true)
	do(nodes[1], 0)
	if st := status(t, p, "b:9200"); !st.Dead || st.Latency <= 30*time.Millisecond {
		t.Fatalf("failed node: %+v, want dead with a slow sample", st)
	}
	stub.host("b:9200").down.Store(false)
	do(nodes[1], 5*time.Millisecond)
	// The median of a (≈4.3 ms) and c (10 ms) is the upper one, then a
	// sample of 5 ms weighs 5 %.
	near("revived node", status(t, p, "b:9200").Latency, 9659*time.Microsecond)
}
