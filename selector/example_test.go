package selector_test

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/internal/routing"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

// stubTransport stands in for the base transport of the examples: it
// answers 200, except 503 from the hosts listed in down.
func stubTransport(down ...string) http.RoundTripper {
	return rt.Func(func(req *http.Request) (*http.Response, error) {
		if req.Body != nil {
			req.Body.Close()
		}
		code := http.StatusOK
		if slices.Contains(down, req.URL.Host) {
			code = http.StatusServiceUnavailable
		}
		return &http.Response{StatusCode: code, Body: io.NopCloser(strings.NewReader("{}")), Request: req}, nil
	})
}

func nodes(addrs ...string) []*rt.Node {
	var out []*rt.Node
	for _, a := range addrs {
		n, err := rt.NewNode(a)
		if err != nil {
			panic(err)
		}
		out = append(out, n)
	}
	return out
}

func ExampleNewPool() {
	pool, err := selector.NewPool(selector.PoolConfig{
		Seeds: nodes("http://es1:9200", "http://es2:9200"),
	})
	if err != nil {
		panic(err)
	}
	for _, st := range pool.Status() {
		fmt.Println(st.Node, "dead:", st.Dead)
	}
	// Output:
	// http://es1:9200 dead: false
	// http://es2:9200 dead: false
}

func ExamplePool_Update() {
	pool, _ := selector.NewPool(selector.PoolConfig{Seeds: nodes("http://seed:9200")})
	// Discovery found two nodes; the seed stays as a fallback.
	pool.Update(nodes("http://10.0.0.1:9200", "http://10.0.0.2:9200"))
	for _, st := range pool.Status() {
		fmt.Println(st.Node, "seed:", st.Seed)
	}
	// Output:
	// http://10.0.0.1:9200 seed: false
	// http://10.0.0.2:9200 seed: false
	// http://seed:9200 seed: true
}

func ExampleMiddleware() {
	pool, _ := selector.NewPool(selector.PoolConfig{
		Seeds: nodes("https://elastic:changeme@proxy.example:8443/es"),
	})
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		_, hasAuth := req.Header["Authorization"]
		fmt.Println(req.Method, req.URL, "basic auth:", hasAuth)
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
	})
	tr := rt.Chain(base, selector.Middleware(pool))

	// The caller's scheme and host are placeholders; the router fills in
	// the node's, and its path prefix.
	req, _ := http.NewRequest(http.MethodGet, "http://es/idx/_search?size=1", nil)
	res, err := tr.RoundTrip(req)
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	// Output:
	// GET https://proxy.example:8443/es/idx/_search?size=1 basic auth: true
}

// A retrying middleware puts one attempt record in the context per logical
// request and sends each attempt with it; the router numbers the attempts,
// avoids the nodes already tried and records where each went. (The record
// is esrt's own protocol between its retry middleware and the router, in
// internal/routing, so this is a test rather than an example.)
func TestRouterRetriesShareARecord(t *testing.T) {
	pool, _ := selector.NewPool(selector.PoolConfig{
		Seeds: nodes("http://a:9200", "http://b:9200", "http://c:9200"),
		// Always the first candidate, to make the test deterministic.
		Selector: selector.SelectorFunc(func([]selector.Candidate) int { return 0 }),
	})
	tr := selector.Middleware(pool)(stubTransport("a:9200"))

	req, _ := http.NewRequest(http.MethodGet, "/_search", nil)
	ctx, attempts := routing.WithAttempts(req.Context())
	req = req.WithContext(ctx)
	for range 3 {
		res, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable {
			break
		}
	}
	if got := fmt.Sprint(attempts.Nodes()); got != "[http://a:9200 http://b:9200]" {
		t.Fatalf("attempts went to %s, want [http://a:9200 http://b:9200]", got)
	}
}

func ExampleRoundRobin() {
	pool, _ := selector.NewPool(selector.PoolConfig{
		Seeds:    nodes("http://a:9200", "http://b:9200", "http://c:9200"),
		Selector: selector.RoundRobin(),
	})
	counts := map[string]int{}
	tr := selector.Middleware(pool)(rt.Func(func(req *http.Request) (*http.Response, error) {
		counts[req.URL.Host]++
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
	}))
	for range 9 {
		req, _ := http.NewRequest(http.MethodGet, "/", nil)
		res, _ := tr.RoundTrip(req)
		res.Body.Close()
	}
	fmt.Println(counts)
	// Output:
	// map[a:9200:3 b:9200:3 c:9200:3]
}

func ExampleRandom() {
	cands := []selector.Candidate{
		selector.NewCandidate(nodes("http://a:9200")[0], 0, 0),
		selector.NewCandidate(nodes("http://b:9200")[0], 0, 0),
	}
	i := selector.Random().Select(cands)
	fmt.Println(i == 0 || i == 1)
	// Output:
	// true
}

func ExampleLatencyAware() {
	n := nodes("http://fast:9200", "http://slow:9200")
	cands := []selector.Candidate{
		selector.NewCandidate(n[0], 4, 2_000_000),  // 4 in flight, 2 ms
		selector.NewCandidate(n[1], 0, 20_000_000), // idle, 20 ms
	}
	fmt.Println(cands[selector.LatencyAware().Select(cands)].Node)
	// Output:
	// http://fast:9200
}

func ExampleNewCandidate() {
	c := selector.NewCandidate(nodes("http://a:9200")[0], 3, 5_000_000)
	fmt.Println(c.Node, c.InFlight(), c.Latency())
	// Output:
	// http://a:9200 3 5ms
}

// A selector of your own sees each candidate's node and statistics.
func ExampleSelectorFunc() {
	// Fewest requests in flight, first on ties.
	leastBusy := selector.SelectorFunc(func(cands []selector.Candidate) int {
		best := 0
		for i, c := range cands {
			if c.InFlight() < cands[best].InFlight() {
				best = i
			}
		}
		return best
	})
	n := nodes("http://a:9200", "http://b:9200")
	fmt.Println(leastBusy.Select([]selector.Candidate{
		selector.NewCandidate(n[0], 7, 0),
		selector.NewCandidate(n[1], 2, 0),
	}))
	// Output:
	// 1
}

// Zone-aware routing: prefer nodes in the caller's zone while any is live.
func ExampleAttribute() {
	n := nodes("http://a1:9200", "http://b1:9200")
	n[0].Attributes = map[string]string{"zone": "eu-west-1a"}
	n[1].Attributes = map[string]string{"zone": "eu-west-1b"}
	pool, _ := selector.NewPool(selector.PoolConfig{
		Prefer: selector.Attribute("zone", "eu-west-1b"),
	})
	pool.Update(n)
	tr := selector.Middleware(pool)(stubTransport())
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	res, _ := tr.RoundTrip(req)
	res.Body.Close()
	fmt.Println(res.Request.URL.Host)
	// Output:
	// b1:9200
}
