package middleware_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
)

// show is a base transport that prints what reaches it and answers with the
// statuses given, one per attempt (the last repeats).
func show(statuses ...int) http.RoundTripper {
	n := 0
	return rt.Func(func(req *http.Request) (*http.Response, error) {
		status := statuses[min(n, len(statuses)-1)]
		n++
		var body string
		if req.Body != nil {
			b, _ := io.ReadAll(req.Body)
			req.Body.Close()
			body = " " + string(b)
		}
		fmt.Printf("%s %s%s -> %d\n", req.Method, req.URL.Path, body, status)
		return &http.Response{StatusCode: status, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
	})
}

func ExampleRetry() {
	retry, err := middleware.Retry(middleware.RetryConfig{
		Backoff: func(attempt int) time.Duration { return 0 }, // no waiting in an example
	})
	if err != nil {
		panic(err)
	}
	tr := rt.Chain(show(503, 503, 200), retry)

	req, _ := http.NewRequest("POST", "http://es/books/_search", strings.NewReader(`{"size":1}`))
	res, err := tr.RoundTrip(req)
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	fmt.Println("caller sees", res.StatusCode)

	// Indexing with an automatic id is never sent twice after it reached
	// the server: a 503 comes back as it is.
	req, _ = http.NewRequest("POST", "http://es/books/_doc", strings.NewReader(`{"title":"Go"}`))
	res, _ = rt.Chain(show(503, 200), retry).RoundTrip(req)
	res.Body.Close()
	fmt.Println("caller sees", res.StatusCode)
	// Output:
	// POST /books/_search {"size":1} -> 503
	// POST /books/_search {"size":1} -> 503
	// POST /books/_search {"size":1} -> 200
	// caller sees 200
	// POST /books/_doc {"title":"Go"} -> 503
	// caller sees 503
}

func ExampleNewBudget() {
	budget, err := middleware.NewBudget(middleware.BudgetConfig{Ratio: 0.1, MinPerSecond: -1})
	if err != nil {
		panic(err)
	}
	for range 50 {
		budget.Deposit() // a first attempt
	}
	granted := 0
	for range 50 {
		if budget.Withdraw() { // a retry
			granted++
		}
	}
	fmt.Println("retries allowed for 50 requests:", granted)
	// Output: retries allowed for 50 requests: 5
}

func ExampleAuth() {
	auth := middleware.Auth(middleware.AuthConfig{APIKey: "VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw"})
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		fmt.Println(req.Header.Get("Authorization"))
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
	})
	tr := rt.Chain(base, auth)

	req, _ := http.NewRequest("GET", "http://es/", nil)
	res, _ := tr.RoundTrip(req)
	res.Body.Close()

	// Per request, rt.WithAuth wins over the configured credential.
	req = req.WithContext(rt.WithAuth(context.Background(), rt.BearerAuth("token-for-tenant-b")))
	res, _ = tr.RoundTrip(req)
	res.Body.Close()
	// Output:
	// ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==
	// Bearer token-for-tenant-b
}

func ExampleGzip() {
	gz, err := middleware.Gzip(middleware.GzipConfig{})
	if err != nil {
		panic(err)
	}
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		raw, _ := io.ReadAll(req.Body)
		req.Body.Close()
		fmt.Println(req.Header.Get("Content-Encoding"), req.ContentLength == int64(len(raw)), len(raw) < 1000)
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
	})
	body := strings.Repeat(`{"index":{}}`+"\n"+`{"message":"hello"}`+"\n", 100)
	req, _ := http.NewRequest("POST", "http://es/logs/_bulk", strings.NewReader(body))
	res, err := rt.Chain(base, gz).RoundTrip(req)
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	// Output: gzip true true
}

func ExampleHeaders() {
	headers := middleware.Headers(middleware.HeadersConfig{
		UserAgent: "checkout/1.4",
		Header:    http.Header{"X-Team": {"payments"}},
	})
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		fmt.Println(req.Header.Get("User-Agent"), req.Header.Get("X-Team"), req.Header.Get("X-Opaque-Id"))
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
	})
	ctx := rt.WithOpaqueID(context.Background(), "order-42")
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://es/", nil)
	res, _ := rt.Chain(base, headers).RoundTrip(req)
	res.Body.Close()
	// Output: checkout/1.4 payments order-42
}

func ExampleUserAgent() {
	fmt.Println(strings.HasPrefix(middleware.UserAgent(), "esrt/"))
	// Output: true
}

func ExampleCompatibility() {
	compat, err := middleware.Compatibility(8)
	if err != nil {
		panic(err)
	}
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		fmt.Println(req.Header.Get("Content-Type"))
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
	})
	req, _ := http.NewRequest("POST", "http://es/_bulk", strings.NewReader("{\"delete\":{\"_id\":\"1\"}}\n"))
	req.Header.Set("Content-Type", "application/x-ndjson")
	res, _ := rt.Chain(base, compat).RoundTrip(req)
	res.Body.Close()
	// Output: application/vnd.elasticsearch+x-ndjson; compatible-with=8
}

func ExampleProductCheck() {
	notElasticsearch := rt.Func(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
	})
	req, _ := http.NewRequest("GET", "http://es/", nil)
	_, err := rt.Chain(notElasticsearch, middleware.ProductCheck()).RoundTrip(req)
	fmt.Println(err)
	// Output: esrt: the server is not Elasticsearch: a successful response had no X-Elastic-Product header
}

func ExampleWarnPlaintextCredentials() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // keep the example's output stable
			}
			return a
		},
	}))
	tr := rt.Chain(show(200), middleware.WarnPlaintextCredentials(logger))
	for range 2 {
		req, _ := http.NewRequest("GET", "http://es.example.com:9200/", nil)
		req.Header.Set("Authorization", "ApiKey c2VjcmV0")
		res, _ := tr.RoundTrip(req)
		res.Body.Close()
	}
	// Output:
	// level=WARN msg="esrt: credentials are sent over plain http; use https for non-local clusters" host=es.example.com:9200
	// GET / -> 200
	// GET / -> 200
}
