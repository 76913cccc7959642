package middleware_test

import (
	"fmt"
	"net/http"

	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

// breakerBase is a base transport that answers the statuses given, one
// per request (the last repeats).
func breakerBase(statuses ...int) http.RoundTripper {
	n := 0
	return rt.Func(func(req *http.Request) (*http.Response, error) {
		status := statuses[min(n, len(statuses)-1)]
		n++
		return &http.Response{StatusCode: status, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
	})
}

func breakerPrint(tr http.RoundTripper) {
	req, _ := http.NewRequest("GET", "/_search", nil)
	res, err := tr.RoundTrip(req)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	res.Body.Close()
	fmt.Println(res.StatusCode)
}

func ExampleNewBreakers() {
	breakers, err := middleware.NewBreakers(middleware.BreakerConfig{Failures: 2})
	if err != nil {
		panic(err)
	}
	node, _ := rt.NewNode("http://es1:9200")
	other, _ := rt.NewNode("http://es2:9200")
	// The pool passes over nodes whose breaker is open. Once every node's
	// breaker is open there is no other choice: the router sends the
	// attempt anyway, as a last resort, and the breaker lets it through.
	// A last resort that succeeds closes the breaker: the node is back.
	first := selector.SelectorFunc(func([]selector.Candidate) int { return 0 })
	pool, err := selector.NewPool(selector.PoolConfig{Seeds: []*rt.Node{node, other}, Exclude: breakers.Open, Selector: first, Jitter: -1})
	if err != nil {
		panic(err)
	}
	tr := rt.Chain(breakerBase(503, 503, 503, 503, 200), selector.Middleware(pool), breakers.Middleware())
	for range 5 {
		breakerPrint(tr)
	}
	fmt.Println(breakers.State(node), breakers.State(other))
	// Output:
	// 503
	// 503
	// 503
	// 503
	// 200
	// closed open
}

func ExampleClusterBreaker() {
	cluster, err := middleware.ClusterBreaker(middleware.ClusterBreakerConfig{
		Ratio:       0.5,
		MinRequests: 4,
		Hooks: &rt.Hooks{OnBreakerChange: func(i rt.BreakerInfo) {
			fmt.Println(i.Name, i.From, "->", i.To)
		}},
	})
	if err != nil {
		panic(err)
	}
	tr := rt.Chain(breakerBase(200, 503), cluster)
	for range 5 {
		breakerPrint(tr)
	}
	// Output:
	// 200
	// 503
	// 503
	// cluster closed -> open
	// 503
	// error: esrt: circuit breaker open: cluster
}
