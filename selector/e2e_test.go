package selector_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

// clusterNodes returns the estest cluster's nodes as rt.Nodes.
func clusterNodes(t testing.TB, c *estest.Cluster) []*rt.Node {
	t.Helper()
	return mustNodes(t, c.URLs()...)
}

// countingBase sends through an http.Transport and counts attempts per host,
// including those refused by a killed node (which estest cannot log).
type countingBase struct {
	tr   *http.Transport
	hits sync.Map // host -> *atomic.Int64
}

func newCountingBase(t testing.TB) *countingBase {
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &countingBase{tr: tr}
}

func (b *countingBase) RoundTrip(req *http.Request) (*http.Response, error) {
	c, _ := b.hits.LoadOrStore(req.URL.Host, new(atomic.Int64))
	c.(*atomic.Int64).Add(1)
	return b.tr.RoundTrip(req)
}

func (b *countingBase) count(host string) int64 {
	c, ok := b.hits.Load(host)
	if !ok {
		return 0
	}
	return c.(*atomic.Int64).Load()
}

// TestKilledNode kills one of three estest nodes: with a retry layer no GET
// fails; the dead node gets no request until its probe is due, then
// exactly one probe; failed probes wait half the time the node has been
// dead, at least 1 s: 1, 1, 1, 1.5 s.
func TestKilledNode(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 3})
	killed := c.Node(1)
	killed.Kill()

	clock := newClock()
	var ev downEvents
	p := mustPool(t, selector.PoolConfig{
		Seeds:    clusterNodes(t, c),
		Selector: selector.RoundRobin(),
		Now:      clock.Now,
		Jitter:   -1,
		Hooks:    ev.hooks(),
	})
	base := newCountingBase(t)
	tr := selector.Middleware(p)(base)
	killedHits := func() int64 { return base.count(killed.Addr()) }
	run := func(n int) {
		t.Helper()
		for range n {
			res, err := send(tr, get(t, t.Context(), "http://es/_cluster/health"), 3)
			if err != nil {
				t.Fatalf("GET failed with a node killed: %v", err)
			}
			drain(res)
		}
	}

	run(300)
	if got := killedHits(); got != 1 {
		t.Fatalf("killed node got %d requests before its timeout, want 1 (the failure)", got)
	}
	for i, want := range []time.Duration{time.Second, time.Second, time.Second, 1500 * time.Millisecond} {
		st := status(t, p, killed.Addr())
		if !st.Dead || st.Failures != i+1 {
			t.Fatalf("after %d failures: dead=%v failures=%d", i+1, st.Dead, st.Failures)
		}
		if got := st.RetryAt.Sub(clock.Now()); got != want {
			t.Fatalf("wait for the probe after %d failures = %v, want %v", i+1, got, want)
		}
		clock.Advance(want - time.Millisecond)
		run(30)
		if got := killedHits(); got != int64(i+1) {
			t.Fatalf("killed node got a request before its timeout expired (%d hits)", got)
		}
		clock.Advance(time.Millisecond)
		run(30)
		if got := killedHits(); got != int64(i+2) {
			t.Fatalf("after the timeout: %d requests to the killed node, want exactly one probe more (%d)", got, i+2)
		}
	}
	if down, up := ev.counts(); down != 5 || up != 0 {
		t.Errorf("hooks: %d down, %d up; want 5 down (1 + 4 failed probes), 0 up", down, up)
	}

	// Revived: the next probe brings it back into rotation.
	if err := killed.Revive(); err != nil {
		t.Fatal(err)
	}
	clock.Advance(16 * time.Second)
	run(30)
	if st := status(t, p, killed.Addr()); st.Dead || st.Failures != 0 {
		t.Errorf("revived node: %+v", st)
	}
	if got := killedHits(); got < 10 {
		t.Errorf("revived node got %d requests of 30 after its probe", got-5)
	}
}

// TestAllNodesKilled: every node killed, requests fail with an error naming
// each attempt; revive one and the next request succeeds without waiting
// out the dead timeout.
func TestAllNodesKilled(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 3})
	clock := newClock()
	p := mustPool(t, selector.PoolConfig{Seeds: clusterNodes(t, c), Now: clock.Now})
	tr := selector.Middleware(p)(newCountingBase(t))
	for _, n := range c.Nodes() {
		n.Kill()
	}
	for range 3 {
		_, err := send(tr, get(t, t.Context(), "/_search"), 3)
		var re *rt.RetryError
		if !errors.As(err, &re) || len(re.Attempts) != 3 {
			t.Fatalf("err = %v, want a RetryError of 3 attempts", err)
		}
		seen := map[string]bool{}
		for i, e := range re.Attempts {
			var ae *rt.AttemptError
			if !errors.As(e, &ae) || ae.Attempt != i+1 || ae.Node == nil {
				t.Fatalf("attempt %d: %v, want an AttemptError naming its node", i+1, e)
			}
			seen[ae.Node.URL.Host] = true
		}
		if len(seen) != 3 {
			t.Errorf("attempts went to %v, want each node once", seen)
		}
		t.Log(err)
	}
	for i := range 3 {
		n := c.Node(i)
		if err := n.Revive(); err != nil {
			t.Fatal(err)
		}
		res, err := send(tr, get(t, t.Context(), "/_search"), 3)
		if err != nil {
			t.Fatalf("node %d revived, next request failed: %v", i, err)
		}
		drain(res)
		if st := status(t, p, n.Addr()); st.Dead {
			t.Errorf("node %d answered but is still dead", i)
		}
		n.Kill()
		for range 2 { // until it is dead again
			if res, err := send(tr, get(t, t.Context(), "/"), 3); err == nil {
				drain(res)
			}
		}
	}
}

// TestHungNodeCallerTimeout: a caller deadline on a hung node leaves it
// healthy; an attempt timeout (inside routing) counts only when repeated.
func TestHungNodeCallerTimeout(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 2})
	c.Node(0).Hang()
	p := mustPool(t, selector.PoolConfig{Seeds: clusterNodes(t, c)})
	base := newCountingBase(t)
	tr := selector.Middleware(p)(base)
	pin := rt.WithNode(t.Context(), clusterNodes(t, c)[0])

	ctx, cancel := context.WithTimeout(pin, 20*time.Millisecond)
	defer cancel()
	_, err := send(tr, get(t, ctx, "/"), 3)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if st := status(t, p, c.Node(0).Addr()); st.Dead || st.Latency != 0 {
		t.Errorf("caller deadline penalised the node: %+v", st)
	}

	// The per-attempt timeout sits inside routing.
	attemptTimeout := rt.Func(func(req *http.Request) (*http.Response, error) {
		ctx, cancel := context.WithTimeout(req.Context(), 20*time.Millisecond)
		res, err := base.RoundTrip(req.WithContext(ctx))
		if err != nil {
			cancel()
			return nil, err
		}
		res.Body = cancelBody{res.Body, cancel}
		return res, nil
	})
	tr = selector.Middleware(p)(attemptTimeout)
	for i := range 3 {
		_, err := tr.RoundTrip(get(t, pin, "/"))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
		st := status(t, p, c.Node(0).Addr())
		if st.Latency < 20*time.Millisecond {
			t.Errorf("timeout %d: latency %v, want a slow sample", i+1, st.Latency)
		}
		if st.Dead != (i == 2) {
			t.Errorf("after %d attempt timeouts dead = %v", i+1, st.Dead)
		}
	}
	c.Node(0).Unhang()
}

// cancelBody cancels an attempt's context when its body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b cancelBody) Close() error { b.cancel(); return b.ReadCloser.Close() }
