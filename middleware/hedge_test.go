package middleware

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/esrt-dev/esrt/endpoint"
	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/internal/latency"
	"github.com/esrt-dev/esrt/internal/routing"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/rt/rttest"
	"github.com/esrt-dev/esrt/selector"
)

// hedgeStep is how the hedging tests' base answers one kind of attempt.
type hedgeStep struct {
	after  time.Duration // answer after this long, unless the context ends first
	status int           // the status; 0 with err
	err    error
	deaf   bool // answer after the whole time even if the context ends first
}

// hedgeCall is what the base saw of one attempt.
type hedgeCall struct {
	hedge    bool
	at       time.Duration // since the first attempt
	ctx      context.Context
	attempts *routing.Attempts
	body     string
}

// hedgeBase answers first attempts with primary and hedges (marked by
// routing.WithHedge) with hedge, like net/http: it reads and closes request
// bodies, and returns context.Cause once the context is done. Response
// bodies say which attempt they answer and count their closes.
type hedgeBase struct {
	primary, hedge hedgeStep

	mu     sync.Mutex
	t0     time.Time
	calls  []hedgeCall
	bodies []*hedgeTrackedBody
}

type hedgeTrackedBody struct {
	*strings.Reader
	closes atomic.Int32
}

func (b *hedgeTrackedBody) Close() error { b.closes.Add(1); return nil }

func (b *hedgeBase) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	ctx := req.Context()
	hedge := routing.HedgeFrom(ctx)
	b.mu.Lock()
	if b.t0.IsZero() {
		b.t0 = time.Now()
	}
	b.calls = append(b.calls, hedgeCall{hedge: hedge, at: time.Since(b.t0), ctx: ctx, attempts: routing.AttemptsFrom(ctx), body: string(body)})
	b.mu.Unlock()
	step, name := b.primary, "primary"
	if hedge {
		step, name = b.hedge, "hedge"
	}
	timer := time.NewTimer(step.after)
	defer timer.Stop()
	done := ctx.Done()
	if step.deaf {
		done = nil
	}
	select {
	case <-timer.C:
	case <-done:
		return nil, context.Cause(ctx)
	}
	if step.err != nil {
		return nil, step.err
	}
	rb := &hedgeTrackedBody{Reader: strings.NewReader(name)}
	b.mu.Lock()
	b.bodies = append(b.bodies, rb)
	b.mu.Unlock()
	return &http.Response{StatusCode: step.status, Header: http.Header{}, Body: rb, Request: req}, nil
}

func (b *hedgeBase) snapshot() ([]hedgeCall, []*hedgeTrackedBody) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.calls), slices.Clone(b.bodies)
}

func mustHedge(t testing.TB, cfg HedgeConfig) rt.Middleware {
	t.Helper()
	mw, err := Hedge(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return mw
}

func hedgeSearch(t testing.TB, ctx context.Context) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://es/idx/_search", strings.NewReader(`{"size":1}`))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// fixedHedge hedges every read after 100ms.
var fixedHedge = HedgeConfig{Delay: 100 * time.Millisecond, Quantile: -1}

// TestHedgeRace checks who wins a hedged race and when, with a fixed delay
// of 100ms: the first settling answer (a status outside RetryOnStatus);
// an error or a 503 waits for the other attempt; with neither settling, a
// response beats an error and the first attempt's beats the hedge's. The
// loser's context is cancelled with rt.ErrHedgeLost, every body but the
// winner's is closed, and every context ends with the winner's body.
func TestHedgeRace(t *testing.T) {
	const never = time.Hour
	tests := []struct {
		name       string
		primary    hedgeStep
		hedge      hedgeStep
		wantCalls  int
		wantWinner string // body of the response returned; "" for an error
		wantStatus int
		wantErr    error
		wantEnd    time.Duration
		wantLoser  string // "primary" or "hedge": cancelled with ErrHedgeLost
	}{
		{"fast primary: no hedge", hedgeStep{after: 50 * time.Millisecond, status: 200}, hedgeStep{}, 1, "primary", 200, nil, 50 * time.Millisecond, ""},
		{"stalled primary: hedge wins", hedgeStep{after: never, status: 200}, hedgeStep{after: 20 * time.Millisecond, status: 200}, 2, "hedge", 200, nil, 120 * time.Millisecond, "primary"},
		{"primary wins with the hedge out", hedgeStep{after: 150 * time.Millisecond, status: 200}, hedgeStep{after: 100 * time.Millisecond, status: 200}, 2, "primary", 200, nil, 150 * time.Millisecond, "hedge"},
		{"404 settles", hedgeStep{after: never, status: 404}, hedgeStep{after: 20 * time.Millisecond, status: 404}, 2, "hedge", 404, nil, 120 * time.Millisecond, "primary"},
		{"500 settles", hedgeStep{after: never, status: 500}, hedgeStep{after: 20 * time.Millisecond, status: 500}, 2, "hedge", 500, nil, 120 * time.Millisecond, "primary"},
		{"primary 503 waits for the hedge", hedgeStep{after: 120 * time.Millisecond, status: 503}, hedgeStep{after: 50 * time.Millisecond, status: 200}, 2, "hedge", 200, nil, 150 * time.Millisecond, ""},
		{"primary error waits for the hedge", hedgeStep{after: 120 * time.Millisecond, err: reset}, hedgeStep{after: 50 * time.Millisecond, status: 200}, 2, "hedge", 200, nil, 150 * time.Millisecond, ""},
		{"hedge 503 waits for the primary", hedgeStep{after: 200 * time.Millisecond, status: 200}, hedgeStep{after: 10 * time.Millisecond, status: 503}, 2, "primary", 200, nil, 200 * time.Millisecond, ""},
		{"hedge error waits for the primary", hedgeStep{after: 200 * time.Millisecond, status: 200}, hedgeStep{after: 10 * time.Millisecond, err: refused}, 2, "primary", 200, nil, 200 * time.Millisecond, ""},
		{"both 503: the primary's", hedgeStep{after: 120 * time.Millisecond, status: 503}, hedgeStep{after: 50 * time.Millisecond, status: 503}, 2, "primary", 503, nil, 150 * time.Millisecond, ""},
		{"both errors: the primary's", hedgeStep{after: 120 * time.Millisecond, err: reset}, hedgeStep{after: 50 * time.Millisecond, err: refused}, 2, "", 0, reset, 150 * time.Millisecond, ""},
		{"error and 503: the response", hedgeStep{after: 120 * time.Millisecond, err: reset}, hedgeStep{after: 50 * time.Millisecond, status: 503}, 2, "hedge", 503, nil, 150 * time.Millisecond, ""},
		{"both at once", hedgeStep{after: 150 * time.Millisecond, status: 200}, hedgeStep{after: 50 * time.Millisecond, status: 200}, 2, "*", 200, nil, 150 * time.Millisecond, ""},
		{"hedge answers after losing", hedgeStep{after: 150 * time.Millisecond, status: 200}, hedgeStep{after: 100 * time.Millisecond, status: 200, deaf: true}, 2, "primary", 200, nil, 150 * time.Millisecond, "hedge"},
		{"primary answers after losing", hedgeStep{after: 150 * time.Millisecond, status: 200, deaf: true}, hedgeStep{after: 20 * time.Millisecond, status: 200}, 2, "hedge", 200, nil, 150 * time.Millisecond, "primary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				base := &hedgeBase{primary: tt.primary, hedge: tt.hedge}
				tr := mustHedge(t, fixedHedge)(base)
				start := time.Now()
				res, err := tr.RoundTrip(hedgeSearch(t, t.Context()))
				if end := time.Since(start); end != tt.wantEnd {
					t.Errorf("RoundTrip returned after %v, want %v", end, tt.wantEnd)
				}
				winner := ""
				if err == nil {
					b, _ := io.ReadAll(res.Body)
					winner = string(b)
					if res.StatusCode != tt.wantStatus {
						t.Errorf("status = %d, want %d", res.StatusCode, tt.wantStatus)
					}
				}
				if err != tt.wantErr || (winner != tt.wantWinner && tt.wantWinner != "*") {
					t.Errorf("RoundTrip = %q, %v; want %q, %v", winner, err, tt.wantWinner, tt.wantErr)
				}
				if err == nil {
					res.Body.Close()
				}
				time.Sleep(time.Second) // a deaf loser answers
				synctest.Wait()         // and its goroutine ends

				calls, bodies := base.snapshot()
				if len(calls) != tt.wantCalls {
					t.Fatalf("%d attempts, want %d", len(calls), tt.wantCalls)
				}
				for i, c := range calls {
					if c.ctx.Err() == nil {
						t.Errorf("attempt %d: context still alive after the body was closed", i)
					}
					if c.body != `{"size":1}` {
						t.Errorf("attempt %d: body %q", i, c.body)
					}
					if c.hedge != (i == 1) {
						t.Errorf("attempt %d: marked as hedge: %v", i, c.hedge)
					}
					if c.attempts == nil || c.attempts != calls[0].attempts {
						t.Errorf("attempt %d: routing.Attempts %p, want one shared by both", i, c.attempts)
					}
					lost := errors.Is(context.Cause(c.ctx), rt.ErrHedgeLost)
					if want := (tt.wantLoser == "primary" && i == 0) || (tt.wantLoser == "hedge" && i == 1); want && !lost {
						t.Errorf("attempt %d: context cause %v, want rt.ErrHedgeLost", i, context.Cause(c.ctx))
					}
				}
				if len(calls) == 2 && calls[1].at != 100*time.Millisecond {
					t.Errorf("hedge sent after %v, want 100ms", calls[1].at)
				}
				for _, b := range bodies {
					if n := b.closes.Load(); n != 1 {
						t.Errorf("a response body was closed %d times, want 1", n)
					}
				}
			})
		})
	}
}

// TestHedgeNotSent lists the requests that are never hedged: writes,
// scrolls, requests pinned to a node or marked not idempotent, bodies that
// cannot be replayed, and hedges the budget refuses.
func TestHedgeNotSent(t *testing.T) {
	noBudget, err := NewBudget(BudgetConfig{Ratio: 1e-9, MinPerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	node, _ := rt.NewNode("http://a:9200")
	tests := []struct {
		name   string
		method string
		path   string
		ctx    func(context.Context) context.Context
		body   io.Reader
		budget *Budget
	}{
		{"index with auto id", "POST", "/idx/_doc", nil, strings.NewReader("{}"), nil},
		{"index with id", "PUT", "/idx/_doc/1", nil, strings.NewReader("{}"), nil},
		{"index with id by POST", "POST", "/idx/_doc/1", nil, strings.NewReader("{}"), nil},
		{"create", "POST", "/idx/_create/1", nil, strings.NewReader("{}"), nil},
		{"delete", "DELETE", "/idx/_doc/1", nil, nil, nil},
		{"bulk", "POST", "/_bulk", nil, strings.NewReader("{}\n"), nil},
		{"scroll continuation", "POST", "/_search/scroll", nil, strings.NewReader("{}"), nil},
		{"scroll continuation by GET", "GET", "/_search/scroll/abc", nil, nil, nil},
		{"scroll start", "GET", "/idx/_search?scroll=1m", nil, nil, nil},
		{"pinned", "GET", "/_nodes/_local", func(ctx context.Context) context.Context { return rt.WithNode(ctx, node) }, nil, nil},
		{"not idempotent", "POST", "/idx/_search", func(ctx context.Context) context.Context { return rt.WithIdempotent(ctx, false) }, strings.NewReader("{}"), nil},
		{"body without GetBody", "POST", "/idx/_search", nil, io.MultiReader(strings.NewReader("{}")), nil},
		{"budget refuses", "POST", "/idx/_search", nil, strings.NewReader("{}"), noBudget},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				base := &hedgeBase{primary: hedgeStep{after: time.Second, status: 200}, hedge: hedgeStep{status: 200}}
				cfg := fixedHedge
				cfg.Budget = tt.budget
				tr := mustHedge(t, cfg)(base)
				ctx := t.Context()
				if tt.ctx != nil {
					ctx = tt.ctx(ctx)
				}
				req, err := http.NewRequestWithContext(ctx, tt.method, "http://es"+tt.path, tt.body)
				if err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				res, err := tr.RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if end := time.Since(start); end != time.Second {
					t.Errorf("RoundTrip returned after %v, want 1s", end)
				}
				if calls, _ := base.snapshot(); len(calls) != 1 {
					t.Errorf("%d attempts, want 1", len(calls))
				}
			})
		})
	}
}

// TestHedgeSharesAttempts: the hedge joins the routing.Attempts of the retry
// middleware outside, so that the router numbers it and avoids the node of
// the first attempt.
func TestHedgeSharesAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base := &hedgeBase{primary: hedgeStep{after: time.Second, status: 200}, hedge: hedgeStep{status: 200}}
		tr := mustHedge(t, fixedHedge)(base)
		ctx, attempts := routing.WithAttempts(t.Context())
		res, err := tr.RoundTrip(hedgeSearch(t, ctx))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		synctest.Wait()
		calls, _ := base.snapshot()
		if len(calls) != 2 || calls[0].attempts != attempts || calls[1].attempts != attempts {
			t.Errorf("attempts seen %v, want the caller's %p twice", calls, attempts)
		}
	})
}

// TestHedgeCallerCancel: when the caller gives up, both attempts end with
// the caller's cause, not as hedge losers, and the caller's error is
// returned.
func TestHedgeCallerCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base := &hedgeBase{primary: hedgeStep{after: time.Hour, status: 200}, hedge: hedgeStep{after: time.Hour, status: 200}}
		tr := mustHedge(t, fixedHedge)(base)
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		_, err := tr.RoundTrip(hedgeSearch(t, ctx))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want the caller's deadline", err)
		}
		calls, _ := base.snapshot()
		if len(calls) != 2 {
			t.Fatalf("%d attempts, want 2", len(calls))
		}
		for i, c := range calls {
			if cause := context.Cause(c.ctx); cause != context.DeadlineExceeded {
				t.Errorf("attempt %d: cause %v, want the caller's deadline", i, cause)
			}
		}
	})
}

// TestHedgeAdaptiveDelay: with the default configuration no hedge is sent
// until an operation has 100 samples; then the delay is the 95th
// percentile of its first attempts, rounded up to its histogram bucket.
// Operations learn apart.
func TestHedgeAdaptiveDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var wait atomic.Int64
		var calls atomic.Int32
		var hedgeAt atomic.Int64
		var start time.Time
		base := rt.Func(func(req *http.Request) (*http.Response, error) {
			calls.Add(1)
			d := time.Duration(wait.Load())
			if routing.HedgeFrom(req.Context()) {
				hedgeAt.Store(int64(time.Since(start)))
				d = 5 * time.Millisecond
			}
			select {
			case <-time.After(d):
			case <-req.Context().Done():
				return nil, context.Cause(req.Context())
			}
			return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
		})
		tr := mustHedge(t, HedgeConfig{})(base)
		send := func(path string, d time.Duration) {
			t.Helper()
			wait.Store(int64(d))
			req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://es"+path, nil)
			start = time.Now()
			res, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
		}
		for i := range 99 {
			d := 10 * time.Millisecond
			if i%25 == 0 {
				d = 40 * time.Millisecond // 4 of 100, and one of 1s below
			}
			send("/idx/_search", d)
		}
		send("/idx/_search", time.Second) // sample 100: still unarmed
		if n := calls.Load(); n != 100 {
			t.Fatalf("%d attempts before 100 samples, want 100 (no hedge)", n)
		}
		send("/idx/_count", time.Second) // another operation: unarmed
		if n := calls.Load(); n != 101 {
			t.Fatalf("a new operation was hedged")
		}

		send("/other/_search", time.Second)
		want := latency.Upper(10 * time.Millisecond)
		if n := calls.Load(); n != 103 {
			t.Fatalf("%d attempts, want a hedge", n-101)
		}
		if got := time.Duration(hedgeAt.Load()); got != want {
			t.Errorf("hedged after %v, want %v (p95 of 10ms samples, rounded up)", got, want)
		}
	})
}

// TestHedgeAllowance: with an adaptive delay, hedges are capped at the
// share 1-Quantile of armed requests, starting with one, and the credit
// saved while no hedge is needed is capped at allowanceBurst.
func TestHedgeAllowance(t *testing.T) {
	tests := []struct {
		name     string
		share    float64
		requests int
		every    bool // ask for a hedge on every request; else only at the end
		want     int
	}{
		// One at the start, then one per 1/share requests; the shares are
		// rounded down to 1/65536, so the last one is a request short.
		{"5 % of every request slow", 0.05, 100, true, 1 + 4},
		{"20 % of every request slow", 0.2, 100, true, 1 + 19},
		{"saved credit is capped", 0.05, 1000, false, allowanceBurst}, // not 1+50
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAllowance(tt.share)
			granted := 0
			for range tt.requests {
				a.deposit()
				if tt.every && a.withdraw() {
					granted++
				}
			}
			for !tt.every && a.withdraw() {
				granted++
			}
			if granted != tt.want {
				t.Errorf("%d hedges granted, want %d", granted, tt.want)
			}
		})
	}
}

// TestHedgeAllowanceInRace: a hedge the allowance refuses is not sent.
func TestHedgeAllowanceInRace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base := &hedgeBase{primary: hedgeStep{after: time.Second, status: 200}, hedge: hedgeStep{after: time.Millisecond, status: 200}}
		ht := mustHedge(t, HedgeConfig{Delay: 100 * time.Millisecond, Budget: unlimitedBudget(t)})(base).(*hedgeTransport)
		ht.allowance.credit.Store(0)
		res, err := ht.RoundTrip(hedgeSearch(t, t.Context()))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if calls, _ := base.snapshot(); len(calls) != 1 {
			t.Errorf("%d attempts, want 1: the allowance had no credit", len(calls))
		}
	})
}

func TestHedgeConfig(t *testing.T) {
	tests := []struct {
		name  string
		cfg   HedgeConfig
		field string // "" for a valid config
	}{
		{"zero", HedgeConfig{}, ""},
		{"fixed", HedgeConfig{Delay: time.Millisecond, Quantile: -1}, ""},
		{"adaptive with a fallback", HedgeConfig{Delay: time.Millisecond, Quantile: 0.99, MinSamples: 10}, ""},
		{"negative delay", HedgeConfig{Delay: -1}, "Delay"},
		{"fixed without a delay", HedgeConfig{Quantile: -1}, "Delay"},
		{"quantile 1", HedgeConfig{Quantile: 1}, "Quantile"},
		{"negative samples", HedgeConfig{MinSamples: -1}, "MinSamples"},
		{"bad status", HedgeConfig{RetryOnStatus: []int{1000}}, "RetryOnStatus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw, err := Hedge(tt.cfg)
			if tt.field == "" {
				if err != nil || mw == nil {
					t.Errorf("Hedge = %v", err)
				}
				return
			}
			var ce *rt.ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field {
				t.Errorf("err = %v, want a *rt.ConfigError for %s", err, tt.field)
			}
		})
	}
}

func TestHedgeReadOnly(t *testing.T) {
	tests := []struct {
		method, path string
		want         bool
	}{
		{"GET", "/idx/_search", true},
		{"HEAD", "/idx/_doc/1", true},
		{"GET", "/idx/_doc/1", true},
		{"GET", "/", true},
		{"POST", "/idx/_search", true},
		{"POST", "/_msearch", true},
		{"POST", "/idx/_count", true},
		{"POST", "/_mget", true},
		{"POST", "/_search/template", true},
		{"POST", "/idx/_explain/1", true},
		{"POST", "/idx/_field_caps", true},
		{"POST", "/idx/_doc", false},
		{"POST", "/idx/_doc/1", false},
		{"POST", "/idx/_create/1", false},
		{"POST", "/idx/_update/1", false},
		{"POST", "/_bulk", false},
		{"PUT", "/idx/_doc/1", false},
		{"DELETE", "/idx", false},
		{"OPTIONS", "/", false},
		{"POST", "/_search/scroll", false},
		{"GET", "/_search/scroll", false},
		{"POST", "/idx/_delete_by_query", false},
		// GETs that do something each time they are sent.
		{"GET", "/_security/enroll/kibana", false},
		{"GET", "/_security/enroll/node", false},
		{"GET", "/_sql", false},
		{"GET", "/idx/_eql/search", false},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, "http://es"+tt.path, nil)
		if got := hedgeable(req, endpoint.Of(req)); got != tt.want {
			t.Errorf("hedgeable(%s %s) = %v, want %v", tt.method, tt.path, got, tt.want)
		}
	}
}

// TestLatencyKey: the hedge delay is learnt per endpoint, by its ID;
// requests to endpoints esrt does not know share one record per method.
func TestLatencyKey(t *testing.T) {
	tests := []struct{ method, path, want string }{
		{"GET", "/idx/_search", "search"},
		{"POST", "/other/_search", "search"},
		{"GET", "/_search/template", "search_template"},
		{"GET", "/idx/_doc/_weird_id", "get"},
		{"GET", "/idx/_count", "count"},
		{"GET", "/", "info"},
		{"GET", "/idx", "indices.get"},
		{"GET", "/_plugin/thing", "GET"},
		{"GET", "/_other/plugin", "GET"},
		{"HEAD", "/_plugin/thing", "HEAD"},
		{"", "/_plugin/thing", "GET"},
	}
	for _, tt := range tests {
		if got := latencyKey(tt.method, endpoint.Lookup(tt.method, tt.path)); got != tt.want {
			t.Errorf("latencyKey(%s %s) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
	e := endpoint.Lookup("GET", "/idx/_doc/1")
	if n := testing.AllocsPerRun(100, func() { latencyKey("GET", e) }); n != 0 {
		t.Errorf("latencyKey allocates %v times", n)
	}
}

// TestHedgeUnknownEndpoints: reads of endpoints esrt does not know are
// hedged, and learn their delay together per method, apart from known
// endpoints.
func TestHedgeUnknownEndpoints(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base := &hedgeBase{primary: hedgeStep{after: time.Second, status: 200}, hedge: hedgeStep{after: time.Millisecond, status: 200}}
		ht := mustHedge(t, HedgeConfig{Delay: 100 * time.Millisecond, MinSamples: 1, Budget: unlimitedBudget(t)})(base).(*hedgeTransport)
		send := func(method, path string) {
			t.Helper()
			req, _ := http.NewRequestWithContext(t.Context(), method, "http://es"+path, nil)
			res, err := ht.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
		}
		send("GET", "/_plugin/a")
		if calls, _ := base.snapshot(); len(calls) != 2 {
			t.Fatalf("%d attempts, want 2: an unknown GET is a read, and is hedged", len(calls))
		}
		send("GET", "/_other/b")
		send("HEAD", "/_plugin/a")
		send("GET", "/idx/_search")
		get, head, search := ht.ops.get("GET"), ht.ops.get("HEAD"), ht.ops.get("search")
		if n := get.seen.Load(); n != 2 {
			t.Errorf("the unknown GETs' record has %d samples, want 2", n)
		}
		if head.seen.Load() != 1 || search.seen.Load() != 1 {
			t.Errorf("HEAD and search records: %d and %d samples, want 1 each", head.seen.Load(), search.seen.Load())
		}
	})
}

func TestLatenciesBounded(t *testing.T) {
	var o latencies
	first := o.get("search")
	for i := range maxLatencyKeys + 10 {
		o.get("op" + strconv.Itoa(i))
	}
	if o.get("search") != first {
		t.Error("an operation's record changed")
	}
	if got := len(*o.ops.Load()); got != maxLatencyKeys {
		t.Errorf("%d records, want at most %d", got, maxLatencyKeys)
	}
	if o.get("op1000") != &o.other || o.get("op1001") != &o.other {
		t.Error("operations beyond the bound do not share one record")
	}
}

// TestOpLatencyDelay: an operation's delay is the quantile of its
// histogram, once there are enough samples, refreshed as samples come.
func TestOpLatencyDelay(t *testing.T) {
	var l opLatency
	for i := range 99 {
		l.observe(time.Duration(i+1)*time.Millisecond, 0.5, 100)
	}
	if d := l.delay.Load(); d != 0 {
		t.Fatalf("delay %v before 100 samples, want none", time.Duration(d))
	}
	l.observe(100*time.Millisecond, 0.5, 100)
	if got, want := time.Duration(l.delay.Load()), l.hist.Quantile(0.5); got != want || got < 50*time.Millisecond {
		t.Fatalf("delay %v after 100 samples, want the median %v", got, want)
	}
	for range latency.Window * 2 {
		l.observe(time.Second, 0.5, 100)
	}
	if got, want := time.Duration(l.delay.Load()), latency.Upper(time.Second); got != want {
		t.Errorf("delay %v after a window of 1s samples, want %v", got, want)
	}
}

func TestHedgeConformance(t *testing.T) {
	tests := []struct {
		name string
		cfg  HedgeConfig
	}{
		// A hedge at once: every request races two attempts.
		{"Hedge/immediate", HedgeConfig{Delay: time.Nanosecond, Quantile: -1, Budget: unlimitedBudget(t)}},
		{"Hedge/zero", HedgeConfig{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { rttest.Run(t, mustHedge(t, tt.cfg)) })
	}
}

func unlimitedBudget(t testing.TB) *Budget {
	b, err := NewBudget(BudgetConfig{MinPerSecond: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHedgeLoserThroughRouter runs a hedge through the routing middleware
// against an estest cluster whose first node stalls: the hedge goes to the
// other node and wins; hooks see it as a hedge; the stalled node is
// neither dead nor failed, and its latency estimate rose to at least the
// time it took to lose.
func TestHedgeLoserThroughRouter(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 2})
	c.Node(0).SetLatency(5 * time.Second)
	pool, err := selector.NewPool(selector.PoolConfig{
		Seeds:    hedgeClusterNodes(t, c),
		Selector: selector.SelectorFunc(func([]selector.Candidate) int { return 0 }), // node 0, then the untried
	})
	if err != nil {
		t.Fatal(err)
	}
	httpTr := &http.Transport{}
	t.Cleanup(httpTr.CloseIdleConnections)
	tr := rt.Chain(httpTr, mustHedge(t, HedgeConfig{Delay: 50 * time.Millisecond, Quantile: -1}), selector.Middleware(pool))
	var mu sync.Mutex
	var started []string
	ctx := rt.WithHooks(t.Context(), &rt.Hooks{OnAttemptStart: func(i rt.AttemptInfo) {
		mu.Lock()
		started = append(started, fmt.Sprintf("%d %s hedge=%v", i.Attempt, i.Node.URL.Host, i.Hedge))
		mu.Unlock()
	}})
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://es/", nil)
	start := time.Now()
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("request took %v: the hedge did not win", d)
	}
	waitForNoHedgeGoroutines(t)
	mu.Lock()
	want := []string{
		"1 " + c.Node(0).Addr() + " hedge=false",
		"2 " + c.Node(1).Addr() + " hedge=true",
	}
	if !slices.Equal(started, want) {
		t.Errorf("attempts started: %q, want %q", started, want)
	}
	mu.Unlock()
	st := pool.Status()
	// Without the loser's sample, the node would have no estimate (0).
	if st[0].Dead || st[0].Failures != 0 || st[0].Latency < 25*time.Millisecond {
		t.Errorf("stalled node: dead %v, failures %d, latency %v; want alive, 0, about 50ms", st[0].Dead, st[0].Failures, st[0].Latency)
	}
	for _, s := range st {
		if s.InFlight != 0 {
			t.Errorf("%s: %d attempts still in flight: a body was not closed", s.Node, s.InFlight)
		}
	}
}

func hedgeClusterNodes(t testing.TB, c *estest.Cluster) []*rt.Node {
	t.Helper()
	var nodes []*rt.Node
	for _, u := range c.URLs() {
		n, err := rt.NewNode(u)
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, n)
	}
	return nodes
}

// waitForNoHedgeGoroutines waits, up to 5 s, until no goroutine runs a
// hedge, and fails the test if one still does.
func waitForNoHedgeGoroutines(t testing.TB) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(5 * time.Second); ; {
		n := runtime.Stack(buf, true)
		if !bytes.Contains(buf[:n], []byte("middleware.(*race).launch")) {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("a hedge goroutine is still running:\n%s", buf[:n])
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestHedgeTailLatency is the acceptance test of hedging against estest
// clusters of 3 nodes that answer in 10ms, where 3 % of requests, on any
// node, stall for 10× that. Through the chain retry → hedge (adaptive p95,
// sharing retry's budget) → routing, p99 must stay within 2.5× of the p99
// of the same chain when no request stalls, with at most 6 % extra
// requests; without hedging, p99 is the stall. Every body is closed and
// every hedge goroutine ends.
//
// The bounds are generous on purpose: with hedging, a stalled request
// costs about the p95 delay plus one normal answer (≈ 2× the healthy
// latency); the extra requests are expected at 3 to 5 %: the share of
// first attempts slower than their p95 rounded up to its histogram bucket,
// and never much more than 5 % (the allowance of an adaptive delay).
// To keep the measure steady on a busy machine, exactly one request in 33
// stalls (which node gets it is up to routing), rather than a random 3 %
// whose count would vary by ±1 % over 400 requests; and the three setups
// (no stalls, stalls with hedging, stalls without) take turns in the same
// loop, so that a pause of the machine hits them alike. The count is
// bounded: 400 requests per setup after 120 to learn, 12 at a time, about
// 1.5 s in all.
func TestHedgeTailLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end latency test")
	}
	const (
		healthy    = 10 * time.Millisecond
		stall      = 10 * healthy
		stallEvery = 33 // ≈ 3 %
		warmup     = 120
		n          = 400
		conc       = 12
	)
	type setup struct {
		tr       http.RoundTripper
		pool     *selector.Pool
		attempts atomic.Int64
		lat      [warmup + n]time.Duration
	}
	newSetup := func(stalls, hedge bool) *setup {
		c := estest.New(t, estest.Config{Nodes: 3})
		var served atomic.Int64
		for _, node := range c.Nodes() {
			node.SetLatencyFunc(func(*http.Request) time.Duration {
				if stalls && served.Add(1)%stallEvery == 0 {
					return stall
				}
				return healthy
			})
		}
		s := new(setup)
		var err error
		if s.pool, err = selector.NewPool(selector.PoolConfig{Seeds: hedgeClusterNodes(t, c)}); err != nil {
			t.Fatal(err)
		}
		httpTr := &http.Transport{MaxIdleConnsPerHost: 64}
		t.Cleanup(httpTr.CloseIdleConnections)
		counting := rt.Func(func(req *http.Request) (*http.Response, error) {
			s.attempts.Add(1)
			return httpTr.RoundTrip(req)
		})
		budget, err := NewBudget(BudgetConfig{})
		if err != nil {
			t.Fatal(err)
		}
		var hedging rt.Middleware
		if hedge {
			hedging = mustHedge(t, HedgeConfig{Budget: budget})
		}
		s.tr = rt.Chain(counting,
			mustRetry(t, RetryConfig{Budget: budget, Backoff: noWait}),
			hedging,
			selector.Middleware(s.pool),
		)
		return s
	}
	search := func(tr http.RoundTripper) time.Duration {
		req, _ := http.NewRequestWithContext(t.Context(), "POST", "http://es/_search", strings.NewReader(`{"query":{"match_all":{}}}`))
		start := time.Now()
		res, err := tr.RoundTrip(req)
		if err != nil {
			t.Error(err)
			return 0
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("status %d", res.StatusCode)
		}
		return time.Since(start)
	}
	base, hedged, unhedged := newSetup(false, true), newSetup(true, true), newSetup(true, false)
	setups := []*setup{base, hedged, unhedged}
	load := func(from, to int) {
		var next atomic.Int64
		next.Store(int64(from))
		var wg sync.WaitGroup
		for range conc {
			wg.Go(func() {
				for i := next.Add(1) - 1; i < int64(to); i = next.Add(1) - 1 {
					for _, s := range setups {
						s.lat[i] = search(s.tr)
					}
				}
			})
		}
		wg.Wait()
	}
	load(0, warmup)
	var before [3]int64
	for i, s := range setups {
		before[i] = s.attempts.Load()
	}
	load(warmup, warmup+n)
	waitForNoHedgeGoroutines(t)

	p99 := make([]time.Duration, len(setups))
	extra := make([]float64, len(setups))
	for i, s := range setups {
		lat := slices.Clone(s.lat[warmup:])
		slices.Sort(lat)
		p99[i] = lat[len(lat)*99/100]
		extra[i] = float64(s.attempts.Load()-before[i]-n) / n
		for _, st := range s.pool.Status() {
			if st.InFlight != 0 {
				t.Errorf("%s: %d attempts in flight after the run: a body was not closed", st.Node, st.InFlight)
			}
		}
	}
	t.Logf("p99: no stalls %v (%.1f%% extra requests); 1 in %d stalls for %v: hedged %v (%.2f×, %.1f%% extra requests), not hedged %v",
		p99[0], 100*extra[0], stallEvery, stall, p99[1], float64(p99[1])/float64(p99[0]), 100*extra[1], p99[2])
	if float64(p99[1]) > 2.5*float64(p99[0]) {
		t.Errorf("hedged p99 %v over 2.5× the healthy p99 %v", p99[1], p99[0])
	}
	if extra[1] > 0.06 {
		t.Errorf("hedging sent %.1f%% extra requests, want at most 6%%", 100*extra[1])
	}
	if p99[2] < stall {
		t.Errorf("p99 without hedging %v, below the stall %v: the test does not provoke stalls", p99[2], stall)
	}
}

// BenchmarkHedge measures the path of requests that are not hedged: the
// race armed (a fixed delay that never expires, or the adaptive delay
// learnt from earlier requests) but no hedge fired, next to no hedging at
// all and to a hedging middleware still learning.
func BenchmarkHedge(b *testing.B) {
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("{}")), Request: req}, nil
	})
	tests := []struct {
		name string
		mw   rt.Middleware
	}{
		{"none", nil},
		// Not armed: the request goes alone and its latency is recorded.
		{"learning", mustHedge(b, HedgeConfig{MinSamples: 1 << 30})},
		// Armed with a delay that never expires, recording latencies: the
		// path of an adaptive hedge that is not fired. (An adaptive delay
		// learnt from this instant base would fire hedges.)
		{"armed", mustHedge(b, HedgeConfig{Delay: time.Hour, MinSamples: 1 << 30})},
		// Armed with a fixed delay: no recording.
		{"armed/fixed", mustHedge(b, HedgeConfig{Delay: time.Hour, Quantile: -1})},
	}
	for _, tt := range tests {
		tr := rt.Chain(base, tt.mw)
		body := []byte(`{"size":1}`)
		newReq := func() *http.Request {
			req, _ := http.NewRequest("POST", "http://es/idx/_search", bytes.NewReader(body))
			return req
		}
		b.Run(tt.name, func(b *testing.B) {
			req := newReq()
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
		b.Run(tt.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				req := newReq()
				for pb.Next() {
					res, err := tr.RoundTrip(req)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
			})
		})
	}
}
