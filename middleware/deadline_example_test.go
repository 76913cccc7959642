package middleware_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
)

// hangingNode answers nothing: like net/http's Transport, it returns the
// cause of its request's context once that is done.
var hangingNode = rt.Func(func(req *http.Request) (*http.Response, error) {
	<-req.Context().Done()
	return nil, context.Cause(req.Context())
})

// A request timeout covers every attempt and backoff of a request; a
// per-request value in the context replaces the default.
func ExampleRequestTimeout() {
	timeout, err := middleware.RequestTimeout(30 * time.Second)
	if err != nil {
		panic(err)
	}
	tr := rt.Chain(hangingNode, timeout)

	ctx := rt.WithRequestTimeout(context.Background(), 20*time.Millisecond)
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://localhost:9200/_search", nil)
	_, err = tr.RoundTrip(req)
	fmt.Println(err)
	fmt.Println("deadline exceeded:", errors.Is(err, context.DeadlineExceeded))
	// Output:
	// esrt: request timeout of 20ms exceeded
	// deadline exceeded: true
}

// A per-attempt timeout sits inside retry (and routing), so that a node
// that does not answer in time costs one attempt, not the request.
func ExampleAttemptTimeout() {
	attempts := 0
	node := rt.Func(func(req *http.Request) (*http.Response, error) {
		attempts++
		if attempts == 1 {
			return hangingNode(req)
		}
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(`{"count":1}`)), Request: req}, nil
	})
	retry, err := middleware.Retry(middleware.RetryConfig{
		Backoff: func(int) time.Duration { return 0 },
		Hooks: &rt.Hooks{OnRetry: func(i rt.RetryInfo) {
			fmt.Println("retry:", i.Err)
		}},
	})
	if err != nil {
		panic(err)
	}
	timeout, err := middleware.AttemptTimeout(20 * time.Millisecond)
	if err != nil {
		panic(err)
	}
	tr := rt.Chain(node, retry, timeout)

	req, _ := http.NewRequest("GET", "http://localhost:9200/_count", nil)
	res, err := tr.RoundTrip(req)
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	fmt.Println(res.StatusCode, string(body))
	// Output:
	// retry: esrt: attempt timeout of 20ms exceeded
	// 200 {"count":1}
}

// A hedged read: the first attempt stalls, so after the delay a second one
// goes out (to another node, when routing sits below); the first answer
// wins and the loser is cancelled with rt.ErrHedgeLost.
func ExampleHedge() {
	var calls atomic.Int32
	node := rt.Func(func(req *http.Request) (*http.Response, error) {
		ctx := req.Context()
		if calls.Add(1) == 1 {
			fmt.Println("first attempt sent")
			<-ctx.Done() // a stalled node
			fmt.Println("first attempt:", context.Cause(ctx))
			return nil, context.Cause(ctx)
		}
		fmt.Println("hedge sent")
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(`{"hits":{}}`)), Request: req}, nil
	})
	hedge, err := middleware.Hedge(middleware.HedgeConfig{
		Delay:    20 * time.Millisecond,
		Quantile: -1, // a fixed delay; the default learns each operation's p95
	})
	if err != nil {
		panic(err)
	}
	tr := rt.Chain(node, hedge)

	req, _ := http.NewRequest("POST", "http://localhost:9200/idx/_search", strings.NewReader(`{"query":{"match_all":{}}}`))
	res, err := tr.RoundTrip(req)
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	fmt.Println(res.StatusCode)
	// Output:
	// first attempt sent
	// hedge sent
	// first attempt: esrt: hedged attempt lost to a faster one
	// 200
}
