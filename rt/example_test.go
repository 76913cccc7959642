package rt_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/esrt-dev/esrt/rt"
)

// trace returns a middleware that prints its name on the way in and on the
// way out.
func trace(name string) rt.Middleware {
	return func(next http.RoundTripper) http.RoundTripper {
		return rt.Func(func(req *http.Request) (*http.Response, error) {
			fmt.Println("->", name)
			res, err := next.RoundTrip(req)
			fmt.Println("<-", name)
			return res, err
		})
	}
}

// The first middleware is the outermost; nil entries are skipped.
func ExampleChain() {
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		fmt.Println("   base")
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
	})
	tr := rt.Chain(base, trace("a"), nil, trace("b"), trace("c"))

	req, _ := http.NewRequest("GET", "http://localhost:9200/", nil)
	res, err := tr.RoundTrip(req)
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	// Output:
	// -> a
	// -> b
	// -> c
	//    base
	// <- c
	// <- b
	// <- a
}

// A middleware of your own: clone the request before changing it, and hand
// the body on (next closes it).
func ExampleMiddleware() {
	tenant := func(next http.RoundTripper) http.RoundTripper {
		return rt.Func(func(req *http.Request) (*http.Response, error) {
			if req.Header.Get("X-Tenant") != "" {
				return next.RoundTrip(req)
			}
			clone := req.Clone(req.Context())
			clone.Header.Set("X-Tenant", "blue")
			return next.RoundTrip(clone)
		})
	}
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		fmt.Println("tenant:", req.Header.Get("X-Tenant"))
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
	})

	req, _ := http.NewRequest("GET", "http://localhost:9200/_search", nil)
	res, _ := rt.Chain(base, tenant).RoundTrip(req)
	res.Body.Close()
	fmt.Println("caller's header untouched:", req.Header.Get("X-Tenant") == "")
	// Output:
	// tenant: blue
	// caller's header untouched: true
}

func ExampleNewNode() {
	n, err := rt.NewNode("https://elastic:changeme@proxy.example.com:8443/es/")
	if err != nil {
		panic(err)
	}
	fmt.Println(n)
	fmt.Println(n.Key())

	_, err = rt.NewNode("localhost:9200")
	fmt.Println(err)
	// Output:
	// https://elastic:xxxxx@proxy.example.com:8443/es
	// proxy.example.com:8443/es
	// esrt: node address: missing scheme: write http:// or https:// before the host, as in https://localhost:9200
}

func ExampleAPIKeyAuth() {
	a := rt.APIKeyAuth("VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw")
	fmt.Println(a.Header())
	fmt.Println(a)
	fmt.Printf("%#v\n", a)
	// Output:
	// ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==
	// ApiKey [redacted]
	// ApiKey [redacted]
}

// Per-request options travel in the context, so they work through any
// client that takes an http.Request.
func ExampleWithRequestTimeout() {
	ctx := rt.WithRequestTimeout(context.Background(), 2*time.Second)
	ctx = rt.WithOpaqueID(ctx, "checkout-42")

	d, _ := rt.RequestTimeoutFrom(ctx)
	id, _ := rt.OpaqueIDFrom(ctx)
	fmt.Println(d, id)
	// Output: 2s checkout-42
}

func ExampleWithHooks() {
	ctx := rt.WithHooks(context.Background(), &rt.Hooks{
		OnRetry: func(i rt.RetryInfo) { fmt.Println("first: retry", i.Attempt) },
	})
	ctx = rt.WithHooks(ctx, &rt.Hooks{
		OnRetry: func(i rt.RetryInfo) { fmt.Println("second: retry", i.Attempt) },
	})
	// What a retry middleware does; nil hooks and nil fields are no-ops.
	rt.HooksFrom(ctx).Retry(rt.RetryInfo{Attempt: 2})
	rt.HooksFrom(ctx).NodeDown(rt.NodeInfo{})
	// Output:
	// second: retry 2
	// first: retry 2
}

// A retrying middleware makes the body replayable once, sends it as often as
// it needs, and releases it after the last attempt.
func ExampleReplayableBody() {
	req, _ := http.NewRequest("POST", "http://localhost:9200/idx/_search",
		io.NopCloser(strings.NewReader(`{"query":{"match_all":{}}}`)))
	fmt.Println("replayable before:", rt.CanReplay(req))

	out, release, err := rt.ReplayableBody(req, 1<<20)
	if err != nil {
		panic(err)
	}
	defer release()
	fmt.Println("replayable after:", rt.CanReplay(out), out.ContentLength)
	for range 2 {
		body, _ := out.GetBody()
		b, _ := io.ReadAll(body)
		body.Close()
		fmt.Println(string(b))
	}
	out.Body.Close()
	// Output:
	// replayable before: false
	// replayable after: true 26
	// {"query":{"match_all":{}}}
	// {"query":{"match_all":{}}}
}

// A middleware reads per-request options with the From functions, which
// report whether the caller set each one.
func ExampleRequestTimeoutFrom() {
	describe := func(next http.RoundTripper) http.RoundTripper {
		return rt.Func(func(req *http.Request) (*http.Response, error) {
			timeout, hasTimeout := rt.RequestTimeoutFrom(req.Context())
			id, hasID := rt.OpaqueIDFrom(req.Context())
			fmt.Println("timeout:", timeout, hasTimeout, "opaque id:", id, hasID)
			return next.RoundTrip(req)
		})
	}
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
	})
	tr := rt.Chain(base, describe)

	for _, ctx := range []context.Context{
		context.Background(),
		rt.WithOpaqueID(rt.WithRequestTimeout(context.Background(), 2*time.Second), "checkout-42"),
	} {
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://localhost:9200/_search", nil)
		res, err := tr.RoundTrip(req)
		if err != nil {
			panic(err)
		}
		res.Body.Close()
	}
	// Output:
	// timeout: 0s false opaque id:  false
	// timeout: 2s true opaque id: checkout-42 true
}
