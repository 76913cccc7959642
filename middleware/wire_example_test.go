package middleware_test

import (
	"bytes"
	"compress/gzip"
	"errors"
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

func ExampleSizeLimit() {
	// A server that answers 100 KB of JSON, gzipped to a few hundred bytes,
	// when asked for gzip.
	doc := `{"hits":[` + strings.Repeat(`{"level":"info"},`, 6000) + `{}]}`
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		fmt.Println("Accept-Encoding:", req.Header.Get("Accept-Encoding"))
		var zipped bytes.Buffer
		zw := gzip.NewWriter(&zipped)
		zw.Write([]byte(doc))
		zw.Close()
		return &http.Response{StatusCode: 200, Request: req, ContentLength: int64(zipped.Len()),
			Header: http.Header{"Content-Encoding": {"gzip"}}, Body: io.NopCloser(&zipped)}, nil
	})

	// MaxSize below MaxDecompressedSize: the middleware asks for gzip
	// itself, to count the bytes on the wire, and decompresses.
	limit, err := middleware.SizeLimit(middleware.SizeLimitConfig{
		MaxSize:             32 << 10, // 32 KiB on the wire
		MaxDecompressedSize: 64 << 10,
	})
	if err != nil {
		panic(err)
	}
	req, _ := http.NewRequest("GET", "http://localhost:9200/logs/_search", nil)
	res, err := rt.Chain(base, limit).RoundTrip(req)
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	fmt.Println(len(body), err)
	fmt.Println(errors.Is(err, rt.ErrResponseTooLarge))
	// Output:
	// Accept-Encoding: gzip
	// 65536 esrt: response too large: body over 65536 bytes after decompression
	// true
}

func ExampleLogging() {
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
		return &http.Response{StatusCode: 200, Request: req, Header: http.Header{},
			Body: io.NopCloser(strings.NewReader(`{"took":3,"hits":{"total":{"value":0}}}`))}, nil
	})
	// Records without their time, and a clock that makes every request
	// last 12 ms, so that the output does not change.
	handler := slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	})
	clock := time.Unix(0, 0)
	now := func() time.Time { clock = clock.Add(12 * time.Millisecond); return clock }

	// The credential and default headers that Auth and Headers add
	// further in: the curl trace shows them, with a placeholder for the
	// password.
	auth := middleware.AuthConfig{Username: "elastic", Password: "changeme"}
	header := http.Header{"X-App": {"shop"}}
	tr := rt.Chain(base,
		middleware.Logging(middleware.LoggingConfig{
			Logger: slog.New(handler),
			Curl:   true,
			Now:    now,
			Auth:   auth.CurlAuth(),
			Header: header,
		}),
		middleware.Headers(middleware.HeadersConfig{Header: header}),
		middleware.Auth(auth),
	)
	req, _ := http.NewRequest("POST", "http://localhost:9200/logs/_search",
		strings.NewReader(`{"query":{"match":{"message":"timeout"}}}`))
	req.Header.Set("Content-Type", "application/json")
	res, err := tr.RoundTrip(req)
	if err != nil {
		panic(err)
	}
	io.Copy(io.Discard, res.Body) // the curl record comes once the body is read
	res.Body.Close()
	// Output:
	// level=INFO msg="esrt: request" method=POST url=http://localhost:9200/logs/_search status=200 duration=12ms attempts=1
	// level=DEBUG msg="esrt: curl" curl="curl -X POST 'http://localhost:9200/logs/_search' -u \"elastic:$ES_PASSWORD\" -H 'Content-Type: application/json' -H 'X-App: shop' --data-binary '{\"query\":{\"match\":{\"message\":\"timeout\"}}}'" status=200 duration=12ms response="{\"took\":3,\"hits\":{\"total\":{\"value\":0}}}"
}

func ExampleGetBodyAsPost() {
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		fmt.Println(req.Method, req.URL.Path)
		if req.Body != nil {
			req.Body.Close()
		}
		return &http.Response{StatusCode: 200, Request: req, Header: http.Header{}, Body: http.NoBody}, nil
	})
	tr := rt.Chain(base, middleware.GetBodyAsPost())

	search, _ := http.NewRequest("GET", "http://localhost:9200/logs/_search", strings.NewReader(`{"size":0}`))
	get, _ := http.NewRequest("GET", "http://localhost:9200/logs/_doc/1", nil)
	for _, req := range []*http.Request{search, get} {
		res, err := tr.RoundTrip(req)
		if err != nil {
			panic(err)
		}
		res.Body.Close()
	}
	fmt.Println("caller's method:", search.Method)
	// Output:
	// POST /logs/_search
	// GET /logs/_doc/1
	// caller's method: GET
}
