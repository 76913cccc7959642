package middleware

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/rt/rttest"
	"github.com/esrt-dev/esrt/selector"
)

// deadlineBase stands in for net/http's Transport where contexts matter: it
// answers after latency unless the request's context ends first, in which
// case it returns context.Cause, as net/http does; and its response body
// delivers chunks, each after chunkEvery, failing with context.Cause once
// the context is done. It records the context of every request.
type deadlineBase struct {
	latency    time.Duration // before the response; hang if negative
	err        error         // answer with this error instead of a response
	chunks     int           // chunks of the body; 0: http.NoBody
	chunkEvery time.Duration

	mu   sync.Mutex
	ctxs []context.Context
	at   []time.Duration // when each request arrived, since start
	t0   time.Time
}

func (b *deadlineBase) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	ctx := req.Context()
	b.mu.Lock()
	if b.t0.IsZero() {
		b.t0 = time.Now()
	}
	b.ctxs = append(b.ctxs, ctx)
	b.at = append(b.at, time.Since(b.t0))
	b.mu.Unlock()
	var wait <-chan time.Time
	if b.latency >= 0 {
		timer := time.NewTimer(b.latency)
		defer timer.Stop()
		wait = timer.C
	}
	select {
	case <-wait:
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
	if b.err != nil {
		return nil, b.err
	}
	res := &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody, Request: req}
	if b.chunks > 0 {
		res.Body = &deadlineChunks{ctx: ctx, left: b.chunks, every: b.chunkEvery}
	}
	return res, nil
}

func (b *deadlineBase) ctx(i int) context.Context {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ctxs[i]
}

func (b *deadlineBase) arrivals() []time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]time.Duration(nil), b.at...)
}

// deadlineChunks is a response body that yields "chunk\n" every so often
// while its request's context lives.
type deadlineChunks struct {
	ctx    context.Context
	left   int
	every  time.Duration
	closed bool
}

func (c *deadlineChunks) Read(p []byte) (int, error) {
	if c.closed {
		return 0, errors.New("read on closed body")
	}
	if c.left == 0 {
		return 0, io.EOF
	}
	timer := time.NewTimer(c.every)
	defer timer.Stop()
	select {
	case <-timer.C:
		c.left--
		return copy(p, "chunk\n"), nil
	case <-c.ctx.Done():
		return 0, context.Cause(c.ctx)
	}
}

func (c *deadlineChunks) Close() error { c.closed = true; return nil }

func mustDeadline(t testing.TB, kind deadlineKind, d time.Duration) rt.Middleware {
	t.Helper()
	mw, err := deadlineMiddleware(kind, d)
	if err != nil {
		t.Fatal(err)
	}
	return mw
}

func deadlineGet(t testing.TB, ctx context.Context) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://es/idx/_search", nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestDeadlineConfig(t *testing.T) {
	tests := []struct {
		name  string
		build func(time.Duration) (rt.Middleware, error)
		field string
	}{
		{"RequestTimeout", RequestTimeout, "RequestTimeout"},
		{"AttemptTimeout", AttemptTimeout, "AttemptTimeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.build(-time.Second)
			var ce *rt.ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field || !errors.Is(err, rt.ErrInvalidConfig) {
				t.Errorf("negative timeout: err = %v, want a *rt.ConfigError for %s", err, tt.field)
			}
			for _, d := range []time.Duration{0, time.Second} {
				if mw, err := tt.build(d); err != nil || mw == nil {
					t.Errorf("%v: %v", d, err)
				}
			}
		})
	}
}

// TestDeadlineNegativeOverride: a negative per-request timeout is the
// request's own configuration error, an *rt.LocalError wrapping an
// *rt.ConfigError; nothing is sent and the body is closed.
func TestDeadlineNegativeOverride(t *testing.T) {
	tests := []struct {
		name  string
		kind  deadlineKind
		with  func(context.Context, time.Duration) context.Context
		field string
	}{
		{"request", deadlineRequest, rt.WithRequestTimeout, "rt.WithRequestTimeout"},
		{"attempt", deadlineAttempt, rt.WithAttemptTimeout, "rt.WithAttemptTimeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := &deadlineBase{}
			tr := mustDeadline(t, tt.kind, time.Second)(base)
			body := &countingBody{Reader: strings.NewReader("{}")}
			req, _ := http.NewRequestWithContext(tt.with(t.Context(), -time.Millisecond), "POST", "http://es/_search", body)
			res, err := tr.RoundTrip(req)
			var ce *rt.ConfigError
			if res != nil || !errors.As(err, &ce) || ce.Field != tt.field {
				t.Errorf("RoundTrip = %v, %v; want a *rt.ConfigError for %s", res, err, tt.field)
			}
			var le *rt.LocalError
			if !errors.As(err, &le) {
				t.Errorf("error %v is not an *rt.LocalError: a layer above would hold it against a node", err)
			}
			if len(base.arrivals()) != 0 {
				t.Error("request sent despite the invalid timeout")
			}
			if n := body.closes.Load(); n != 1 {
				t.Errorf("request body closed %d times, want 1", n)
			}
		})
	}
}

// A negative per-request attempt timeout through routing and the per-node
// breakers: the request fails with the option's error, nothing is sent, and
// no node is marked down or has its breaker count a failure, however many
// such requests come. Through retry, it is not retried either.
func TestNegativeAttemptTimeoutIsNoNodeFailure(t *testing.T) {
	var nodes []*rt.Node
	for _, h := range []string{"es1:9200", "es2:9200", "es3:9200"} {
		n, err := rt.NewNode("http://" + h)
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, n)
	}
	var changes []string
	hooks := &rt.Hooks{
		OnNodeDown:      func(i rt.NodeInfo) { changes = append(changes, "down "+i.Node.String()) },
		OnBreakerChange: func(i rt.BreakerInfo) { changes = append(changes, "breaker "+i.Node.String()) },
	}
	breakers, err := NewBreakers(BreakerConfig{Failures: 1, Hooks: hooks})
	if err != nil {
		t.Fatal(err)
	}
	pool, err := selector.NewPool(selector.PoolConfig{Seeds: nodes, Exclude: breakers.Open, Hooks: hooks})
	if err != nil {
		t.Fatal(err)
	}
	base := &deadlineBase{}
	attemptTimeout := mustDeadline(t, deadlineAttempt, time.Second)
	tr := rt.Chain(base, mustRetry(t, RetryConfig{Backoff: noWait}), selector.Middleware(pool), breakers.Middleware(), attemptTimeout)
	for i := range 9 {
		req, _ := http.NewRequestWithContext(rt.WithAttemptTimeout(t.Context(), -time.Second), "GET", "http://es/_search", nil)
		_, err := tr.RoundTrip(req)
		var ce *rt.ConfigError
		var re *rt.RetryError
		if !errors.As(err, &ce) || ce.Field != "rt.WithAttemptTimeout" || !errors.As(err, &re) || re.Reason != rt.StopPermanent {
			t.Fatalf("request %d: error %v, want an *rt.RetryError (permanent) wrapping the *rt.ConfigError", i, err)
		}
	}
	if n := len(base.arrivals()); n != 0 {
		t.Errorf("%d attempts sent", n)
	}
	for _, st := range pool.Status() {
		if st.Dead || st.Failures != 0 {
			t.Errorf("node %v: dead %v after %d failures, want healthy", st.Node, st.Dead, st.Failures)
		}
	}
	if len(changes) != 0 {
		t.Errorf("health changes %v, want none", changes)
	}
}

// A negative per-request request timeout does not count as a failure of
// the cluster: the cluster breaker above stays closed however many such
// requests come, and the next request goes through.
func TestNegativeRequestTimeoutIsNoClusterFailure(t *testing.T) {
	cb, err := ClusterBreaker(ClusterBreakerConfig{MinRequests: 5})
	if err != nil {
		t.Fatal(err)
	}
	base := &deadlineBase{}
	tr := rt.Chain(base, cb, mustDeadline(t, deadlineRequest, 0))
	for range 20 {
		req, _ := http.NewRequestWithContext(rt.WithRequestTimeout(t.Context(), -time.Second), "GET", "http://es/", nil)
		if _, err := tr.RoundTrip(req); !errors.Is(err, rt.ErrInvalidConfig) {
			t.Fatalf("error %v, want the option's configuration error", err)
		}
	}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://es/", nil)
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("a valid request after invalid ones: %v", err)
	}
	res.Body.Close()
}

// TestDeadlineTimes checks which timeout applies and when it fires: the
// default, the per-request override (of the right kind only), zero for
// none, and an earlier deadline of the caller's, whose error is left as
// it is.
func TestDeadlineTimes(t *testing.T) {
	const never = -1 // wantErrAt: no error
	tests := []struct {
		name       string
		kind       deadlineKind
		d          time.Duration
		ctx        func(context.Context) (context.Context, context.CancelFunc)
		latency    time.Duration
		wantErrAt  time.Duration
		wantOurErr string // in the message of an error of ours
	}{
		{"request default", deadlineRequest, time.Second, nil, -1, time.Second, "esrt: request timeout of 1s exceeded"},
		{"attempt default", deadlineAttempt, time.Second, nil, -1, time.Second, "esrt: attempt timeout of 1s exceeded"},
		{"request override", deadlineRequest, time.Second, withValue(rt.WithRequestTimeout, 300*time.Millisecond), -1, 300 * time.Millisecond, "request timeout of 300ms"},
		{"attempt override", deadlineAttempt, time.Second, withValue(rt.WithAttemptTimeout, 300*time.Millisecond), -1, 300 * time.Millisecond, "attempt timeout of 300ms"},
		{"request ignores attempt override", deadlineRequest, time.Second, withValue(rt.WithAttemptTimeout, 300*time.Millisecond), -1, time.Second, "request timeout of 1s"},
		{"attempt ignores request override", deadlineAttempt, time.Second, withValue(rt.WithRequestTimeout, 300*time.Millisecond), -1, time.Second, "attempt timeout of 1s"},
		{"override longer than default", deadlineRequest, time.Second, withValue(rt.WithRequestTimeout, 3*time.Second), 2 * time.Second, never, ""},
		{"zero override: none", deadlineRequest, time.Second, withValue(rt.WithRequestTimeout, 0), time.Hour, never, ""},
		{"zero default: none", deadlineAttempt, 0, nil, time.Hour, never, ""},
		{"caller's earlier deadline", deadlineRequest, time.Second, func(ctx context.Context) (context.Context, context.CancelFunc) {
			return context.WithTimeout(ctx, 500*time.Millisecond)
		}, -1, 500 * time.Millisecond, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := t.Context()
				if tt.ctx != nil {
					var cancel context.CancelFunc
					ctx, cancel = tt.ctx(ctx)
					defer cancel()
				}
				base := &deadlineBase{latency: tt.latency}
				tr := mustDeadline(t, tt.kind, tt.d)(base)
				start := time.Now()
				res, err := tr.RoundTrip(deadlineGet(t, ctx))
				elapsed := time.Since(start)
				if tt.wantErrAt == never {
					if err != nil {
						t.Fatalf("err = %v, want a response", err)
					}
					res.Body.Close()
					if _, ok := base.ctx(0).Deadline(); ok && tt.latency == time.Hour {
						t.Error("the attempt's context has a deadline; want none")
					}
					return
				}
				if err == nil {
					res.Body.Close()
					t.Fatal("got a response, want a timeout")
				}
				if elapsed != tt.wantErrAt {
					t.Errorf("error after %v, want %v", elapsed, tt.wantErrAt)
				}
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("err = %v, does not wrap context.DeadlineExceeded", err)
				}
				var de *deadlineError
				if ours := errors.As(err, &de); ours != (tt.wantOurErr != "") {
					t.Errorf("err = %q (%T); want ours: %v", err, err, tt.wantOurErr != "")
				}
				if !strings.Contains(err.Error(), tt.wantOurErr) {
					t.Errorf("err = %q, want it to contain %q", err, tt.wantOurErr)
				}
				if base.ctx(0).Err() == nil {
					t.Error("context left alive after an error")
				}
			})
		})
	}
}

func withValue(with func(context.Context, time.Duration) context.Context, d time.Duration) func(context.Context) (context.Context, context.CancelFunc) {
	return func(ctx context.Context) (context.Context, context.CancelFunc) { return with(ctx, d), func() {} }
}

// TestDeadlineBody checks that the deadline's context outlives RoundTrip
// for as long as the body is read, ends as soon as the body is read to its
// end or closed (stopping the timer), and cuts a body read past the
// deadline with an error that says so. Both kinds share the code; the
// request kind is tested.
func TestDeadlineBody(t *testing.T) {
	tests := []struct {
		name       string
		chunks     int
		every      time.Duration
		closeAfter int // close after reading this many chunks; -1: read to the end
		wantRead   int // chunks read
		wantErr    bool
		wantEnd    time.Duration // when reading ended (timeout: 1s)
	}{
		{"read to the end before the deadline", 3, 200 * time.Millisecond, -1, 3, false, 700 * time.Millisecond},
		{"closed early", 3, 200 * time.Millisecond, 1, 1, false, 300 * time.Millisecond},
		{"body slower than the deadline", 3, 400 * time.Millisecond, -1, 2, true, time.Second},
		{"no body", 0, 0, -1, 0, false, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				base := &deadlineBase{latency: 100 * time.Millisecond, chunks: tt.chunks, chunkEvery: tt.every}
				tr := mustDeadline(t, deadlineRequest, time.Second)(base)
				start := time.Now()
				res, err := tr.RoundTrip(deadlineGet(t, t.Context()))
				if err != nil {
					t.Fatal(err)
				}
				ctx := base.ctx(0)
				if ctx.Err() != nil && tt.chunks > 0 {
					t.Fatal("context cancelled when RoundTrip returned: the body would be cut off")
				}
				read := 0
				var rerr error
				buf := make([]byte, 64)
				for tt.closeAfter < 0 || read < tt.closeAfter {
					n, err := res.Body.Read(buf)
					if n > 0 {
						read++
					}
					if err != nil {
						if err != io.EOF {
							rerr = err
						}
						break
					}
				}
				if end := time.Since(start); end != tt.wantEnd {
					t.Errorf("reading ended after %v, want %v", end, tt.wantEnd)
				}
				if tt.closeAfter >= 0 {
					res.Body.Close()
				}
				if read != tt.wantRead {
					t.Errorf("read %d chunks, want %d", read, tt.wantRead)
				}
				switch {
				case tt.wantErr && (!errors.Is(rerr, context.DeadlineExceeded) || !strings.Contains(rerr.Error(), "request timeout of 1s")):
					t.Errorf("read error = %v, want the request timeout", rerr)
				case !tt.wantErr && rerr != nil:
					t.Errorf("read error = %v", rerr)
				}
				// The context ends as soon as reading does, before the
				// deadline: cancelled, not expired. That stopped the timer.
				want := context.Canceled
				if tt.wantErr {
					want = context.DeadlineExceeded
				}
				if got := ctx.Err(); got != want {
					t.Errorf("context error after reading = %v, want %v", got, want)
				}
				res.Body.Close()
			})
		})
	}
}

// deadlineWTBody is a response body with WriteTo.
type deadlineWTBody struct {
	*bytes.Reader
	wroteTo bool
}

func (b *deadlineWTBody) WriteTo(w io.Writer) (int64, error) {
	b.wroteTo = true
	return b.Reader.WriteTo(w)
}
func (b *deadlineWTBody) Close() error { return nil }

func TestDeadlineBodyKeepsWriterTo(t *testing.T) {
	body := &deadlineWTBody{Reader: bytes.NewReader([]byte("hello"))}
	var ctx context.Context
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		ctx = req.Context()
		return &http.Response{StatusCode: 200, Body: body, Request: req}, nil
	})
	res, err := mustDeadline(t, deadlineAttempt, time.Minute)(base).RoundTrip(deadlineGet(t, t.Context()))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := res.Body.(io.WriterTo); !ok {
		t.Fatal("response body lost io.WriterTo")
	}
	var out bytes.Buffer
	if _, err := io.Copy(&out, res.Body); err != nil || out.String() != "hello" || !body.wroteTo {
		t.Errorf("io.Copy = %q, %v; WriteTo used: %v", out.String(), err, body.wroteTo)
	}
	if ctx.Err() != context.Canceled {
		t.Errorf("context after WriteTo: %v, want cancelled", ctx.Err())
	}
	res.Body.Close()
}

// TestDeadlineErrorCancelsAtOnce: when the layer below fails, the
// deadline's context is cancelled before RoundTrip returns, and the error
// is returned as it is.
func TestDeadlineErrorCancelsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base := &deadlineBase{latency: 10 * time.Millisecond, err: refused}
		_, err := mustDeadline(t, deadlineRequest, time.Second)(base).RoundTrip(deadlineGet(t, t.Context()))
		if err != refused {
			t.Errorf("err = %v, want %v", err, refused)
		}
		if base.ctx(0).Err() != context.Canceled {
			t.Errorf("context after an error: %v, want cancelled", base.ctx(0).Err())
		}
	})
}

// TestRequestTimeoutThroughRetry checks the overall timeout placed outside
// retry: no attempt starts after its deadline, whether attempts fail with
// a retried status (retry will not wait past the deadline and returns the
// last response) or hang until a per-attempt timeout inside (the last
// attempt is cut at the deadline, and the error says so while keeping the
// attempts' errors).
func TestRequestTimeoutThroughRetry(t *testing.T) {
	fixed := func(int) time.Duration { return 300 * time.Millisecond }
	tests := []struct {
		name      string
		latency   time.Duration
		status    bool // answer 503 instead of a 200 body
		backoff   func(int) time.Duration
		attempt   time.Duration // per-attempt timeout; 0: none
		wantAt    []time.Duration
		wantEnd   time.Duration
		wantError bool
	}{
		{"503s with backoff", 0, true, fixed, 0,
			[]time.Duration{0, 300 * time.Millisecond, 600 * time.Millisecond, 900 * time.Millisecond}, 900 * time.Millisecond, false},
		{"hung attempts cut by the attempt timeout", -1, false, noWait, 400 * time.Millisecond,
			[]time.Duration{0, 400 * time.Millisecond, 800 * time.Millisecond}, time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				base := &deadlineBase{latency: tt.latency}
				var next http.RoundTripper = base
				if tt.status {
					next = rt.Func(func(req *http.Request) (*http.Response, error) {
						base.RoundTrip(req)
						return &http.Response{StatusCode: 503, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
					})
				}
				var attempt rt.Middleware
				if tt.attempt > 0 {
					attempt = mustDeadline(t, deadlineAttempt, tt.attempt)
				}
				tr := rt.Chain(next,
					mustDeadline(t, deadlineRequest, time.Second),
					mustRetry(t, RetryConfig{MaxRetries: 10, Backoff: tt.backoff}),
					attempt,
				)
				start := time.Now()
				res, err := tr.RoundTrip(deadlineGet(t, t.Context()))
				if end := time.Since(start); end != tt.wantEnd {
					t.Errorf("RoundTrip returned after %v, want %v", end, tt.wantEnd)
				}
				if got := base.arrivals(); !equalDurations(got, tt.wantAt) {
					t.Errorf("attempts at %v, want %v", got, tt.wantAt)
				}
				if !tt.wantError {
					if err != nil {
						t.Fatalf("err = %v, want the last response", err)
					}
					if res.StatusCode != 503 {
						t.Errorf("status = %d, want 503", res.StatusCode)
					}
					res.Body.Close()
					return
				}
				var re *rt.RetryError
				switch {
				case err == nil:
					res.Body.Close()
					t.Fatal("got a response, want the timeout")
				case !errors.Is(err, context.DeadlineExceeded), !errors.As(err, &re):
					t.Errorf("err = %v; want it to wrap context.DeadlineExceeded and an *rt.RetryError", err)
				case !strings.HasPrefix(err.Error(), "esrt: request timeout of 1s exceeded: "):
					t.Errorf("err = %q, want it to name the request timeout", err)
				case len(re.Attempts) != 3 || !strings.Contains(re.Attempts[0].Error(), "attempt timeout of 400ms"):
					t.Errorf("attempt errors = %v, want 3, the first an attempt timeout", re.Attempts)
				}
			})
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestAttemptTimeoutInsideRouting runs the per-attempt timeout where it
// belongs, inside routing, against an estest cluster whose first node
// hangs: the router counts the expired attempt as a slow latency sample of
// that node, not a failure, and retry sends the request to the other node.
// A caller's own deadline, by contrast, teaches the router nothing.
func TestAttemptTimeoutInsideRouting(t *testing.T) {
	tests := []struct {
		name          string
		attempt       time.Duration
		callerTimeout time.Duration
		wantErr       bool
		wantSample    bool
	}{
		{"attempt timeout", 100 * time.Millisecond, 0, false, true},
		{"caller's deadline", 0, 100 * time.Millisecond, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := estest.New(t, estest.Config{Nodes: 2})
			c.Node(0).Hang()
			nodes := make([]*rt.Node, 0, 2)
			for _, u := range c.URLs() {
				n, err := rt.NewNode(u)
				if err != nil {
					t.Fatal(err)
				}
				nodes = append(nodes, n)
			}
			pool, err := selector.NewPool(selector.PoolConfig{
				Seeds:    nodes,
				Selector: selector.SelectorFunc(func([]selector.Candidate) int { return 0 }), // the first untried
			})
			if err != nil {
				t.Fatal(err)
			}
			httpTr := &http.Transport{}
			t.Cleanup(httpTr.CloseIdleConnections)
			var attempt rt.Middleware
			if tt.attempt > 0 {
				attempt = mustDeadline(t, deadlineAttempt, tt.attempt)
			}
			tr := rt.Chain(httpTr, mustRetry(t, RetryConfig{Backoff: noWait}), selector.Middleware(pool), attempt)
			ctx := t.Context()
			if tt.callerTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.callerTimeout)
				defer cancel()
			}
			res, err := tr.RoundTrip(deadlineGet(t, ctx))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			hung := pool.Status()[0]
			if hung.Dead || hung.Failures != 0 {
				t.Errorf("hung node: dead %v, failures %d; want alive, 0", hung.Dead, hung.Failures)
			}
			if got := hung.Latency >= tt.attempt && hung.Latency > 0; got != tt.wantSample {
				t.Errorf("hung node's latency estimate %v; want a sample of at least %v: %v", hung.Latency, tt.attempt, tt.wantSample)
			}
		})
	}
}

func TestDeadlineConformance(t *testing.T) {
	tests := []struct {
		name string
		kind deadlineKind
		d    time.Duration
	}{
		{"RequestTimeout", deadlineRequest, time.Minute},
		{"RequestTimeout/zero", deadlineRequest, 0},
		{"AttemptTimeout", deadlineAttempt, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { rttest.Run(t, mustDeadline(t, tt.kind, tt.d)) })
	}
}

func BenchmarkDeadline(b *testing.B) {
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("{}")), Request: req}, nil
	})
	tests := []struct {
		name string
		mw   rt.Middleware
	}{
		{"none", nil},
		{"RequestTimeout", mustDeadline(b, deadlineRequest, time.Minute)},
		{"RequestTimeout/zero", mustDeadline(b, deadlineRequest, 0)},
		{"AttemptTimeout", mustDeadline(b, deadlineAttempt, time.Minute)},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			tr := rt.Chain(base, tt.mw)
			req := deadlineGet(b, context.Background())
			b.ReportAllocs()
			for b.Loop() {
				res, err := tr.RoundTrip(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		})
	}
}
