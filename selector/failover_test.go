package selector_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

var errReset = &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}

// killableCluster is a base RoundTripper of nodes on a busy machine (see
// busyLatency), for tests in a synctest bubble, one of which can be
// killed: while it is dead, connections to it are refused at once, and
// the requests in flight to it when it dies fail with a reset.
type killableCluster struct {
	mu     sync.Mutex
	rand   *rand.Rand
	dead   map[string]bool
	deaths map[string]int         // host -> times killed
	served map[string][]time.Time // host -> when it answered
}

func newKillableCluster(seed uint64) *killableCluster {
	return &killableCluster{
		rand:   rand.New(rand.NewPCG(seed, 2)),
		dead:   map[string]bool{},
		deaths: map[string]int{},
		served: map[string][]time.Time{},
	}
}

func (c *killableCluster) kill(host string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dead[host] = true
	c.deaths[host]++
}

func (c *killableCluster) revive(host string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dead[host] = false
}

func (c *killableCluster) RoundTrip(req *http.Request) (*http.Response, error) {
	host := req.URL.Host
	c.mu.Lock()
	if c.dead[host] {
		c.mu.Unlock()
		return nil, errRefused
	}
	deaths := c.deaths[host]
	lat := busyLatency(c.rand)
	c.mu.Unlock()
	time.Sleep(lat)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.deaths[host] != deaths {
		return nil, errReset
	}
	c.served[host] = append(c.served[host], time.Now())
	return &http.Response{
		StatusCode: 200,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(`{}`)),
		Request:    req,
	}, nil
}

// servedBetween returns how many requests host answered in [from, to).
func (c *killableCluster) servedBetween(host string, from, to time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, at := range c.served[host] {
		if !at.Before(from) && at.Before(to) {
			n++
		}
	}
	return n
}

// firstServed returns when host first answered at or after from.
func (c *killableCluster) firstServed(host string, from time.Time) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, at := range c.served[host] {
		if !at.Before(from) {
			return at, true
		}
	}
	return time.Time{}, false
}

// TestKilledNodeReturns: three nodes, 32 callers, one node refusing
// connections for 3 s, through the pool and the per-node breakers wired
// as esrt.New wires them (routing, then the breakers; the retry layer is
// emulated by send, without backoff). No call fails; the revived node
// answers again within 2 s of its return, found by the pool's probe, and
// its breaker does not keep it out: it is closed, and the node gets its
// share of the traffic. With Failures 1 the breaker opens at once: the
// probe passes it as a last resort and closes it.
func TestKilledNodeReturns(t *testing.T) {
	for _, failures := range []int{0, 1} {
		t.Run(fmt.Sprintf("BreakerFailures %d", failures), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { testKilledNodeReturns(t, failures, uint64(failures)) })
		})
	}
}

func testKilledNodeReturns(t *testing.T, failures int, seed uint64) {
	const callers = 32
	const victim = "n2:9200"
	var opened atomic.Int32
	breakers, err := middleware.NewBreakers(middleware.BreakerConfig{Failures: failures, Hooks: &rt.Hooks{
		OnBreakerChange: func(i rt.BreakerInfo) {
			if i.To == rt.BreakerOpen {
				opened.Add(1)
			}
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var seeds []*rt.Node
	for _, h := range busyHosts {
		seeds = append(seeds, mustNode(t, "http://"+h))
	}
	pool := mustPool(t, selector.PoolConfig{Seeds: seeds, Exclude: breakers.Open, Now: time.Now})
	nodes := newKillableCluster(seed)
	tr := rt.Chain(nodes, selector.Middleware(pool), breakers.Middleware())

	start := time.Now()
	killAt, reviveAt, end := start.Add(time.Second), start.Add(4*time.Second), start.Add(6500*time.Millisecond)
	var calls, failed atomic.Int64
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			for time.Now().Before(end) {
				calls.Add(1)
				res, err := send(tr, get(t, t.Context(), "/_search"), 3)
				if err != nil {
					failed.Add(1)
					t.Errorf("call failed: %v", err)
					continue
				}
				drain(res)
			}
		})
	}
	time.Sleep(time.Until(killAt))
	nodes.kill(victim)
	time.Sleep(time.Until(reviveAt))
	nodes.revive(victim)
	wg.Wait()

	back, ok := nodes.firstServed(victim, reviveAt)
	if !ok {
		t.Fatalf("the revived node answered nothing in %v", end.Sub(reviveAt))
	}
	if d := back.Sub(reviveAt); d > 2*time.Second {
		t.Errorf("the revived node answered again %v after its return, want within 2 s", d)
	}
	if got := nodes.servedBetween(victim, killAt.Add(time.Millisecond), reviveAt); got != 0 {
		t.Errorf("the dead node answered %d requests", got)
	}
	if st := breakers.State(seeds[1]); st != rt.BreakerClosed {
		t.Errorf("the revived node's breaker is %v, want closed", st)
	}
	// Its share of the last half second, which begins at least half a
	// second after it answered again.
	from := end.Add(-500 * time.Millisecond)
	total := 0
	for _, h := range busyHosts {
		total += nodes.servedBetween(h, from, end)
	}
	if got := nodes.servedBetween(victim, from, end); float64(got) < 0.2*float64(total) {
		t.Errorf("the revived node answered %d of the last %d requests, want at least 20 %%", got, total)
	}
	if failures == 1 && opened.Load() == 0 {
		t.Error("the breaker never opened: the test does not show the probe passing it")
	}
	t.Logf("%d calls, %d failed; the node answered again %v after its return; breakers opened %d times",
		calls.Load(), failed.Load(), back.Sub(reviveAt), opened.Load())
}
