package selector_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/internal/routing"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/rt/rttest"
	"github.com/esrt-dev/esrt/selector"
)

func TestRouterConformance(t *testing.T) {
	p := mustPool(t, selector.PoolConfig{
		Seeds: mustNodes(t, "http://es1.invalid:9200", "http://es2.invalid:9200/prefix"),
	})
	rttest.Run(t, selector.Middleware(p))
}

func TestRewrite(t *testing.T) {
	tests := []struct {
		name, node, url string
		wantURL         string
	}{
		{"path only", "http://n:9200", "/_search", "http://n:9200/_search"},
		{"placeholder host", "https://n:9243", "http://es/_search?size=1", "https://n:9243/_search?size=1"},
		{"empty host", "http://n:9200", "http:///idx/_doc/1", "http://n:9200/idx/_doc/1"},
		{"prefix", "http://proxy:8080/es", "/_cluster/health", "http://proxy:8080/es/_cluster/health"},
		{"prefix, trailing slash", "http://proxy:8080/es/", "/_bulk", "http://proxy:8080/es/_bulk"},
		{"root", "http://proxy:8080/es", "http://es", "http://proxy:8080/es/"},
		{"escaped id", "http://proxy/es", "/idx/_doc/a%2Fb", "http://proxy/es/idx/_doc/a%2Fb"},
		{"escaped id, no prefix", "http://n:9200", "/idx/_doc/a%2Fb?refresh", "http://n:9200/idx/_doc/a%2Fb?refresh"},
		{"caller userinfo dropped", "http://n:9200", "http://u:p@es/_search", "http://n:9200/_search"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := newStub()
			node := mustNode(t, tt.node)
			p := mustPool(t, selector.PoolConfig{Seeds: []*rt.Node{node}})
			tr := selector.Middleware(p)(stub)
			req := get(t, t.Context(), tt.url)
			req.Host = "virtual.example"
			orig := req.URL.String()
			res, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			drain(res)
			out := stub.last()
			if got := out.URL.String(); got != tt.wantURL {
				t.Errorf("URL = %q, want %q", got, tt.wantURL)
			}
			if out.Host != "" {
				t.Errorf("Host = %q, want empty", out.Host)
			}
			if req.URL.String() != orig || req.Host != "virtual.example" {
				t.Errorf("caller's request modified: %v %q", req.URL, req.Host)
			}
		})
	}
}

func TestNodeUserinfo(t *testing.T) {
	stub := newStub()
	p := mustPool(t, selector.PoolConfig{Seeds: mustNodes(t, "https://elastic:s3cret@n:9200")})
	tr := selector.Middleware(p)(stub)

	req := get(t, t.Context(), "/_search")
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	drain(res)
	out := stub.last()
	if out.URL.User != nil || strings.Contains(out.URL.String(), "s3cret") {
		t.Errorf("userinfo in the outgoing URL: %v", out.URL.Redacted())
	}
	if got, want := out.Header.Get("Authorization"), rt.BasicAuth("elastic", "s3cret").Header(); got != want {
		t.Errorf("Authorization = %q, want %q", got, want)
	}
	if req.Header.Get("Authorization") != "" {
		t.Error("caller's header modified")
	}

	req = get(t, t.Context(), "/_search")
	req.Header.Set("Authorization", "ApiKey abc")
	res, err = tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	drain(res)
	if got := stub.last().Header.Get("Authorization"); got != "ApiKey abc" {
		t.Errorf("request's own Authorization replaced: %q", got)
	}
}

func TestPinnedNode(t *testing.T) {
	stub := newStub()
	nodes := mustNodes(t, "http://a:9200", "http://b:9200")
	p := mustPool(t, selector.PoolConfig{Seeds: nodes})
	tr := selector.Middleware(p)(stub)
	stub.host("b:9200").down.Store(true)
	if _, err := tr.RoundTrip(get(t, rt.WithNode(t.Context(), nodes[1]), "/")); err == nil {
		t.Fatal("b is down")
	}
	stub.host("b:9200").down.Store(false)
	// Pinned to a dead node: sent there anyway.
	res, err := tr.RoundTrip(get(t, rt.WithNode(t.Context(), nodes[1]), "/_nodes/_local"))
	if err != nil {
		t.Fatal(err)
	}
	drain(res)
	if stub.last().URL.Host != "b:9200" {
		t.Errorf("pinned request went to %s", stub.last().URL.Host)
	}
	// A node outside the pool works too.
	res, err = tr.RoundTrip(get(t, rt.WithNode(t.Context(), mustNode(t, "http://other:9200")), "/"))
	if err != nil {
		t.Fatal(err)
	}
	drain(res)
	if stub.last().URL.Host != "other:9200" {
		t.Errorf("pinned request went to %s", stub.last().URL.Host)
	}
}

// A request pinned to a node without an address fails with an
// *rt.LocalError naming the option: no panic, nothing sent, no node blamed.
func TestPinnedNodeWithoutURL(t *testing.T) {
	stub := newStub()
	p := mustPool(t, selector.PoolConfig{Seeds: mustNodes(t, "http://a:9200")})
	tr := selector.Middleware(p)(stub)
	_, err := tr.RoundTrip(get(t, rt.WithNode(t.Context(), &rt.Node{}), "/"))
	var le *rt.LocalError
	var ce *rt.ConfigError
	if !errors.As(err, &le) || !errors.As(err, &ce) || ce.Field != "rt.WithNode" {
		t.Errorf("error %v, want an *rt.LocalError wrapping a *rt.ConfigError for rt.WithNode", err)
	}
	if n := stub.count(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	if st := p.Status(); st[0].Dead {
		t.Error("the pool's node was marked dead")
	}
}

type closeCounter struct {
	io.Reader
	mu     sync.Mutex
	closes int
}

func (c *closeCounter) Close() error { c.mu.Lock(); c.closes++; c.mu.Unlock(); return nil }

func TestNoNode(t *testing.T) {
	p := mustPool(t, selector.PoolConfig{})
	tr := selector.Middleware(p)(newStub())
	body := &closeCounter{Reader: strings.NewReader("{}")}
	req, _ := http.NewRequestWithContext(t.Context(), "POST", "/_search", body)
	res, err := tr.RoundTrip(req)
	if res != nil || !errors.Is(err, rt.ErrNoNode) {
		t.Fatalf("RoundTrip = %v, %v; want rt.ErrNoNode", res, err)
	}
	if body.closes != 1 {
		t.Errorf("request body closed %d times", body.closes)
	}
	// A selector that declines is "no node" too.
	p = mustPool(t, selector.PoolConfig{
		Seeds:    mustNodes(t, "http://a:9200"),
		Selector: selector.SelectorFunc(func([]selector.Candidate) int { return -1 }),
	})
	if _, err := selector.Middleware(p)(newStub()).RoundTrip(get(t, t.Context(), "/")); !errors.Is(err, rt.ErrNoNode) {
		t.Errorf("err = %v", err)
	}
}

func TestHooks(t *testing.T) {
	clock := newClock()
	stub := newStub()
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		clock.Advance(7 * time.Millisecond)
		return stub.RoundTrip(req)
	})
	var mu sync.Mutex
	var log []string
	rec := func(who string) *rt.Hooks {
		return &rt.Hooks{
			OnAttemptStart: func(i rt.AttemptInfo) {
				mu.Lock()
				log = append(log, who+" start "+i.Node.URL.Host+" #"+string(rune('0'+i.Attempt))+" "+i.Request.URL.String())
				mu.Unlock()
			},
			OnAttemptDone: func(i rt.AttemptDoneInfo) {
				mu.Lock()
				s := who + " done " + i.Node.URL.Host + " #" + string(rune('0'+i.Attempt)) + " " + i.Duration.String()
				if i.Err != nil {
					s += " err"
				}
				log = append(log, s)
				mu.Unlock()
			},
			OnNodeDown: func(i rt.NodeInfo) {
				mu.Lock()
				log = append(log, who+" down "+i.Node.URL.Host+" "+i.RetryAt.Sub(clock.Now()).String())
				mu.Unlock()
			},
		}
	}
	p := mustPool(t, selector.PoolConfig{
		Seeds:    mustNodes(t, "http://a:9200", "http://b:9200"),
		Selector: selector.SelectorFunc(func([]selector.Candidate) int { return 0 }),
		Now:      clock.Now,
		Jitter:   -1,
		Hooks:    rec("pool"),
	})
	stub.host("a:9200").down.Store(true)
	tr := selector.Middleware(p)(base)
	ctx := rt.WithHooks(t.Context(), rec("ctx"))
	res, err := send(tr, get(t, ctx, "/x"), 2)
	if err != nil {
		t.Fatal(err)
	}
	drain(res)
	want := []string{
		"pool start a:9200 #1 http://a:9200/x",
		"ctx start a:9200 #1 http://a:9200/x",
		"pool down a:9200 1s",
		"ctx down a:9200 1s",
		"pool done a:9200 #1 7ms err",
		"ctx done a:9200 #1 7ms err",
		"pool start b:9200 #2 http://b:9200/x",
		"ctx start b:9200 #2 http://b:9200/x",
		"pool done b:9200 #2 7ms",
		"ctx done b:9200 #2 7ms",
	}
	if strings.Join(log, "\n") != strings.Join(want, "\n") {
		t.Errorf("hooks:\n%s\nwant:\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
	}
}

// wtBody is a response body with WriteTo.
type wtBody struct {
	*bytes.Reader
	closed bool
}

func (b *wtBody) Close() error { b.closed = true; return nil }

func TestInFlight(t *testing.T) {
	body := &wtBody{Reader: bytes.NewReader([]byte("hello"))}
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: body, Request: req}, nil
	})
	p := mustPool(t, selector.PoolConfig{Seeds: mustNodes(t, "http://a:9200")})
	tr := selector.Middleware(p)(base)
	res, err := tr.RoundTrip(get(t, t.Context(), "/"))
	if err != nil {
		t.Fatal(err)
	}
	if got := status(t, p, "a:9200").InFlight; got != 1 {
		t.Fatalf("in flight with the body open = %d, want 1", got)
	}
	if _, ok := res.Body.(io.WriterTo); !ok {
		t.Error("wrapped body lost io.WriterTo")
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, res.Body); err != nil || buf.String() != "hello" {
		t.Fatalf("copy: %q, %v", buf.String(), err)
	}
	if got := status(t, p, "a:9200").InFlight; got != 0 {
		t.Fatalf("in flight after reading the body = %d, want 0", got)
	}
	res.Body.Close()
	res.Body.Close()
	if !body.closed {
		t.Error("body not closed")
	}
	if got := status(t, p, "a:9200").InFlight; got != 0 {
		t.Fatalf("in flight after close = %d, want 0", got)
	}

	// Closed without reading.
	base2 := rt.Func(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: io.NopCloser(struct{ io.Reader }{strings.NewReader("x")}), Request: req}, nil
	})
	tr = selector.Middleware(p)(base2)
	res, err = tr.RoundTrip(get(t, t.Context(), "/"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := res.Body.(io.WriterTo); ok {
		t.Error("wrapped body gained io.WriterTo")
	}
	res.Body.Close()
	if got := status(t, p, "a:9200").InFlight; got != 0 {
		t.Fatalf("in flight after close = %d, want 0", got)
	}
}

func TestCloseIdleAndUnwrap(t *testing.T) {
	stub := newStub()
	p := mustPool(t, selector.PoolConfig{Seeds: mustNodes(t, "http://a:9200")})
	tr := selector.Middleware(p)(stub)
	r, ok := tr.(*selector.Router)
	if !ok {
		t.Fatalf("%T, want *selector.Router", tr)
	}
	if r.Unwrap() != stub {
		t.Error("Unwrap")
	}
	r.CloseIdleConnections()
	if stub.idle.Load() != 1 {
		t.Error("CloseIdleConnections not forwarded")
	}
}

func TestNewPoolInvalid(t *testing.T) {
	for _, cfg := range []selector.PoolConfig{
		{DeadTimeout: -1}, {MaxDeadTimeout: -1}, {LatencyDecay: -1}, {TimeoutFailures: -1}, {Jitter: 1.5},
		{Seeds: []*rt.Node{nil}},
	} {
		if _, err := selector.NewPool(cfg); !errors.Is(err, rt.ErrInvalidConfig) {
			t.Errorf("NewPool(%+v) = %v, want rt.ErrInvalidConfig", cfg, err)
		}
	}
}

// TestHedgeLoser checks how the router reports an attempt cancelled because
// a hedged attempt of the same request won: its time may only raise the
// node's latency estimate and it is never a failure, unlike a caller that
// gave up, which teaches nothing. A hedge is reported as such to hooks.
func TestHedgeLoser(t *testing.T) {
	tests := []struct {
		name    string
		cause   error
		hedge   bool
		elapsed time.Duration
		want    time.Duration // latency estimate afterwards; primed at 10ms
	}{
		// The geometric mean of 10 and 50 ms.
		{"slow loser raises the estimate", rt.ErrHedgeLost, false, 50 * time.Millisecond, 22360680 * time.Nanosecond},
		{"fast loser leaves it", rt.ErrHedgeLost, true, 2 * time.Millisecond, 10 * time.Millisecond},
		{"caller cancel teaches nothing", context.Canceled, false, 50 * time.Millisecond, 10 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			p := mustPool(t, selector.PoolConfig{
				Seeds:        mustNodes(t, "http://a:9200"),
				Now:          clock.Now,
				LatencyDecay: time.Hour, // no decay between the two attempts
			})
			var cancel context.CancelCauseFunc
			stub := newStub()
			lose := false
			base := rt.Func(func(req *http.Request) (*http.Response, error) {
				if !lose {
					clock.Advance(10 * time.Millisecond)
					return stub.RoundTrip(req)
				}
				clock.Advance(tt.elapsed)
				cancel(tt.cause)
				return nil, req.Context().Err()
			})
			tr := selector.Middleware(p)(base)
			res, err := tr.RoundTrip(get(t, t.Context(), "/"))
			if err != nil {
				t.Fatal(err)
			}
			drain(res)

			lose = true
			var hedged []bool
			ctx, c := context.WithCancelCause(t.Context())
			cancel = c
			ctx = rt.WithHooks(ctx, &rt.Hooks{
				OnAttemptStart: func(i rt.AttemptInfo) { hedged = append(hedged, i.Hedge) },
				OnAttemptDone:  func(i rt.AttemptDoneInfo) { hedged = append(hedged, i.Hedge) },
			})
			if tt.hedge {
				ctx = routing.WithHedge(ctx)
			}
			if _, err := tr.RoundTrip(get(t, ctx, "/")); err == nil {
				t.Fatal("cancelled attempt returned no error")
			}
			st := p.Status()[0]
			if st.Dead || st.Failures != 0 {
				t.Errorf("node dead=%v failures=%d; want alive, 0", st.Dead, st.Failures)
			}
			// Within 1 %: the estimate decays a little with the clock; a
			// sample of 2ms would have pulled 10ms down by at least 4 %.
			if d := st.Latency - tt.want; d < -tt.want/100 || d > tt.want/100 {
				t.Errorf("latency estimate = %v, want %v", st.Latency, tt.want)
			}
			if want := []bool{tt.hedge, tt.hedge}; !slices.Equal(hedged, want) {
				t.Errorf("AttemptInfo.Hedge in start, done = %v, want %v", hedged, want)
			}
		})
	}
}

// Without an attempt record in the context, the router says where the
// attempt went: in an *rt.AttemptError when it fails, and through routing.NodeOf
// on the response when it answers.
func TestRouterReportsTheNodeWithoutARecord(t *testing.T) {
	n, err := rt.NewNode("http://es1:9200")
	if err != nil {
		t.Fatal(err)
	}
	p := mustPool(t, selector.PoolConfig{Seeds: []*rt.Node{n}})
	refused := errors.New("connection refused")
	fail := true
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		if fail {
			return nil, refused
		}
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("ok")), Request: req}, nil
	})
	tr := selector.Middleware(p)(base)

	req, _ := http.NewRequest("GET", "http://es/", nil)
	_, err = tr.RoundTrip(req)
	var ae *rt.AttemptError
	if !errors.As(err, &ae) || ae.Node != n || ae.Attempt != 1 || !errors.Is(err, refused) {
		t.Fatalf("error %v, want an AttemptError naming the node and wrapping the cause", err)
	}

	fail = false
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if got := routing.NodeOf(res); got != n {
		t.Fatalf("routing.NodeOf = %v, want the node", got)
	}

	// With a record, errors come back as they are: the record names nodes.
	ctx, _ := routing.WithAttempts(context.Background())
	fail = true
	if _, err := tr.RoundTrip(req.WithContext(ctx)); err != refused {
		t.Fatalf("with a record, error %v, want the cause itself", err)
	}
}

// A panic below the router during a probe (a broken base, a hook) must not
// leave the node claimed by a probe that never reports, nor counted as in
// flight: the next due request probes it again, and it comes back.
func TestPanicDuringProbeReleasesTheNode(t *testing.T) {
	clock := newClock()
	stub := newStub()
	nodes := mustNodes(t, "http://a:9200", "http://b:9200")
	p := mustPool(t, selector.PoolConfig{Seeds: nodes, Selector: selector.RoundRobin(), Now: clock.Now, Jitter: -1})
	tr := selector.Middleware(p)(stub)

	stub.host("a:9200").down.Store(true)
	for range 4 { // round-robin reaches a within two requests
		if res, err := tr.RoundTrip(get(t, context.Background(), "/")); err == nil {
			res.Body.Close()
		}
	}
	if st := status(t, p, "a:9200"); !st.Dead {
		t.Fatalf("a is not down after refusing connections: %+v", st)
	}

	stub.host("a:9200").down.Store(false)
	boom := func(*http.Request) { panic("base bug") }
	stub.host("a:9200").onRequest.Store(&boom)
	clock.Advance(2 * time.Second) // past a's 1 s dead timeout
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the probe did not reach a, or its panic was swallowed")
			}
		}()
		tr.RoundTrip(get(t, context.Background(), "/"))
	}()
	if st := status(t, p, "a:9200"); st.InFlight != 0 {
		t.Errorf("a has %d attempts in flight after the panic, want 0", st.InFlight)
	}

	stub.host("a:9200").onRequest.Store(nil)
	before := stub.hits("a:9200")
	res, err := tr.RoundTrip(get(t, context.Background(), "/"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if stub.hits("a:9200") != before+1 {
		t.Fatalf("the request after the panic did not probe a")
	}
	if st := status(t, p, "a:9200"); st.Dead {
		t.Errorf("a is still down after a successful probe: %+v", st)
	}
}
