package esrt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

var noBackoff = func(int) time.Duration { return 0 }

// drainClose reads and closes a response body and returns its status.
func drainClose(res *http.Response) int {
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// 10 000 GETs at concurrency 32 while one of three nodes is killed and later
// revived: the callers see no error.
func TestNoErrorsWhileANodeDiesAndReturns(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 3})
	tr := mustNew(t, Config{Addresses: c.URLs(), Pool: PoolConfig{DeadTimeout: 50 * time.Millisecond, MaxDeadTimeout: 200 * time.Millisecond}})
	const total, workers = 10_000, 32
	var sent, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for sent.Add(1) <= total {
				res, err := get(t, tr, "/_cluster/health")
				if err == nil && drainClose(res) != 200 {
					err = fmt.Errorf("status %d", res.StatusCode)
				}
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		})
	}
	// Kill node 1 a third of the way through, revive it at two thirds.
	for sent.Load() < total/3 {
		time.Sleep(time.Millisecond)
	}
	c.Node(1).Kill()
	for sent.Load() < 2*total/3 {
		time.Sleep(time.Millisecond)
	}
	if err := c.Node(1).Revive(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d of %d GETs failed, first: %v", n, total, firstErr.Load())
	}
}

// 2 000 auto-id index requests while the connection is reset after the
// request was applied on 10 % of attempts: none is sent twice, so the store
// holds no duplicate, and each failure reaches its caller. The same with
// explicit ids: those are retried and all succeed.
func TestResetsNeverDuplicateWrites(t *testing.T) {
	for _, tt := range []struct {
		name        string
		method      string
		path        func(i int) string
		wantFailure bool
	}{
		{"auto id", "POST", func(int) string { return "/docs/_doc" }, true},
		{"explicit id", "PUT", func(i int) string { return fmt.Sprintf("/docs/_doc/%d", i) }, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := estest.New(t, estest.Config{Nodes: 3})
			var mu sync.Mutex
			rng := rand.New(rand.NewPCG(7, 11))
			for _, n := range c.Nodes() {
				n.SetResetFunc(func(*http.Request) estest.ResetMode {
					mu.Lock()
					defer mu.Unlock()
					if rng.IntN(10) == 0 {
						return estest.ResetAfterApply
					}
					return estest.NoReset
				})
			}
			// With a reset on 10 % of attempts, four in a row hit about one
			// request in 10 000; more retries keep "every explicit-id write
			// succeeds" from depending on the dice.
			tr := mustNew(t, Config{Addresses: c.URLs(), RetryBackoff: noBackoff, MaxRetries: 8, Pool: PoolConfig{DeadTimeout: 20 * time.Millisecond}})
			const total, workers = 2000, 16
			var next, failed atomic.Int64
			var wg sync.WaitGroup
			for range workers {
				wg.Go(func() {
					for i := int(next.Add(1)); i <= total; i = int(next.Add(1)) {
						req, _ := http.NewRequest(tt.method, "http://es"+tt.path(i), strings.NewReader(fmt.Sprintf(`{"n":%d}`, i)))
						req.Header.Set("Content-Type", "application/json")
						res, err := tr.RoundTrip(req)
						if err != nil {
							failed.Add(1)
							if !tt.wantFailure {
								t.Logf("request %d: %v", i, err)
							}
							continue
						}
						if s := drainClose(res); s != 200 && s != 201 {
							t.Errorf("request %d: status %d", i, s)
						}
					}
				})
			}
			wg.Wait()
			for _, n := range c.Nodes() {
				n.SetResetFunc(nil)
			}
			seen := documentsByN(t, c, total)
			for n, count := range seen {
				if count > 1 {
					t.Errorf("document n=%d stored %d times", n, count)
				}
			}
			if tt.wantFailure {
				// About 10 % of attempts were reset after the write was
				// applied; each of those is reported to its caller.
				if f := failed.Load(); f < total/20 || f > total/5 {
					t.Errorf("%d failures reported, want about 10 %% of %d", f, total)
				}
				if len(seen) != total {
					t.Errorf("%d distinct documents, want %d (each request applied exactly once)", len(seen), total)
				}
			} else if f := failed.Load(); f != 0 || len(seen) != total {
				t.Errorf("%d failures and %d documents; explicit ids must be retried to success", f, len(seen))
			}
		})
	}
}

// documentsByN counts stored documents of index "docs" by their "n" field.
func documentsByN(t *testing.T, c *estest.Cluster, want int) map[int]int {
	t.Helper()
	res, err := http.Post(c.URLs()[0]+"/docs/_search", "application/json",
		strings.NewReader(fmt.Sprintf(`{"size":%d,"query":{"match_all":{}}}`, want+100)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Hits struct {
			Total struct{ Value int } `json:"total"`
			Hits  []struct {
				Source struct{ N int } `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	seen := map[int]int{}
	for _, h := range body.Hits.Hits {
		seen[h.Source.N]++
	}
	if body.Hits.Total.Value != len(body.Hits.Hits) {
		t.Fatalf("search returned %d of %d hits", len(body.Hits.Hits), body.Hits.Total.Value)
	}
	return seen
}

// A POST _search retried three times arrives byte-identical each time.
func TestRetriedSearchBodyIsIdentical(t *testing.T) {
	c := estest.New(t, estest.Config{})
	if res, err := http.Post(c.URLs()[0]+"/books/_doc/1", "application/json", strings.NewReader(`{"title":"go","year":2015}`)); err != nil {
		t.Fatal(err)
	} else {
		drainClose(res)
	}
	c.Node(0).ClearRequests()
	c.Node(0).FailNext(3, estest.Failure{Status: 503})
	tr := mustNew(t, Config{Addresses: c.URLs(), RetryBackoff: noBackoff})
	body := `{"query":{"bool":{"must":[{"match":{"title":"go"}}],"filter":[{"term":{"year":2015}}]}},"size":5}`
	// No GetBody: the retry middleware has to buffer the body itself.
	req, _ := http.NewRequest("POST", "http://es/books/_search", io.NopCloser(strings.NewReader(body)))
	req.Header.Set("Content-Type", "application/json")
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	if s := drainClose(res); s != 200 {
		t.Fatalf("status %d after 3 retries", s)
	}
	logs := c.Node(0).Requests()
	if len(logs) != 4 {
		t.Fatalf("%d attempts, want 4", len(logs))
	}
	for i, r := range logs {
		if r.BodySHA256 != logs[0].BodySHA256 || string(r.Body) != body {
			t.Errorf("attempt %d carried a different body: %q", i+1, r.Body)
		}
	}
}

// A 429 asking to retry in an hour, under a 2 s deadline: the 429 comes
// back at once rather than after a wait that would pass the deadline.
func TestRetryAfterBeyondDeadline(t *testing.T) {
	c := estest.New(t, estest.Config{})
	c.Node(0).FailNext(1, estest.Failure{Status: 429, Header: http.Header{"Retry-After": {"3600"}}})
	tr := mustNew(t, Config{Addresses: c.URLs()})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://es/", nil)
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	if s := drainClose(res); s != 429 {
		t.Fatalf("status %d, want the 429", s)
	}
	if ctx.Err() != nil {
		t.Fatal("returned after the deadline")
	}
	if n := len(c.Node(0).Requests()); n != 1 {
		t.Fatalf("%d attempts, want 1", n)
	}
}

// Every node answering 503 at a fixed offered load: retries add at most the
// budget's share, not MaxRetries times the load.
func TestRetryBudgetAgainstAll503(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 3})
	for _, n := range c.Nodes() {
		n.SetFailFunc(func(*http.Request) *estest.Failure { return &estest.Failure{Status: 503} })
	}
	// Breakers off: with them, the nodes' breakers open after a few 503s
	// and the cluster sees even less; this test is about the budget alone.
	tr := mustNew(t, Config{Addresses: c.URLs(), RetryBackoff: noBackoff, Breaker: BreakerConfig{Failures: -1},
		Retry: RetryConfig{Budget: middleware.BudgetConfig{Ratio: 0.2, MinPerSecond: 1}}})
	const requests = 600
	var wg sync.WaitGroup
	tick := time.NewTicker(2 * time.Millisecond) // 500 requests a second offered
	defer tick.Stop()
	for range requests {
		<-tick.C
		wg.Go(func() {
			res, err := get(t, tr, "/")
			if err == nil {
				drainClose(res)
			}
		})
	}
	wg.Wait()
	attempts := 0
	for _, n := range c.Nodes() {
		attempts += len(n.Requests())
	}
	// The floor is 1 a second, pooled over the budget's 10 s window.
	if limit := int(1.2*requests) + 1*10; attempts > limit {
		t.Fatalf("%d attempts for %d requests, want at most %d", attempts, requests, limit)
	}
	if attempts < requests {
		t.Fatalf("%d attempts for %d requests", attempts, requests)
	}
	t.Logf("%d requests against an all-503 cluster made %d attempts (%.2f×)", requests, attempts, float64(attempts)/requests)
}

// A node answering 503 opens its breaker; the router then sends it nothing
// but the pool's probes of the dead node (which pass an open breaker, on
// the dead-node schedule), and callers see no failure.
func TestNodeBreakerThroughNew(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 3})
	c.Node(0).SetFailFunc(func(*http.Request) *estest.Failure { return &estest.Failure{Status: 503} })
	var mu sync.Mutex
	var changes []rt.BreakerInfo
	hooks := &rt.Hooks{OnBreakerChange: func(i rt.BreakerInfo) { mu.Lock(); changes = append(changes, i); mu.Unlock() }}
	tr := mustNew(t, Config{Addresses: c.URLs(), RetryBackoff: noBackoff, Breaker: BreakerConfig{Failures: 2, Timeout: time.Minute},
		Pool: PoolConfig{DeadTimeout: time.Millisecond}, Hooks: hooks})
	for i := range 300 {
		res, err := get(t, tr, "/")
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if s := drainClose(res); s != 200 {
			t.Fatalf("request %d: status %d", i, s)
		}
	}
	// The probes wait half the time the node has been dead, from 1 ms:
	// fewer than 30 in a minute.
	if n := len(c.Node(0).Requests()); n > 30 {
		t.Errorf("the node with an open breaker received %d requests, want the 2 that opened it and the pool's probes", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(changes) != 1 || changes[0].To != rt.BreakerOpen || changes[0].Node == nil || changes[0].Node.String() != c.URLs()[0] {
		t.Fatalf("breaker changes %+v, want node 0 opening", changes)
	}
}

// With every node failing, the cluster breaker opens and requests fail at
// once with rt.ErrBreakerOpen, without reaching the cluster.
func TestClusterBreakerThroughNew(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 2})
	for _, n := range c.Nodes() {
		n.SetFailFunc(func(*http.Request) *estest.Failure { return &estest.Failure{Status: 503} })
	}
	tr := mustNew(t, Config{Addresses: c.URLs(), DisableRetry: true, Breaker: BreakerConfig{Failures: -1,
		Cluster: ClusterBreakerConfig{Enabled: true, ClusterBreakerConfig: middleware.ClusterBreakerConfig{MinRequests: 10, Timeout: time.Minute}}}})
	for range 10 {
		res, err := get(t, tr, "/")
		if err != nil {
			t.Fatal(err)
		}
		drainClose(res)
	}
	before := len(c.Node(0).Requests()) + len(c.Node(1).Requests())
	for range 50 {
		if _, err := get(t, tr, "/"); !errors.Is(err, rt.ErrBreakerOpen) {
			t.Fatalf("error %v, want rt.ErrBreakerOpen", err)
		}
	}
	if after := len(c.Node(0).Requests()) + len(c.Node(1).Requests()); after != before {
		t.Fatalf("%d requests reached the cluster while the breaker was open", after-before)
	}
}

// With Limits.Limiter, a node that rejects work above 50 requests in flight sees
// few 429s even from 200 concurrent bulk callers. The node is a stand-in
// that answers after 20 ms of virtual time, so that the limiter's
// adaptation depends on the requests alone, never on how busy the machine
// running the test is.
func TestLimiterThroughNew(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const capacity, latency = 50, 20 * time.Millisecond
		var inFlight, peak atomic.Int64
		node := rt.Func(func(req *http.Request) (*http.Response, error) {
			io.Copy(io.Discard, req.Body)
			req.Body.Close()
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			header := http.Header{"Content-Type": {"application/json"}}
			if n > capacity {
				// Elasticsearch rejects work beyond its queue at once.
				body := `{"error":{"type":"es_rejected_execution_exception","reason":"rejected execution of coordinating operation"},"status":429}`
				return &http.Response{StatusCode: 429, Header: header, Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
			}
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(latency)
			body := `{"took":20,"errors":false,"items":[{"index":{"_index":"logs","_id":"x","status":201}}]}`
			return &http.Response{StatusCode: 200, Header: header, Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
		})
		tr := mustNew(t, Config{Addresses: []string{"http://es1:9200"}, Transport: node, Limits: LimitsConfig{Limiter: LimiterConfig{Enabled: true}}, DisableRetry: true})
		limiter := tr.Limiter()
		const callers, each = 200, 10
		var rejected atomic.Int64
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() {
				for range each {
					req, _ := http.NewRequest("POST", "http://es/_bulk", strings.NewReader("{\"index\":{\"_index\":\"logs\"}}\n{\"m\":1}\n"))
					req.Header.Set("Content-Type", "application/x-ndjson")
					res, err := tr.RoundTrip(req)
					if err != nil {
						t.Error(err)
						return
					}
					if drainClose(res) == 429 {
						rejected.Add(1)
					}
				}
			})
		}
		wg.Wait()
		// Slow start overshoots once before the first cut: allow that burst.
		if got := rejected.Load(); got > callers*each/10 {
			t.Fatalf("%d of %d bulk requests were rejected with 429", got, callers*each)
		}
		if s := limiter.Stats().Bulk; s.Admitted != callers*each || s.Limit > 55 {
			t.Fatalf("limiter stats %+v: want every request admitted through it and a limit near 50", s)
		}
		t.Logf("%d rejected, limit %d, peak %d in flight", rejected.Load(), limiter.Stats().Bulk.Limit, peak.Load())
	})
}

// The overall timeout covers every attempt: with a node that hangs and a
// request timeout, the request ends at the deadline with an error that
// wraps context.DeadlineExceeded; an attempt timeout moves the request to
// a node that answers.
func TestTimeoutsThroughNew(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 2})
	c.Node(0).Hang()
	defer c.Node(0).Unhang()

	tr := mustNew(t, Config{Addresses: c.URLs()[:1], Limits: LimitsConfig{RequestTimeout: 200 * time.Millisecond}})
	_, err := get(t, tr, "/")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want one wrapping context.DeadlineExceeded", err)
	}

	tr = mustNew(t, Config{Addresses: c.URLs(), Limits: LimitsConfig{AttemptTimeout: 100 * time.Millisecond}, RetryBackoff: noBackoff, Pool: PoolConfig{Selector: selector.RoundRobin()}})
	for i := range 4 {
		res, err := get(t, tr, "/")
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if s := drainClose(res); s != 200 {
			t.Fatalf("request %d: status %d", i, s)
		}
	}

	// Per request, rt.WithRequestTimeout replaces the default.
	ctx := rt.WithRequestTimeout(context.Background(), 50*time.Millisecond)
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://es/", nil)
	if _, err := mustNew(t, Config{Addresses: c.URLs()[:1]}).RoundTrip(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("per-request timeout: %v", err)
	}
}

// Hedged reads through New: a search stuck on one node is answered by the
// other, and the request does not wait for the stuck node.
func TestHedgeThroughNew(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 2})
	c.Node(0).Hang()
	defer c.Node(0).Unhang()
	var hedges atomic.Int32
	hooks := &rt.Hooks{OnAttemptStart: func(i rt.AttemptInfo) {
		if i.Hedge {
			hedges.Add(1)
		}
	}}
	tr := mustNew(t, Config{Addresses: c.URLs(), Pool: PoolConfig{Selector: selector.RoundRobin()}, Hooks: hooks,
		Retry: RetryConfig{Hedge: HedgeConfig{Enabled: true, HedgeConfig: middleware.HedgeConfig{Delay: 20 * time.Millisecond, Quantile: -1}}}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 4 {
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://es/_search", nil)
		res, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if s := drainClose(res); s != 200 {
			t.Fatalf("request %d: status %d", i, s)
		}
	}
	if hedges.Load() == 0 {
		t.Fatal("no hedge was sent although a node hangs")
	}
}

// A create whose first attempt was applied before the connection was reset
// is retried and answered 409 for a write that succeeded; a delete in the
// same situation is answered 404. Both responses say they come from a
// retried write, and a first-time 409 does not.
func TestRetriedWriteIsMarked(t *testing.T) {
	c := estest.New(t, estest.Config{})
	var resetNext atomic.Bool
	c.Node(0).SetResetFunc(func(*http.Request) estest.ResetMode {
		if resetNext.CompareAndSwap(true, false) {
			return estest.ResetAfterApply
		}
		return estest.NoReset
	})
	tr := mustNew(t, Config{Addresses: c.URLs(), RetryBackoff: noBackoff})
	send := func(method, path, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, "http://es"+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		res, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		drainClose(res)
		return res
	}

	resetNext.Store(true)
	if res := send("PUT", "/docs/_create/1", `{"n":1}`); res.StatusCode != 409 || !rt.RetriedWrite(res.Header) {
		t.Errorf("retried create: status %d, %s %q; want 409 marked as a retried write",
			res.StatusCode, rt.RetriedWriteHeader, res.Header.Get(rt.RetriedWriteHeader))
	}
	if res := send("PUT", "/docs/_create/1", `{"n":1}`); res.StatusCode != 409 || rt.RetriedWrite(res.Header) {
		t.Errorf("second create: status %d, marked %v; want an unmarked 409", res.StatusCode, rt.RetriedWrite(res.Header))
	}
	resetNext.Store(true)
	if res := send("DELETE", "/docs/_doc/1", ""); res.StatusCode != 404 || !rt.RetriedWrite(res.Header) {
		t.Errorf("retried delete: status %d, marked %v; want 404 marked as a retried write", res.StatusCode, rt.RetriedWrite(res.Header))
	}
	if n := len(c.Node(0).Requests()); n != 5 {
		t.Errorf("%d requests reached the node, want 5", n)
	}
}

// Through New: a request whose first node refuses the connection is sent
// at once to another node, without the backoff; with a single node, the
// retry waits it.
func TestRefusedConnectionRetriedAtOnceThroughNew(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	first := selector.SelectorFunc(func(cands []selector.Candidate) int {
		best := 0
		for i, c := range cands {
			if c.Node.URL.Host < cands[best].Node.URL.Host {
				best = i
			}
		}
		return best
	})
	for _, tt := range []struct {
		name      string
		addresses []string
		wantWait  time.Duration
	}{
		{"three nodes", []string{"http://es1:9200", "http://es2:9200", "http://es3:9200"}, 0},
		{"one node", []string{"http://es1:9200"}, time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var refused atomic.Bool
				base := rt.Func(func(req *http.Request) (*http.Response, error) {
					if req.URL.Host == "es1:9200" && refused.CompareAndSwap(false, true) {
						return nil, dial
					}
					return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
				})
				tr := mustNew(t, Config{Addresses: tt.addresses, Transport: base, Pool: PoolConfig{Selector: first},
					RetryBackoff: func(int) time.Duration { return time.Second }})
				start := time.Now()
				res, err := get(t, tr, "/_search")
				if err != nil {
					t.Fatal(err)
				}
				drainClose(res)
				if took := time.Since(start); took != tt.wantWait || !refused.Load() {
					t.Fatalf("took %v (refused: %v), want %v", took, refused.Load(), tt.wantWait)
				}
			})
		})
	}
}

// A request's own bad option is never a node's fault: through New, with
// three healthy nodes, requests whose per-request options cannot work fail
// with an error naming the option, nothing reaches a node, and every node
// stays up.
func TestRequestOwnBadOptionsThroughNew(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 3})
	tr := mustNew(t, Config{Addresses: c.URLs(), Breaker: BreakerConfig{Failures: 1}})
	bg := context.Background()
	for _, tt := range []struct {
		field string
		ctx   context.Context
	}{
		{"rt.WithAttemptTimeout", rt.WithAttemptTimeout(bg, -time.Second)},
		{"rt.WithRequestTimeout", rt.WithRequestTimeout(bg, -time.Second)},
		{"rt.WithOpaqueID", rt.WithOpaqueID(bg, "job-1\r\nX-Injected: 1")},
		{"rt.WithHeader", rt.WithHeader(bg, http.Header{"X-Tenant": {"blue\n"}})},
		{"rt.WithHeader", rt.WithHeader(bg, http.Header{"Bad Name": {"x"}})},
		{"rt.WithAuth", rt.WithAuth(bg, rt.APIKeyAuth("hunter2\n"))},
	} {
		for range 3 {
			req, _ := http.NewRequestWithContext(tt.ctx, "GET", "http://es/_search", nil)
			_, err := tr.RoundTrip(req)
			var ce *rt.ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field {
				t.Fatalf("%s: error %v, want an *rt.ConfigError naming it", tt.field, err)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("%s: the error reveals the credential: %v", tt.field, err)
			}
		}
	}
	for i, n := range c.Nodes() {
		if got := len(n.Requests()); got != 0 {
			t.Errorf("node %d received %d requests", i, got)
		}
	}
	for _, st := range tr.Pool().Status() {
		if st.Dead || st.Failures != 0 {
			t.Errorf("node %v: dead %v after %d failures; a request's own option is not its fault", st.Node, st.Dead, st.Failures)
		}
	}
	if res, err := get(t, tr, "/"); err != nil {
		t.Fatalf("a valid request after the invalid ones: %v", err)
	} else if s := drainClose(res); s != 200 {
		t.Fatalf("a valid request after the invalid ones: status %d", s)
	}
}

// By default, a response that declares a huge Content-Length and then
// stalls fails at once with the default cap's error, without waiting for a
// deadline; with the caps turned off, the response is returned.
func TestDefaultResponseSizeCapThroughNew(t *testing.T) {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1073741824") // 1 GiB, never sent
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) }) // runs first: the handler returns

	_, err := get(t, mustNew(t, Config{Addresses: []string{srv.URL}}), "/logs/_search")
	var tooLarge *rt.ResponseTooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.Limit != middleware.DefaultMaxSize {
		t.Fatalf("error %v, want an *rt.ResponseTooLargeError at the default cap", err)
	}

	res, err := get(t, mustNew(t, Config{Addresses: []string{srv.URL}, Limits: LimitsConfig{Response: middleware.SizeLimitConfig{MaxSize: -1, MaxDecompressedSize: -1}}}), "/logs/_search")
	if err != nil {
		t.Fatalf("caps off: %v", err)
	}
	res.Body.Close()
	if res.ContentLength != 1<<30 {
		t.Fatalf("caps off: Content-Length %d", res.ContentLength)
	}
}
