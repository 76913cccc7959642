package esrt

import (
	"context"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

// standInCluster is a base transport that plays three nodes in virtual
// time: each answers 200 after 1–3 ms, and a killed node refuses every
// connection at once, as a stopped process does.
type standInCluster struct {
	mu     sync.Mutex
	killed map[string]bool
	rand   *rand.Rand
	served map[string][]time.Time // per host, when each answered attempt ended
}

func newStandInCluster() *standInCluster {
	return &standInCluster{killed: map[string]bool{}, served: map[string][]time.Time{}, rand: rand.New(rand.NewPCG(1, 2))}
}

func (c *standInCluster) set(host string, killed bool) {
	c.mu.Lock()
	c.killed[host] = killed
	c.mu.Unlock()
}

func (c *standInCluster) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	host := req.URL.Host
	c.mu.Lock()
	killed := c.killed[host]
	latency := time.Millisecond + time.Duration(c.rand.Int64N(int64(2*time.Millisecond)))
	c.mu.Unlock()
	if killed {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	select {
	case <-time.After(latency):
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
	c.mu.Lock()
	c.served[host] = append(c.served[host], time.Now())
	c.mu.Unlock()
	return &http.Response{
		StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(strings.NewReader(`{"ok":true}`)),
		ContentLength: 11,
		Request:       req,
	}, nil
}

// firstServedAfter returns when host first answered after t, or the zero
// time.
func (c *standInCluster) firstServedAfter(host string, t time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, at := range c.served[host] {
		if at.After(t) {
			return at
		}
	}
	return time.Time{}
}

// Three nodes, 32 callers, one node killed for 3 s and then revived, with
// esrt's defaults: no caller sees an error, no call takes more than 50 ms
// beyond the healthy p99 (a refused connection is retried at once on
// another node, and the calls in flight when the node died do not open its
// breaker for longer than the dead-node schedule), and the revived node
// has traffic again within 2 s of its return (the dead-node schedule
// probes a node dead for T within T/2, and a success from before the death
// does not count as its return). In virtual time: the timings are esrt's
// own, whatever the machine is doing.
func TestFailoverWhileANodeIsKilled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cluster := newStandInCluster()
		tr, err := New(Config{
			Addresses: []string{"http://es0:9200", "http://es1:9200", "http://es2:9200"},
			Transport: cluster,
		})
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		client := &http.Client{Transport: tr}

		start := time.Now()
		const (
			callers = 32
			killAt  = 3 * time.Second
			outage  = 3 * time.Second
			runFor  = 10 * time.Second
		)
		type call struct {
			start, end time.Time
			err        error
		}
		var mu sync.Mutex
		var calls []call
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() {
				for time.Since(start) < runFor {
					req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://es/products/_search", nil)
					c := call{start: time.Now()}
					res, err := client.Do(req)
					if err == nil {
						_, err = io.Copy(io.Discard, res.Body)
						res.Body.Close()
					}
					c.end, c.err = time.Now(), err
					mu.Lock()
					calls = append(calls, c)
					mu.Unlock()
				}
			})
		}
		time.Sleep(killAt)
		cluster.set("es1:9200", true)
		time.Sleep(outage)
		cluster.set("es1:9200", false)
		revived := time.Now()
		wg.Wait()

		var healthy []time.Duration
		var failed int
		var slowest call
		for _, c := range calls {
			if c.err != nil {
				failed++
				if failed == 1 {
					t.Errorf("call at %v failed: %v", c.start.Sub(start), c.err)
				}
			}
			if c.end.Before(start.Add(killAt)) {
				healthy = append(healthy, c.end.Sub(c.start))
			}
			if c.end.Sub(c.start) > slowest.end.Sub(slowest.start) {
				slowest = c
			}
		}
		if failed > 0 {
			t.Errorf("%d of %d calls failed", failed, len(calls))
		}
		if len(healthy) < 1000 {
			t.Fatalf("only %d calls before the kill", len(healthy))
		}
		slices.Sort(healthy)
		p99 := healthy[len(healthy)*99/100]
		if d := slowest.end.Sub(slowest.start); d > p99+50*time.Millisecond {
			t.Errorf("slowest call took %v (started %v into the run), healthy p99 %v: over p99 + 50 ms", d, slowest.start.Sub(start), p99)
		}
		back := cluster.firstServedAfter("es1:9200", revived)
		if back.IsZero() {
			t.Fatalf("es1 got no traffic in the %v after its return", runFor-killAt-outage)
		}
		if d := back.Sub(revived); d > 2*time.Second {
			t.Errorf("es1 answered again %v after its return, want within 2 s", d)
		}
		t.Logf("%d calls, healthy p99 %v, slowest %v, es1 back after %v", len(calls), p99, slowest.end.Sub(slowest.start), back.Sub(revived))
	})
}
