package middleware

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/esrt-dev/esrt/internal/routing"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

// outcome is what a scripted attempt does.
type outcome struct {
	status  int
	header  http.Header
	err     error
	written bool // fire httptrace's WroteHeaders before answering
}

// script is a base transport that answers attempt i with outcomes[i] (the
// last one repeats), reads and closes every request body like a transport,
// and records what it saw.
type script struct {
	mu       sync.Mutex
	outcomes []outcome
	calls    int
	bodies   [][32]byte
	opened   []*trackedResponse
}

type trackedResponse struct {
	io.Reader
	read   atomic.Int64
	closed atomic.Int32
}

func (r *trackedResponse) Read(p []byte) (int, error) {
	n, err := r.Reader.Read(p)
	r.read.Add(int64(n))
	return n, err
}
func (r *trackedResponse) Close() error { r.closed.Add(1); return nil }

func (s *script) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	s.mu.Lock()
	o := s.outcomes[min(s.calls, len(s.outcomes)-1)]
	s.calls++
	s.bodies = append(s.bodies, sha256.Sum256(body))
	s.mu.Unlock()
	if o.written {
		if trace := httptrace.ContextClientTrace(req.Context()); trace != nil && trace.WroteHeaders != nil {
			trace.WroteHeaders()
		}
	}
	if o.err != nil {
		return nil, o.err
	}
	h := o.header.Clone()
	if h == nil {
		h = http.Header{}
	}
	rb := &trackedResponse{Reader: strings.NewReader(fmt.Sprintf("attempt %d: %d", s.calls, o.status))}
	s.mu.Lock()
	s.opened = append(s.opened, rb)
	s.mu.Unlock()
	return &http.Response{StatusCode: o.status, Header: h, Body: rb, Request: req}, nil
}

func (s *script) count() int { s.mu.Lock(); defer s.mu.Unlock(); return s.calls }

func mustRetry(t testing.TB, cfg RetryConfig) rt.Middleware {
	t.Helper()
	mw, err := Retry(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return mw
}

// noWait is a backoff for tests that do not look at timing.
func noWait(int) time.Duration { return 0 }

var (
	refused = &netOpError{op: "dial", err: syscall.ECONNREFUSED}
	reset   = &netOpError{op: "read", err: syscall.ECONNRESET}
	// errNoCredentials is the cause of the tests' *rt.LocalError values:
	// a request signer that could not get credentials.
	errNoCredentials = errors.New("sign: no credentials")
)

type netOpError struct {
	op  string
	err error
}

func (e *netOpError) Error() string { return e.op + ": " + e.err.Error() }
func (e *netOpError) Unwrap() error { return e.err }

func do(t testing.TB, tr http.RoundTripper, method, path string, body io.Reader, ctx context.Context) (*http.Response, error) {
	t.Helper()
	if ctx == nil {
		ctx = context.Background()
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://es"+path, body)
	if err != nil {
		t.Fatal(err)
	}
	return tr.RoundTrip(req)
}

func TestRetryAttemptsAndLastResponse(t *testing.T) {
	tests := []struct {
		name string
		cfg  RetryConfig
		want int
	}{
		{"default is 3 retries", RetryConfig{Backoff: noWait}, 4},
		{"MaxRetries 0 keeps the default", RetryConfig{MaxRetries: 0, Backoff: noWait}, 4},
		{"MaxRetries 1", RetryConfig{MaxRetries: 1, Backoff: noWait}, 2},
		{"Disable", RetryConfig{MaxRetries: 5, Disable: true, Backoff: noWait}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := &script{outcomes: []outcome{{status: 503}}}
			res, err := do(t, mustRetry(t, tt.cfg)(base), "GET", "/idx/_doc/1", nil, nil)
			if err != nil {
				t.Fatalf("error %v; a final response must come with a nil error", err)
			}
			got, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if want := fmt.Sprintf("attempt %d: 503", tt.want); res.StatusCode != 503 || string(got) != want {
				t.Errorf("last response %d %q, want 503 %q with its body intact", res.StatusCode, got, want)
			}
			if base.count() != tt.want {
				t.Errorf("%d attempts, want %d", base.count(), tt.want)
			}
			for i, rb := range base.opened[:len(base.opened)-1] {
				if rb.closed.Load() != 1 || rb.read.Load() == 0 {
					t.Errorf("discarded response %d: closed %d times, drained %d bytes", i, rb.closed.Load(), rb.read.Load())
				}
			}
		})
	}
}

func TestRetryOperationSafety(t *testing.T) {
	tests := []struct {
		name         string
		method, path string
		body         string
		first        outcome
		ctx          func(context.Context) context.Context
		wantAttempts int
	}{
		{"refused before write: auto-id index retried", "POST", "/idx/_doc", `{"a":1}`, outcome{err: refused}, nil, 2},
		{"reset after write: auto-id index not retried", "POST", "/idx/_doc", `{"a":1}`, outcome{err: reset, written: true}, nil, 1},
		{"reset after write: index with id retried", "PUT", "/idx/_doc/7", `{"a":1}`, outcome{err: reset, written: true}, nil, 2},
		{"reset after write: search retried", "POST", "/idx/_search", `{}`, outcome{err: reset, written: true}, nil, 2},
		{"503: auto-id index not retried", "POST", "/idx/_doc", `{"a":1}`, outcome{status: 503, written: true}, nil, 1},
		{"429: auto-id index retried", "POST", "/idx/_doc", `{"a":1}`, outcome{status: 429, written: true}, nil, 2},
		{"503: bulk with ids retried", "POST", "/_bulk", "{\"index\":{\"_id\":\"1\"}}\n{}\n", outcome{status: 503, written: true}, nil, 2},
		{"503: bulk without ids not retried", "POST", "/_bulk", "{\"index\":{}}\n{}\n", outcome{status: 503, written: true}, nil, 1},
		{"503: scripted update not retried", "POST", "/idx/_update/1", `{"script":"ctx._source.n++"}`, outcome{status: 503, written: true}, nil, 1},
		{"503: scroll not retried", "POST", "/_search/scroll", `{"scroll_id":"x"}`, outcome{status: 503, written: true}, nil, 1},
		{"500 never retried", "GET", "/idx/_search", "", outcome{status: 500}, nil, 1},
		{"404 never retried", "GET", "/idx/_doc/1", "", outcome{status: 404}, nil, 1},
		{"override: idempotent", "POST", "/idx/_doc", `{"a":1}`, outcome{status: 503, written: true},
			func(ctx context.Context) context.Context { return rt.WithIdempotent(ctx, true) }, 2},
		{"override: not idempotent", "GET", "/idx/_search", "", outcome{status: 503, written: true},
			func(ctx context.Context) context.Context { return rt.WithIdempotent(ctx, false) }, 1},
		{"override: not idempotent, refused still retried", "GET", "/idx/_search", "", outcome{err: refused},
			func(ctx context.Context) context.Context { return rt.WithIdempotent(ctx, false) }, 2},
		{"override: max retries 0", "GET", "/", "", outcome{status: 503},
			func(ctx context.Context) context.Context { return rt.WithMaxRetries(ctx, 0) }, 1},
		{"certificate error never retried", "GET", "/", "", outcome{err: &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}}, nil, 1},
		{"fingerprint mismatch never retried", "GET", "/", "", outcome{err: fmt.Errorf("tls: %w", rt.ErrFingerprintMismatch)}, nil, 1},
		{"unknown authority never retried", "GET", "/", "", outcome{err: x509.UnknownAuthorityError{}}, nil, 1},
		{"open breaker: auto-id index retried", "POST", "/idx/_doc", `{"a":1}`, outcome{err: fmt.Errorf("node x: %w", rt.ErrBreakerOpen)}, nil, 2},
		{"local error never retried", "GET", "/idx/_search", "", outcome{err: &rt.LocalError{Err: errNoCredentials}}, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := &script{outcomes: []outcome{tt.first, {status: 200}}}
			ctx := context.Background()
			if tt.ctx != nil {
				ctx = tt.ctx(ctx)
			}
			var body io.Reader
			if tt.body != "" {
				body = io.NopCloser(strings.NewReader(tt.body)) // no GetBody: the middleware buffers it
			}
			res, err := do(t, mustRetry(t, RetryConfig{Backoff: noWait})(base), tt.method, tt.path, body, ctx)
			if res != nil {
				res.Body.Close()
			}
			if base.count() != tt.wantAttempts {
				t.Fatalf("%d attempts, want %d (err %v)", base.count(), tt.wantAttempts, err)
			}
			if tt.wantAttempts == 1 && tt.first.err != nil && !errors.Is(err, tt.first.err) && !errors.Is(err, rt.ErrFingerprintMismatch) {
				t.Errorf("error %v, want the attempt's error", err)
			}
		})
	}
}

func TestRetryReplaysIdenticalBody(t *testing.T) {
	body := []byte(`{"query":{"term":{"user":"kimchy"}},"size":3}`)
	for _, replayable := range []bool{true, false} {
		t.Run(fmt.Sprintf("GetBody=%v", replayable), func(t *testing.T) {
			base := &script{outcomes: []outcome{{status: 502}, {err: reset, written: true}, {status: 504}, {status: 200}}}
			var r io.Reader = bytes.NewReader(body)
			if !replayable {
				r = io.NopCloser(r)
			}
			res, err := do(t, mustRetry(t, RetryConfig{Backoff: noWait})(base), "POST", "/idx/_search", r, nil)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if len(base.bodies) != 4 {
				t.Fatalf("%d attempts, want 4", len(base.bodies))
			}
			for i, h := range base.bodies {
				if h != sha256.Sum256(body) {
					t.Errorf("attempt %d sent a different body", i+1)
				}
			}
		})
	}
}

func TestRetryNeverRetriesUnreplayableBody(t *testing.T) {
	base := &script{outcomes: []outcome{{status: 503}, {status: 200}}}
	big := strings.Repeat("x", 2048)
	res, err := do(t, mustRetry(t, RetryConfig{Backoff: noWait, MaxBufferedBody: 1024})(base),
		"POST", "/idx/_search", io.NopCloser(strings.NewReader(big)), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if base.count() != 1 || res.StatusCode != 503 {
		t.Fatalf("%d attempts ending in %d; a body over the buffer limit is sent once", base.count(), res.StatusCode)
	}
	if base.bodies[0] != sha256.Sum256([]byte(big)) {
		t.Error("the streamed body arrived incomplete")
	}
}

func TestRetryErrorListsEveryAttempt(t *testing.T) {
	base := &script{outcomes: []outcome{{err: refused}, {status: 503}, {err: reset}}}
	_, err := do(t, mustRetry(t, RetryConfig{MaxRetries: 2, Backoff: noWait})(base), "GET", "/", nil, nil)
	var re *rt.RetryError
	if !errors.As(err, &re) || len(re.Attempts) != 3 {
		t.Fatalf("error %v, want a RetryError with 3 attempts", err)
	}
	if !errors.Is(re.Attempts[0], syscall.ECONNREFUSED) || !strings.Contains(re.Attempts[1].Error(), "503") ||
		!errors.Is(re.Attempts[2], syscall.ECONNRESET) {
		t.Errorf("attempts out of order: %v", re.Attempts)
	}
	if !errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) {
		t.Error("RetryError must wrap the last attempt's error only")
	}
	for i, a := range re.Attempts {
		var ae *rt.AttemptError
		if !errors.As(a, &ae) || ae.Attempt != i+1 {
			t.Errorf("attempt %d: %v is not an AttemptError numbered %d", i, a, i+1)
		}
	}
}

func TestRetryBackoffTiming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base := &script{outcomes: []outcome{{status: 503}}}
		var asked []int
		backoff := func(n int) time.Duration { asked = append(asked, n); return time.Duration(n) * time.Second }
		start := time.Now()
		res, err := do(t, mustRetry(t, RetryConfig{Backoff: backoff})(base), "GET", "/", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		// 1+2+3 s between four attempts, and no wait after the last.
		if got := time.Since(start); got != 6*time.Second {
			t.Errorf("took %v, want 6s", got)
		}
		if fmt.Sprint(asked) != "[1 2 3]" {
			t.Errorf("backoff asked for %v, want [1 2 3]", asked)
		}
	})
}

// An attempt a breaker refused was never sent: its retry does not wait.
func TestRetryAfterBreakerRefusalDoesNotWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base := &script{outcomes: []outcome{{err: fmt.Errorf("node x: %w", rt.ErrBreakerOpen)}, {status: 503}, {status: 200}}}
		start := time.Now()
		res, err := do(t, mustRetry(t, RetryConfig{Backoff: func(int) time.Duration { return time.Second }})(base), "GET", "/", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := time.Since(start); base.count() != 3 || got != time.Second {
			t.Fatalf("%d attempts in %v; want 3, with a wait after the 503 only", base.count(), got)
		}
	})
}

func TestRetryDefaultBackoffIsJitteredExponential(t *testing.T) {
	tr := mustRetry(t, RetryConfig{MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second})(nil).(*retryTransport)
	for n, ceiling := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 6: time.Second} {
		var lo, hi time.Duration = time.Hour, 0
		for range 2000 {
			d := tr.delay(n, nil, refused)
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo < 0 || hi > ceiling || hi < ceiling*8/10 || lo > ceiling/10 {
			t.Errorf("retry %d: delays in [%v, %v], want full jitter over [0, %v]", n, lo, hi, ceiling)
		}
	}
	// Status retries wait too: a 503 without Retry-After is jittered the same way.
	res := &http.Response{StatusCode: 503, Header: http.Header{}}
	if d := tr.delay(3, res, nil); d > 400*time.Millisecond {
		t.Errorf("503 delay %v over the ceiling", d)
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter string
		deadline   time.Duration // 0: none
		wantTook   time.Duration
		wantCalls  int
	}{
		{"honoured", "2", 0, 2 * time.Second, 2},
		{"capped at MaxRetryAfter", "3600", 0, 30 * time.Second, 2},
		{"never past the deadline", "3600", 2 * time.Second, 0, 1},
		{"fits before the deadline", "1", 2 * time.Second, time.Second, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				base := &script{outcomes: []outcome{{status: 429, header: http.Header{"Retry-After": {tt.retryAfter}}}, {status: 200}}}
				ctx := context.Background()
				if tt.deadline > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.deadline)
					defer cancel()
				}
				start := time.Now()
				res, err := do(t, mustRetry(t, RetryConfig{Backoff: noWait})(base), "POST", "/_bulk", strings.NewReader("{\"index\":{}}\n{}\n"), ctx)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if took := time.Since(start); took != tt.wantTook {
					t.Errorf("took %v, want %v", took, tt.wantTook)
				}
				if base.count() != tt.wantCalls {
					t.Errorf("%d attempts, want %d", base.count(), tt.wantCalls)
				}
			})
		})
	}
}

func TestRetryStopsOnCallerCancel(t *testing.T) {
	t.Run("during the wait", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			base := &script{outcomes: []outcome{{status: 503}}}
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(500*time.Millisecond, cancel)
			start := time.Now()
			_, err := do(t, mustRetry(t, RetryConfig{Backoff: func(int) time.Duration { return time.Minute }})(base), "GET", "/", nil, ctx)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("error %v, want context.Canceled", err)
			}
			if took := time.Since(start); took != 500*time.Millisecond {
				t.Errorf("returned after %v, want at the cancel (500ms)", took)
			}
			if base.count() != 1 {
				t.Errorf("%d attempts after cancel", base.count())
			}
		})
	})
	t.Run("during an attempt", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		base := rt.Func(func(req *http.Request) (*http.Response, error) {
			cancel()
			return nil, req.Context().Err()
		})
		var calls atomic.Int32
		counting := rt.Func(func(req *http.Request) (*http.Response, error) { calls.Add(1); return base(req) })
		_, err := do(t, mustRetry(t, RetryConfig{Backoff: noWait})(counting), "GET", "/", nil, ctx)
		if !errors.Is(err, context.Canceled) || calls.Load() != 1 {
			t.Fatalf("err %v after %d attempts; a cancelled request makes one attempt", err, calls.Load())
		}
	})
}

// nodeBody is a response body that reports the node that answered, as the
// routing middleware's bodies do.
type nodeBody struct {
	io.Reader
	node *rt.Node
}

func (b nodeBody) Close() error   { return nil }
func (b nodeBody) Node() *rt.Node { return b.node }

func TestRetryHooksAndAttempts(t *testing.T) {
	var infos []rt.RetryInfo
	hooks := &rt.Hooks{OnRetry: func(i rt.RetryInfo) { infos = append(infos, i) }}
	nodes := []*rt.Node{{ID: "a"}, {ID: "b"}, {ID: "c"}}
	var seen []string
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		rec := routing.AttemptsFrom(req.Context())
		n := 1
		if rec == nil {
			seen = append(seen, "no record")
		} else {
			var tried []*rt.Node
			n, tried = rec.Begin()
			rec.SetNode(n, nodes[n-1])
			seen = append(seen, fmt.Sprintf("attempt %d avoids %d", n, len(tried)))
			if tried[0] != nodes[0] {
				t.Errorf("the record does not start with the first attempt's node: %v", tried)
			}
		}
		status := 502
		if n == 3 {
			status = 200
		}
		return &http.Response{StatusCode: status, Body: nodeBody{strings.NewReader("x"), nodes[n-1]}, Header: http.Header{}}, nil
	})
	res, err := do(t, mustRetry(t, RetryConfig{Backoff: func(int) time.Duration { return 0 }})(base), "GET", "/", nil, rt.WithHooks(context.Background(), hooks))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := fmt.Sprint(seen); got != "[no record attempt 2 avoids 1 attempt 3 avoids 2]" {
		t.Errorf("the router saw %s", got)
	}
	if len(infos) != 2 || infos[0].Attempt != 2 || infos[1].Attempt != 3 || infos[0].StatusCode != 502 {
		t.Errorf("retry hooks %+v", infos)
	}
}

// The router's *rt.AttemptError for a first attempt sent without a record
// seeds the record, and the retry error does not name the attempt twice.
func TestRetryLearnsFirstNodeFromAttemptError(t *testing.T) {
	first := &rt.Node{ID: "first"}
	calls := 0
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		calls++
		if rec := routing.AttemptsFrom(req.Context()); rec == nil {
			return nil, &rt.AttemptError{Attempt: 1, Node: first, Err: refused}
		} else if n, tried := rec.Begin(); len(tried) != 1 || tried[0] != first {
			t.Errorf("attempt %d avoids %v, want the first attempt's node", n, tried)
		}
		return nil, reset
	})
	_, err := do(t, mustRetry(t, RetryConfig{MaxRetries: 1, Backoff: noWait})(base), "GET", "/", nil, nil)
	var re *rt.RetryError
	if !errors.As(err, &re) || len(re.Attempts) != 2 {
		t.Fatalf("error %v", err)
	}
	var ae *rt.AttemptError
	if !errors.As(re.Attempts[0], &ae) || ae.Node != first || strings.Count(re.Attempts[0].Error(), "attempt 1") != 1 {
		t.Fatalf("first attempt's error %q", re.Attempts[0])
	}
}

// okTransport answers 200 with a response allocated per call.
type okTransport struct{}

func (okTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
}

// roundTripOpaque calls tr through the interface, where the compiler can
// neither inline nor devirtualize, so that both measurements below pay for
// the response escaping alike.
//
//go:noinline
func roundTripOpaque(tr http.RoundTripper, req *http.Request) {
	res, _ := tr.RoundTrip(req)
	sink = res
}

var sink *http.Response

func TestRetryHappyPathAllocatesNothing(t *testing.T) {
	var base http.RoundTripper = okTransport{}
	tr := mustRetry(t, RetryConfig{})(base)
	req, _ := http.NewRequest("GET", "http://es/idx/_search", nil)
	want := testing.AllocsPerRun(100, func() { roundTripOpaque(base, req) })
	got := testing.AllocsPerRun(100, func() { roundTripOpaque(tr, req) })
	if got != want {
		t.Fatalf("a request that needs no retry allocates %v times through Retry, %v without", got, want)
	}
}

func TestRetryBudgetBoundsLoad(t *testing.T) {
	clock := newFakeClock()
	budget, err := NewBudget(BudgetConfig{Ratio: 0.2, MinPerSecond: 1, Window: 10 * time.Second, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	base := &script{outcomes: []outcome{{status: 503}}}
	tr := mustRetry(t, RetryConfig{Backoff: noWait, Budget: budget})(base)
	const perSecond, seconds = 100, 30
	for range seconds {
		for range perSecond {
			res, err := do(t, tr, "GET", "/", nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
		}
		clock.Add(time.Second)
	}
	requests := perSecond * seconds
	limit := int(1.2*float64(requests)) + 1*seconds // the floor: 1 a second
	if got := base.count(); got > limit {
		t.Fatalf("%d attempts for %d requests against an all-503 cluster, want at most %d", got, requests, limit)
	}
	if got := base.count(); got < requests*11/10 {
		t.Fatalf("only %d attempts: the budget should still allow about 20%% retries", got)
	}
}

func TestRetryConfigErrors(t *testing.T) {
	for _, cfg := range []RetryConfig{
		{MaxRetries: -1}, {RetryOnStatus: []int{42}}, {MinBackoff: -1}, {MaxBackoff: -1}, {MaxRetryAfter: -1},
	} {
		if _, err := Retry(cfg); !errors.Is(err, rt.ErrInvalidConfig) {
			t.Errorf("Retry(%+v) error = %v, want ErrInvalidConfig", cfg, err)
		}
	}
}

func TestRetryCustomStatuses(t *testing.T) {
	base := &script{outcomes: []outcome{{status: 500}, {status: 200}}}
	res, err := do(t, mustRetry(t, RetryConfig{RetryOnStatus: []int{500}, Backoff: noWait})(base), "GET", "/", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if base.count() != 2 || res.StatusCode != 200 {
		t.Fatalf("%d attempts, status %d", base.count(), res.StatusCode)
	}
}

// BenchmarkRetryHappyPath is the cost of the retry middleware on a request
// that needs no retry.
func BenchmarkRetryHappyPath(b *testing.B) {
	ok := rt.Func(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
	})
	for _, bc := range []struct {
		name string
		mw   rt.Middleware
	}{{"none", nil}, {"retry", mustRetry(b, RetryConfig{})}} {
		b.Run(bc.name, func(b *testing.B) {
			tr := rt.Chain(ok, bc.mw)
			req, _ := http.NewRequest("GET", "http://es/idx/_search", nil)
			b.ReportAllocs()
			for b.Loop() {
				res, err := tr.RoundTrip(req)
				if err != nil {
					b.Fatal(err)
				}
				res.Body.Close()
			}
		})
	}
}

func TestRetryConfigHooks(t *testing.T) {
	var order []string
	cfgHooks := &rt.Hooks{OnRetry: func(rt.RetryInfo) { order = append(order, "config") }}
	ctxHooks := &rt.Hooks{OnRetry: func(rt.RetryInfo) { order = append(order, "context") }}
	base := &script{outcomes: []outcome{{status: 503}, {status: 200}}}
	res, err := do(t, mustRetry(t, RetryConfig{Backoff: noWait, Hooks: cfgHooks})(base), "GET", "/", nil, rt.WithHooks(context.Background(), ctxHooks))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if fmt.Sprint(order) != "[config context]" {
		t.Fatalf("hooks ran %v, want [config context]", order)
	}
}

// When a middleware below adds more than one entry per attempt to the
// attempt record (hedging does), each attempt's error still names the node
// its first entry went to.
func TestRetryErrorNodesWithExtraEntries(t *testing.T) {
	a, b, c, d := &rt.Node{ID: "a"}, &rt.Node{ID: "b"}, &rt.Node{ID: "c"}, &rt.Node{ID: "d"}
	calls := 0
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		rec := routing.AttemptsFrom(req.Context())
		calls++
		switch calls {
		case 1: // no record yet: the router names the node in its error
			return nil, &rt.AttemptError{Attempt: 1, Node: a, Err: refused}
		case 2: // a hedged attempt: two entries
			n, _ := rec.Begin()
			rec.SetNode(n, b)
			n, _ = rec.Begin()
			rec.SetNode(n, c)
		default:
			n, _ := rec.Begin()
			rec.SetNode(n, d)
		}
		return nil, refused
	})
	_, err := do(t, mustRetry(t, RetryConfig{MaxRetries: 2, Backoff: noWait})(base), "GET", "/", nil, nil)
	var re *rt.RetryError
	if !errors.As(err, &re) || len(re.Attempts) != 3 {
		t.Fatalf("error %v", err)
	}
	var got []*rt.Node
	for _, e := range re.Attempts {
		var ae *rt.AttemptError
		errors.As(e, &ae)
		got = append(got, ae.Node)
	}
	if got[0] != a || got[1] != b || got[2] != d {
		t.Fatalf("attempts name nodes %v, want a, b and d", got)
	}
}

// An attempt that never reached a server put no load on the cluster: its
// retry draws nothing from the budget, even an empty one. Retries of
// attempts that did reach one still need the budget.
func TestRetryBudgetSparesUnsentAttempts(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	read := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	for _, tc := range []struct {
		name, method, path string
		outcomes           []outcome
		attempts, status   int
	}{
		{"dial refused", "GET", "/idx/_search", []outcome{{err: dial}, {err: dial}, {status: 200}}, 3, 200},
		{"no node", "GET", "/idx/_search", []outcome{{err: rt.ErrNoNode}, {status: 200}}, 2, 200},
		{"not written", "POST", "/idx/_doc", []outcome{{err: reset}, {status: 201}}, 2, 201},
		{"written", "POST", "/idx/_doc", []outcome{{err: reset, written: true}, {status: 201}}, 1, 0},
		{"reset after sending", "GET", "/idx/_search", []outcome{{err: read}, {status: 200}}, 1, 0},
		{"503", "GET", "/idx/_search", []outcome{{status: 503}, {status: 200}}, 1, 503},
		{"breaker refused", "GET", "/idx/_search", []outcome{{err: rt.ErrBreakerOpen}, {status: 200}}, 2, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			empty, err := NewBudget(BudgetConfig{Ratio: 1e-9, MinPerSecond: -1})
			if err != nil {
				t.Fatal(err)
			}
			base := &script{outcomes: tc.outcomes}
			res, err := do(t, mustRetry(t, RetryConfig{Backoff: noWait, Budget: empty})(base), tc.method, tc.path, nil, nil)
			status := 0
			if err == nil {
				status = res.StatusCode
				res.Body.Close()
			}
			if base.count() != tc.attempts || status != tc.status {
				t.Fatalf("%d attempts, status %d, error %v; want %d attempts, status %d", base.count(), status, err, tc.attempts, tc.status)
			}
		})
	}
}

// An attempt that failed in the client before it was sent (*rt.LocalError)
// is never retried, whatever the operation and whatever the error wraps:
// the next attempt would fail the same way. It draws nothing from the
// budget, and the error returned lets errors.As find it.
func TestRetryNeverRetriesLocalErrors(t *testing.T) {
	local := &rt.LocalError{Err: errNoCredentials}
	const floor = 10 // the budget's retries: 1 a second over 10 s
	tests := []struct {
		name, method, path string
		outcomes           []outcome
		wantAttempts       int
		wantCharged        int // retries drawn from the budget
	}{
		{"search", "GET", "/idx/_search", []outcome{{err: local}, {status: 200}}, 1, 0},
		{"auto-id index", "POST", "/idx/_doc", []outcome{{err: local}, {status: 201}}, 1, 0},
		{"wrapped, wrapping a deadline", "GET", "/idx/_search", []outcome{
			{err: fmt.Errorf("sigv4: %w", &rt.LocalError{Err: context.DeadlineExceeded})}, {status: 200},
		}, 1, 0},
		{"after a 503", "GET", "/idx/_search", []outcome{{status: 503}, {err: local}, {status: 200}}, 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			budget, err := NewBudget(BudgetConfig{Ratio: 1e-9, MinPerSecond: 1, Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			base := &script{outcomes: tt.outcomes}
			var body io.Reader
			if tt.method == "POST" {
				body = strings.NewReader(`{"a":1}`)
			}
			res, err := do(t, mustRetry(t, RetryConfig{Backoff: noWait, Budget: budget})(base), tt.method, tt.path, body, nil)
			if err == nil {
				res.Body.Close()
			}
			if got := base.count(); got != tt.wantAttempts {
				t.Errorf("%d attempts, want %d", got, tt.wantAttempts)
			}
			var le *rt.LocalError
			if !errors.As(err, &le) {
				t.Errorf("error %v: errors.As finds no *rt.LocalError", err)
			}
			if charged := floor - withdrawN(budget, 2*floor); charged != tt.wantCharged {
				t.Errorf("%d retries drawn from the budget, want %d", charged, tt.wantCharged)
			}
		})
	}
}

func TestRetryUnsent(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	read := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	local := &rt.LocalError{Err: errNoCredentials}
	written, notWritten := new(atomic.Bool), new(atomic.Bool)
	written.Store(true)
	tests := []struct {
		name  string
		err   error
		wrote *atomic.Bool
		want  bool
	}{
		{"no error", nil, nil, false},
		{"dial refused", dial, nil, true},
		{"reset", read, nil, false},
		{"no node", rt.ErrNoNode, nil, true},
		{"breaker refused", fmt.Errorf("node x: %w", rt.ErrBreakerOpen), nil, true},
		{"not written", read, notWritten, true},
		{"written", read, written, false},
		{"local error", local, nil, true},
		{"wrapped local error", &rt.AttemptError{Attempt: 1, Err: local}, nil, true},
		{"local error, not written", local, notWritten, true},
	}
	for _, tt := range tests {
		if got := unsent(tt.err, tt.wrote); got != tt.want {
			t.Errorf("%s: unsent = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// Whenever the retry middleware ends a request with an error, the error is
// an *rt.RetryError that says why no further attempt was made, names the
// request without its query string and each node without credentials, and
// still lets errors.Is and errors.As reach the last cause.
func TestRetryErrorSaysWhy(t *testing.T) {
	node := &rt.Node{URL: &url.URL{Scheme: "http", Host: "10.0.0.1:9200", User: url.UserPassword("elastic", "hunter2")}}
	routed := func(err error) error { return &rt.AttemptError{Attempt: 1, Node: node, Err: err} }
	resetErr := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	certErr := &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}
	local := &rt.LocalError{Err: errNoCredentials}
	tests := []struct {
		name         string
		cfg          RetryConfig
		method, path string
		body         io.Reader
		ctx          func() (context.Context, context.CancelFunc)
		outcomes     []outcome
		wantReason   rt.StopReason
		wantAttempts int
		wantCause    error
		wantMessage  string // "" to skip
	}{
		{name: "write that may have been applied", method: "POST", path: "/logs/_doc?refresh=true&api_key=c2VjcmV0",
			body:     strings.NewReader(`{"m":1}`),
			outcomes: []outcome{{err: routed(syscall.ECONNRESET), written: true}}, wantReason: rt.StopMayHaveBeenApplied, wantAttempts: 1,
			wantCause:   syscall.ECONNRESET,
			wantMessage: "esrt: POST /logs/_doc: not retried: may have been applied: attempt 1 to http://elastic:xxxxx@10.0.0.1:9200: connection reset by peer"},
		{name: "exhausted", method: "GET", path: "/_search", outcomes: []outcome{{err: dial}},
			wantReason: rt.StopExhausted, wantAttempts: 4, wantCause: syscall.ECONNREFUSED},
		{name: "retries disabled", cfg: RetryConfig{Disable: true}, method: "GET", path: "/_search",
			outcomes: []outcome{{err: routed(dial)}}, wantReason: rt.StopDisabled, wantAttempts: 1, wantCause: syscall.ECONNREFUSED,
			wantMessage: "esrt: GET /_search: not retried: retries disabled: attempt 1 to http://elastic:xxxxx@10.0.0.1:9200: dial tcp: connection refused"},
		{name: "MaxRetries 0 per request", method: "GET", path: "/_search",
			ctx: func() (context.Context, context.CancelFunc) {
				return rt.WithMaxRetries(context.Background(), 0), func() {}
			},
			outcomes: []outcome{{err: resetErr}}, wantReason: rt.StopDisabled, wantAttempts: 1, wantCause: syscall.ECONNRESET},
		{name: "certificate error", method: "GET", path: "/", outcomes: []outcome{{err: certErr}},
			wantReason: rt.StopPermanent, wantAttempts: 1, wantCause: certErr},
		{name: "local error", method: "GET", path: "/", outcomes: []outcome{{err: local}},
			wantReason: rt.StopPermanent, wantAttempts: 1, wantCause: errNoCredentials},
		{name: "permanent after a retry", method: "GET", path: "/", outcomes: []outcome{{status: 503}, {err: local}},
			wantReason: rt.StopPermanent, wantAttempts: 2, wantCause: errNoCredentials,
			wantMessage: "esrt: GET /: 2 attempts failed, not retried: permanent error: attempt 1: status 503 Service Unavailable; attempt 2: esrt: attempt not sent: sign: no credentials"},
		{name: "empty budget", cfg: RetryConfig{Budget: emptyBudget(t)}, method: "GET", path: "/_search",
			outcomes: []outcome{{err: resetErr}}, wantReason: rt.StopBudget, wantAttempts: 1, wantCause: syscall.ECONNRESET},
		{name: "deadline too close", cfg: RetryConfig{Backoff: func(int) time.Duration { return time.Hour }}, method: "GET", path: "/_search",
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), time.Minute)
			},
			outcomes: []outcome{{err: resetErr}}, wantReason: rt.StopDeadline, wantAttempts: 1, wantCause: syscall.ECONNRESET},
		{name: "body not replayable", cfg: RetryConfig{MaxBufferedBody: 4}, method: "POST", path: "/_search",
			body:     io.NopCloser(strings.NewReader(`{"query":{"match_all":{}}}`)),
			outcomes: []outcome{{err: resetErr, written: true}}, wantReason: rt.StopBodyNotReplayable, wantAttempts: 1, wantCause: syscall.ECONNRESET},
		{name: "caller cancelled", method: "GET", path: "/_search",
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx, func() {}
			},
			outcomes: []outcome{{err: context.Canceled}}, wantReason: rt.StopCanceled, wantAttempts: 1, wantCause: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if tt.ctx != nil {
				ctx, cancel = tt.ctx()
			}
			defer cancel()
			cfg := tt.cfg
			if cfg.Backoff == nil {
				cfg.Backoff = noWait
			}
			base := &script{outcomes: tt.outcomes}
			_, err := do(t, mustRetry(t, cfg)(base), tt.method, tt.path, tt.body, ctx)
			var re *rt.RetryError
			if !errors.As(err, &re) {
				t.Fatalf("error %v (%T), want an *rt.RetryError", err, err)
			}
			if re.Reason != tt.wantReason || len(re.Attempts) != tt.wantAttempts {
				t.Errorf("reason %v after %d attempts, want %v after %d", re.Reason, len(re.Attempts), tt.wantReason, tt.wantAttempts)
			}
			if !errors.Is(err, tt.wantCause) {
				t.Errorf("errors.Is(%v, %v) is false", err, tt.wantCause)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "esrt: "+tt.method+" "+strings.SplitN(tt.path, "?", 2)[0]+": ") {
				t.Errorf("message %q does not name the request", msg)
			}
			if tt.wantMessage != "" && msg != tt.wantMessage {
				t.Errorf("message\n%q\nwant\n%q", msg, tt.wantMessage)
			}
			for _, secret := range []string{"hunter2", "c2VjcmV0", "refresh"} {
				if strings.Contains(msg, secret) {
					t.Errorf("message %q carries %q", msg, secret)
				}
			}
		})
	}
}

// A request whose caller gives up, during an attempt or during the wait for
// a retry, ends with an *rt.RetryError that still matches the caller's own
// error and lists only the attempts made.
func TestRetryErrorWhenCallerGivesUp(t *testing.T) {
	for _, tt := range []struct {
		name   string
		after  time.Duration // when the caller's context ends
		cancel bool          // cancelled, rather than past its deadline
		reason rt.StopReason
		want   error
		made   int
	}{
		{"cancel during the wait", 500 * time.Millisecond, true, rt.StopCanceled, context.Canceled, 1},
		{"cancel during an attempt", 1500 * time.Millisecond, true, rt.StopCanceled, context.Canceled, 2},
		{"deadline during an attempt", 1500 * time.Millisecond, false, rt.StopDeadlineExceeded, context.DeadlineExceeded, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var ctx context.Context
				var cancel context.CancelFunc
				if tt.cancel {
					ctx, cancel = context.WithCancel(context.Background())
					time.AfterFunc(tt.after, cancel)
				} else {
					ctx, cancel = context.WithTimeout(context.Background(), tt.after)
				}
				defer cancel()
				var calls atomic.Int32
				base := rt.Func(func(req *http.Request) (*http.Response, error) {
					if calls.Add(1) == 1 {
						return &http.Response{StatusCode: 503, Header: http.Header{}, Body: http.NoBody}, nil
					}
					<-req.Context().Done() // a node that does not answer
					return nil, req.Context().Err()
				})
				start := time.Now()
				_, err := do(t, mustRetry(t, RetryConfig{Backoff: func(int) time.Duration { return time.Second }})(base), "GET", "/_search", nil, ctx)
				var re *rt.RetryError
				if !errors.As(err, &re) || re.Reason != tt.reason || !errors.Is(err, tt.want) {
					t.Fatalf("error %v, want an *rt.RetryError with reason %v matching %v", err, tt.reason, tt.want)
				}
				if len(re.Attempts) != tt.made || int(calls.Load()) != tt.made {
					t.Errorf("%d attempts in the error, %d made; want %d", len(re.Attempts), calls.Load(), tt.made)
				}
				if took := time.Since(start); took != tt.after {
					t.Errorf("returned after %v, want %v", took, tt.after)
				}
			})
		})
	}
}

func emptyBudget(t testing.TB) *Budget {
	t.Helper()
	b, err := NewBudget(BudgetConfig{Ratio: 1e-9, MinPerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The response of a write sent again after an earlier attempt may have
// reached a server carries rt.RetriedWriteHeader, so that a 409 to a
// create or a 404 to a delete can be told from a real conflict or a
// missing document; reads, and writes whose earlier attempts never reached
// a server or were rejected with 429, are not marked, and a server cannot
// set the header itself.
func TestRetryMarksRetriedWrites(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	forged := http.Header{rt.RetriedWriteHeader: {"1"}}
	tests := []struct {
		name         string
		cfg          RetryConfig
		method, path string
		body         string
		outcomes     []outcome
		want         string // the header's value; "" for none
	}{
		{name: "delete reset after it was sent", method: "DELETE", path: "/idx/_doc/1",
			outcomes: []outcome{{err: reset, written: true}, {status: 404}}, want: "1"},
		{name: "create by PUT answered 503", method: "PUT", path: "/idx/_create/1", body: `{"a":1}`,
			outcomes: []outcome{{status: 503, written: true}, {status: 409}}, want: "1"},
		{name: "create by POST answered 502", method: "POST", path: "/idx/_create/1", body: `{"a":1}`,
			outcomes: []outcome{{status: 502, written: true}, {status: 409}}, want: "1"},
		{name: "op_type=create timed out", method: "PUT", path: "/idx/_doc/1?op_type=create", body: `{"a":1}`,
			outcomes: []outcome{{err: context.DeadlineExceeded, written: true}, {status: 409}}, want: "1"},
		{name: "two earlier attempts", method: "DELETE", path: "/idx/_doc/1",
			outcomes: []outcome{{err: reset, written: true}, {status: 503}, {status: 404}}, want: "2"},
		{name: "success is marked too", method: "PUT", path: "/idx/_doc/1", body: `{"a":1}`,
			outcomes: []outcome{{status: 504, written: true}, {status: 200}}, want: "1"},
		{name: "refused, then 404", method: "DELETE", path: "/idx/_doc/1",
			outcomes: []outcome{{err: dial}, {status: 404}}},
		{name: "reset before it was written, then 409", method: "PUT", path: "/idx/_create/1", body: `{"a":1}`,
			outcomes: []outcome{{err: reset}, {status: 409}}},
		{name: "429, then 404", method: "DELETE", path: "/idx/_doc/1",
			outcomes: []outcome{{status: 429, written: true}, {status: 404}}},
		{name: "breaker refused, then 409", method: "PUT", path: "/idx/_create/1", body: `{"a":1}`,
			outcomes: []outcome{{err: fmt.Errorf("node x: %w", rt.ErrBreakerOpen)}, {status: 409}}},
		{name: "read", method: "GET", path: "/idx/_doc/1",
			outcomes: []outcome{{status: 503, written: true}, {status: 404}}},
		{name: "search", method: "POST", path: "/idx/_search", body: `{}`,
			outcomes: []outcome{{err: reset, written: true}, {status: 200}}},
		{name: "first attempt", method: "DELETE", path: "/idx/_doc/1",
			outcomes: []outcome{{status: 404}}},
		{name: "forged by the server", method: "DELETE", path: "/idx/_doc/1",
			outcomes: []outcome{{status: 404, header: forged}}},
		{name: "forged, retries disabled", cfg: RetryConfig{Disable: true}, method: "DELETE", path: "/idx/_doc/1",
			outcomes: []outcome{{status: 404, header: forged}}},
		{name: "forged on a read after a retry", method: "GET", path: "/idx/_doc/1",
			outcomes: []outcome{{status: 503}, {status: 404, header: forged}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.Backoff = noWait
			base := &script{outcomes: tt.outcomes}
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			res, err := do(t, mustRetry(t, cfg)(base), tt.method, tt.path, body, nil)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if base.count() != len(tt.outcomes) {
				t.Fatalf("%d attempts, want %d", base.count(), len(tt.outcomes))
			}
			if got := res.Header.Get(rt.RetriedWriteHeader); got != tt.want {
				t.Errorf("%s: %q, want %q", rt.RetriedWriteHeader, got, tt.want)
			}
			if rt.RetriedWrite(res.Header) != (tt.want != "") {
				t.Errorf("rt.RetriedWrite = %v", rt.RetriedWrite(res.Header))
			}
		})
	}
}

// RetryOnStatus takes error statuses only: retrying a success or a
// redirect would send a request again after it worked.
func TestRetryOnStatusRefusesNonErrors(t *testing.T) {
	for _, s := range []int{100, 200, 201, 204, 301, 304, 399} {
		_, err := Retry(RetryConfig{RetryOnStatus: []int{503, s}})
		var ce *rt.ConfigError
		if !errors.As(err, &ce) || ce.Field != "RetryOnStatus" || !strings.Contains(err.Error(), strconv.Itoa(s)) {
			t.Errorf("RetryOnStatus with %d: error %v, want an *rt.ConfigError naming RetryOnStatus and %d", s, err, s)
		}
	}
	for _, s := range []int{400, 408, 409, 429, 500, 599} {
		if _, err := Retry(RetryConfig{RetryOnStatus: []int{s}}); err != nil {
			t.Errorf("RetryOnStatus with %d: %v", s, err)
		}
	}
}

// An https:// address of a node that speaks plain http fails the TLS
// handshake with a tls.RecordHeaderError: a configuration error that no
// retry can fix, also when a layer wraps the error to add a hint.
func TestRetryNeverRetriesHTTPSToPlainHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	base := srv.Client().Transport.(*http.Transport).Clone()
	defer base.CloseIdleConnections()
	for _, wrap := range []bool{false, true} {
		t.Run(fmt.Sprintf("wrapped=%v", wrap), func(t *testing.T) {
			var calls atomic.Int32
			counting := rt.Func(func(req *http.Request) (*http.Response, error) {
				calls.Add(1)
				res, err := base.RoundTrip(req)
				if err != nil && wrap {
					err = fmt.Errorf("esrt: the node may speak plain http: %w", err)
				}
				return res, err
			})
			req, _ := http.NewRequest("GET", "https://"+srv.Listener.Addr().String()+"/", nil)
			_, err := mustRetry(t, RetryConfig{Backoff: noWait})(counting).RoundTrip(req)
			var record tls.RecordHeaderError
			if !errors.As(err, &record) {
				t.Fatalf("error %v, want a tls.RecordHeaderError", err)
			}
			var re *rt.RetryError
			if !errors.As(err, &re) || re.Reason != rt.StopPermanent {
				t.Errorf("error %v, want an *rt.RetryError with reason %v", err, rt.StopPermanent)
			}
			if n := calls.Load(); n != 1 {
				t.Errorf("%d attempts, want 1", n)
			}
		})
	}
}

// firstByHost is a selector that always chooses the candidate with the
// smallest host, so that tests know where each attempt goes.
var firstByHost = selector.SelectorFunc(func(cands []selector.Candidate) int {
	best := 0
	for i, c := range cands {
		if c.Node.URL.Host < cands[best].Node.URL.Host {
			best = i
		}
	}
	return best
})

// A retry after an attempt that never reached a server (its connection
// was refused) goes at once to a node the request has not tried: it does
// not wait a backoff meant for a node or a cluster that is failing. A
// retry that has to go back to a node already tried — the only node, every
// node tried, a pinned request — still waits, and so does one whose
// attempt reached its node.
func TestRetryAfterUnsentFailure(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	read := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	tests := []struct {
		name      string
		hosts     []string
		fail      map[string]int // failures of each host before it answers
		err       error
		pin       bool
		noCount   bool
		wantHosts string
		wantWait  time.Duration
	}{
		{name: "to another node", hosts: []string{"a", "b", "c"}, fail: map[string]int{"a": 1}, err: dial,
			wantHosts: "[a b]", wantWait: 0},
		{name: "two refused, then a third node", hosts: []string{"a", "b", "c"}, fail: map[string]int{"a": 1, "b": 1}, err: dial,
			wantHosts: "[a b c]", wantWait: 0},
		{name: "the only node", hosts: []string{"a"}, fail: map[string]int{"a": 1}, err: dial,
			wantHosts: "[a a]", wantWait: time.Second},
		{name: "every node tried", hosts: []string{"a", "b"}, fail: map[string]int{"a": 1, "b": 1}, err: dial,
			wantHosts: "[a b *]", wantWait: time.Second}, // the dead node due first: jittered
		{name: "pinned", hosts: []string{"a", "b", "c"}, fail: map[string]int{"a": 1}, err: dial, pin: true,
			wantHosts: "[a a]", wantWait: time.Second},
		{name: "no node count", hosts: []string{"a", "b", "c"}, fail: map[string]int{"a": 1}, err: dial, noCount: true,
			wantHosts: "[a b]", wantWait: time.Second},
		{name: "reset after it was sent", hosts: []string{"a", "b", "c"}, fail: map[string]int{"a": 1}, err: read,
			wantHosts: "[a b]", wantWait: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var seeds []*rt.Node
				for _, h := range tt.hosts {
					seeds = append(seeds, &rt.Node{URL: &url.URL{Scheme: "http", Host: h}})
				}
				pool, err := selector.NewPool(selector.PoolConfig{Seeds: seeds, Selector: firstByHost})
				if err != nil {
					t.Fatal(err)
				}
				var mu sync.Mutex
				var hosts []string
				base := rt.Func(func(req *http.Request) (*http.Response, error) {
					mu.Lock()
					defer mu.Unlock()
					hosts = append(hosts, req.URL.Host)
					if tt.fail[req.URL.Host] > 0 {
						tt.fail[req.URL.Host]--
						return nil, tt.err
					}
					return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
				})
				cfg := RetryConfig{Backoff: func(int) time.Duration { return time.Second }, NodeCount: func() int { return len(pool.Status()) }}
				if tt.noCount {
					cfg.NodeCount = nil
				}
				ctx := context.Background()
				if tt.pin {
					ctx = rt.WithNode(ctx, seeds[0])
				}
				tr := rt.Chain(base, mustRetry(t, cfg), selector.Middleware(pool))
				start := time.Now()
				res, err := do(t, tr, "GET", "/_search", nil, ctx)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				got := fmt.Sprint(hosts)
				if len(hosts) == 3 && strings.HasSuffix(tt.wantHosts, " *]") {
					got = fmt.Sprint(append(hosts[:2:2], "*"))
				}
				if got != tt.wantHosts {
					t.Errorf("attempts went to %v, want %s", hosts, tt.wantHosts)
				}
				if took := time.Since(start); took != tt.wantWait {
					t.Errorf("took %v, want %v", took, tt.wantWait)
				}
			})
		})
	}
}

// A body whose GetBody fails cannot be sent again: the request stops with
// StopBodyNotReplayable, and the error reaches GetBody's cause.
func TestRetryErrorWhenGetBodyFails(t *testing.T) {
	errGone := errors.New("spool file gone")
	base := &script{outcomes: []outcome{{err: reset, written: true}, {status: 200}}}
	req, _ := http.NewRequest("POST", "http://es/idx/_search", strings.NewReader(`{}`))
	req.GetBody = func() (io.ReadCloser, error) { return nil, errGone }
	_, err := mustRetry(t, RetryConfig{Backoff: noWait})(base).RoundTrip(req)
	var re *rt.RetryError
	if !errors.As(err, &re) || re.Reason != rt.StopBodyNotReplayable || !errors.Is(err, errGone) || base.count() != 1 {
		t.Fatalf("error %v after %d attempts, want an *rt.RetryError (body not replayable) wrapping GetBody's error", err, base.count())
	}
}
