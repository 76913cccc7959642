package rttest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/rt/rttest"
)

// wrapper is the shape of a middleware that keeps the contract: a named type
// that forwards CloseIdleConnections. roundTrip gets next and the request.
type wrapper struct {
	next      http.RoundTripper
	roundTrip func(next http.RoundTripper, req *http.Request) (*http.Response, error)
}

func (w *wrapper) RoundTrip(req *http.Request) (*http.Response, error) {
	return w.roundTrip(w.next, req)
}

func (w *wrapper) CloseIdleConnections() {
	if c, ok := w.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func middleware(f func(next http.RoundTripper, req *http.Request) (*http.Response, error)) rt.Middleware {
	return func(next http.RoundTripper) http.RoundTripper {
		return &wrapper{next: next, roundTrip: f}
	}
}

var (
	passThrough = middleware(func(next http.RoundTripper, req *http.Request) (*http.Response, error) {
		return next.RoundTrip(req)
	})

	setHeader = middleware(func(next http.RoundTripper, req *http.Request) (*http.Response, error) {
		r := req.Clone(req.Context())
		r.Header.Set("X-Added", "1")
		return next.RoundTrip(r)
	})

	retry = middleware(func(next http.RoundTripper, req *http.Request) (*http.Response, error) {
		return retry503(next, req, true)
	})
)

// retry503 sends req up to 3 times while next answers 503 or fails, replaying
// a buffered body. It closes the discarded responses only if closeDiscarded.
func retry503(next http.RoundTripper, req *http.Request, closeDiscarded bool) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	ctx := req.Context()
	for attempt := 1; ; attempt++ {
		r := req.Clone(ctx)
		if req.Body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
			r.ContentLength = int64(len(body))
		}
		resp, err := next.RoundTrip(r)
		again := err == nil && resp.StatusCode == http.StatusServiceUnavailable ||
			err != nil && ctx.Err() == nil
		if !again || attempt == 3 {
			return resp, err
		}
		if resp != nil && closeDiscarded {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
	}
}

func TestCorrect(t *testing.T) {
	tests := []struct {
		name string
		mw   rt.Middleware
	}{
		{"pass through", passThrough},
		{"clone and set header", setHeader},
		{"retry", retry},
		{"chain", func(next http.RoundTripper) http.RoundTripper {
			return rt.Chain(next, setHeader, retry, passThrough)
		}},
		{"identity", func(next http.RoundTripper) http.RoundTripper { return next }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := rttest.Check(tt.mw); err != nil {
				t.Errorf("Check() = %v, want nil", err)
			}
		})
	}
}

func TestRun(t *testing.T) {
	rttest.Run(t, retry)
}

func TestBroken(t *testing.T) {
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })

	tests := []struct {
		name string
		mw   rt.Middleware
		rule rttest.Rule
		want string // in the error text, after "rttest: <rule>: "
	}{
		{
			name: "mutates URL",
			mw: middleware(func(next http.RoundTripper, req *http.Request) (*http.Response, error) {
				req.URL.Host = "other.invalid:9200"
				return next.RoundTrip(req)
			}),
			rule: rttest.RequestUntouched,
			want: `caller's URL changed from "http://elastic:changeme@es.invalid:9200/idx/_search?size=1" to "http://elastic:changeme@other.invalid:9200/idx/_search?size=1"`,
		},
		{
			name: "mutates header",
			mw: middleware(func(next http.RoundTripper, req *http.Request) (*http.Response, error) {
				req.Header.Set("X-Broken", "1")
				return next.RoundTrip(req)
			}),
			rule: rttest.RequestUntouched,
			want: `caller's header "X-Broken" changed from [] to ["1"]`,
		},
		{
			name: "shallow copy shares header",
			mw: middleware(func(next http.RoundTripper, req *http.Request) (*http.Response, error) {
				r := *req
				r.Header.Set("Authorization", "Basic x")
				return next.RoundTrip(&r)
			}),
			rule: rttest.RequestUntouched,
			want: `caller's header "Authorization" changed from [] to ["Basic x"]`,
		},
		{
			name: "never closes body",
			mw: middleware(func(next http.RoundTripper, req *http.Request) (*http.Response, error) {
				r := req.Clone(req.Context())
				if req.Body != nil {
					r.Body = io.NopCloser(req.Body)
				}
				return next.RoundTrip(r)
			}),
			rule: rttest.BodyClosed,
			want: "caller's body never closed",
		},
		{
			name: "closes body twice",
			mw: middleware(func(next http.RoundTripper, req *http.Request) (*http.Response, error) {
				if req.Body != nil {
					defer req.Body.Close()
				}
				return next.RoundTrip(req)
			}),
			rule: rttest.BodyClosed,
			want: "caller's body closed 2 times",
		},
		{
			name: "503 to error",
			mw: middleware(func(next http.RoundTripper, req *http.Request) (*http.Response, error) {
				resp, err := next.RoundTrip(req)
				if err == nil && resp.StatusCode == http.StatusServiceUnavailable {
					_ = resp.Body.Close()
					return nil, errors.New("unavailable")
				}
				return resp, err
			}),
			rule: rttest.StatusResponse,
			want: "RoundTrip turned status 503 into an error: unavailable (seen with base 503)",
		},
		{
			name: "response and error",
			mw: middleware(func(next http.RoundTripper, req *http.Request) (*http.Response, error) {
				resp, err := next.RoundTrip(req)
				if err == nil && resp.StatusCode >= 500 {
					return resp, errors.New("server error")
				}
				return resp, err
			}),
			rule: rttest.StatusResponse,
			want: "RoundTrip returned both a response (status 500) and an error (server error)",
		},
		{
			name: "no CloseIdleConnections",
			mw: func(next http.RoundTripper) http.RoundTripper {
				return rt.Func(func(req *http.Request) (*http.Response, error) { return next.RoundTrip(req) })
			},
			rule: rttest.CloseIdle,
			want: "the RoundTripper (rt.Func) has no CloseIdleConnections method",
		},
		{
			name: "CloseIdleConnections not forwarded",
			mw: func(next http.RoundTripper) http.RoundTripper {
				return &noForward{next}
			},
			rule: rttest.CloseIdle,
			want: "CloseIdleConnections of *rttest_test.noForward did not reach next",
		},
		{
			name: "leaks goroutine",
			mw: middleware(func(next http.RoundTripper, req *http.Request) (*http.Response, error) {
				go func() { <-stop }()
				return next.RoundTrip(req)
			}),
			rule: rttest.NoGoroutineLeak,
			want: "goroutines started during the checks still run after CloseIdleConnections",
		},
		{
			name: "drops discarded responses",
			mw: middleware(func(next http.RoundTripper, req *http.Request) (*http.Response, error) {
				return retry503(next, req, false)
			}),
			rule: rttest.ResponsesClosed,
			want: "2 of the 3 response bodies next returned were never closed",
		},
		{
			name: "ignores cancellation",
			mw: middleware(func(next http.RoundTripper, req *http.Request) (*http.Response, error) {
				return next.RoundTrip(req.WithContext(context.Background()))
			}),
			rule: rttest.Cancellation,
			want: "RoundTrip did not return within 3s after the caller's context was cancelled",
		},
		{
			name: "answers without next",
			mw: middleware(func(next http.RoundTripper, req *http.Request) (*http.Response, error) {
				if req.Body != nil {
					req.Body.Close()
				}
				return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
			}),
			rule: rttest.Cancellation,
			want: "RoundTrip returned without calling next",
		},
		{
			name: "answers a cancelled request",
			mw: middleware(func(next http.RoundTripper, req *http.Request) (*http.Response, error) {
				type result struct {
					res *http.Response
					err error
				}
				done := make(chan result, 1)
				go func() {
					res, err := next.RoundTrip(req)
					done <- result{res, err}
				}()
				select {
				case r := <-done:
					return r.res, r.err
				case <-req.Context().Done():
					return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
				}
			}),
			rule: rttest.Cancellation,
			want: "RoundTrip returned a nil error after the caller's context was cancelled",
		},
		{
			name: "detaches next's context",
			mw: middleware(func(next http.RoundTripper, req *http.Request) (*http.Response, error) {
				type result struct {
					res *http.Response
					err error
				}
				done := make(chan result, 1)
				go func() {
					res, err := next.RoundTrip(req.WithContext(context.WithoutCancel(req.Context())))
					done <- result{res, err}
				}()
				select {
				case r := <-done:
					return r.res, r.err
				case <-req.Context().Done():
					return nil, req.Context().Err()
				}
			}),
			rule: rttest.Cancellation,
			want: "the context next got is not done after the caller's was cancelled",
		},
		{
			name: "answers from a shared cache",
			mw: func(next http.RoundTripper) http.RoundTripper {
				return &cache{next: next}
			},
			rule: rttest.Concurrency,
			want: `got body "{\"status\":200,\"id\":`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := rttest.Check(tt.mw)
			if err == nil {
				t.Fatalf("Check() = nil, want a violation of %q", tt.rule)
			}
			var v *rttest.Violation
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				var ev *rttest.Violation
				if errors.As(e, &ev) && ev.Rule == tt.rule {
					v = ev
				}
			}
			if v == nil {
				t.Fatalf("Check() = %v, want a violation of %q", err, tt.rule)
			}
			if want := "rttest: " + string(tt.rule) + ": "; !strings.Contains(err.Error(), want) {
				t.Errorf("Check() = %v, want it to contain %q", err, want)
			}
			if !strings.Contains(v.Error(), tt.want) {
				t.Errorf("violation of %q = %v, want it to contain %q", tt.rule, v, tt.want)
			}
			t.Log(err)
		})
	}
}

// noForward has a CloseIdleConnections method that does not forward.
type noForward struct{ next http.RoundTripper }

func (n *noForward) RoundTrip(req *http.Request) (*http.Response, error) {
	return n.next.RoundTrip(req)
}
func (n *noForward) CloseIdleConnections() {}

func TestConfig(t *testing.T) {
	t.Run("NewRequest", func(t *testing.T) {
		var mu sync.Mutex
		seen := map[string]bool{}
		record := middleware(func(next http.RoundTripper, req *http.Request) (*http.Response, error) {
			mu.Lock()
			seen[req.Method+" "+req.URL.Path+" "+req.Header.Get("Content-Type")] = true
			mu.Unlock()
			return next.RoundTrip(req)
		})
		cfg := rttest.Config{
			NewRequest: func(ctx context.Context, body io.Reader) (*http.Request, error) {
				req, err := http.NewRequestWithContext(ctx, http.MethodPut, "http://es/idx/_doc/1", body)
				if err != nil {
					return nil, err
				}
				req.Header.Set("Content-Type", "application/x-ndjson")
				return req, nil
			},
			Body: []byte(`{"a":1}` + "\n"),
		}
		if err := cfg.Check(record); err != nil {
			t.Fatalf("Check() = %v, want nil", err)
		}
		want := "PUT /idx/_doc/1 application/x-ndjson"
		if len(seen) != 1 || !seen[want] {
			t.Errorf("requests seen = %v, want only %q", seen, want)
		}
	})
	t.Run("NewRequest error", func(t *testing.T) {
		boom := errors.New("boom")
		cfg := rttest.Config{NewRequest: func(context.Context, io.Reader) (*http.Request, error) { return nil, boom }}
		if err := cfg.Check(passThrough); !errors.Is(err, boom) {
			t.Errorf("Check() = %v, want it to wrap %v", err, boom)
		}
	})
	t.Run("Skip", func(t *testing.T) {
		funcOnly := func(next http.RoundTripper) http.RoundTripper {
			return rt.Func(next.RoundTrip)
		}
		cfg := rttest.Config{Skip: map[rttest.Rule]string{rttest.CloseIdle: "no pooled connections"}}
		if err := cfg.Check(funcOnly); err != nil {
			t.Errorf("Check() = %v, want nil", err)
		}
	})
	t.Run("Skip errors", func(t *testing.T) {
		tests := []struct {
			skip map[rttest.Rule]string
			want string
		}{
			{map[rttest.Rule]string{"no such rule": "why"}, `rttest: Skip names unknown rule "no such rule"`},
			{map[rttest.Rule]string{rttest.CloseIdle: " "}, `rttest: Skip of rule "CloseIdleConnections forwarded" gives no reason`},
		}
		for _, tt := range tests {
			err := rttest.Config{Skip: tt.skip}.Check(passThrough)
			if err == nil || err.Error() != tt.want {
				t.Errorf("Check() = %v, want %s", err, tt.want)
			}
		}
	})
	t.Run("broken construction", func(t *testing.T) {
		tests := []struct {
			name string
			mw   rt.Middleware
			want string
		}{
			{"nil", func(http.RoundTripper) http.RoundTripper { return nil }, "rttest: middleware returned a nil RoundTripper"},
			{"panic", func(http.RoundTripper) http.RoundTripper { panic("oops") }, "rttest: middleware panicked when wrapping next: oops"},
		}
		for _, tt := range tests {
			err := rttest.Check(tt.mw)
			var v *rttest.Violation
			if err == nil || errors.As(err, &v) || err.Error() != tt.want {
				t.Errorf("%s: Check() = %v, want %s", tt.name, err, tt.want)
			}
		}
	})
	t.Run("panicking RoundTrip", func(t *testing.T) {
		err := rttest.Check(middleware(func(http.RoundTripper, *http.Request) (*http.Response, error) {
			panic("oops")
		}))
		if err == nil || !strings.Contains(err.Error(), "rttest: request untouched: RoundTrip panicked: oops") {
			t.Errorf("Check() = %v, want a panic reported under each rule", err)
		}
	})
}

// cache answers every request after the first with the first's response,
// keyed on nothing: one request at a time it keeps every rule, but requests
// sent at once get each other's responses.
type cache struct {
	next http.RoundTripper

	mu     sync.Mutex
	status int
	header http.Header
	body   []byte
}

func (c *cache) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.body == nil {
		resp, err := c.next.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return nil, err
		}
		c.status, c.header, c.body = resp.StatusCode, resp.Header, body
	} else if req.Body != nil {
		_ = req.Body.Close()
	}
	return &http.Response{
		StatusCode: c.status,
		Header:     c.header.Clone(),
		Body:       io.NopCloser(bytes.NewReader(c.body)),
		Request:    req,
	}, nil
}

func (c *cache) CloseIdleConnections() {
	if ci, ok := c.next.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}
