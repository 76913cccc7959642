package middleware

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/internal/routing"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/rt/rttest"
	"github.com/esrt-dev/esrt/selector"
)

// breakerStub is a base transport whose answer tests change. It closes
// request bodies like a transport and counts what reaches it.
type breakerStub struct {
	calls  atomic.Int64
	mu     sync.Mutex
	answer func(*http.Request) (*http.Response, error)
}

func newBreakerStub(status int) *breakerStub {
	s := new(breakerStub)
	s.setStatus(status)
	return s
}

func (s *breakerStub) set(f func(*http.Request) (*http.Response, error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answer = f
}

func (s *breakerStub) setStatus(status int) {
	s.set(func(req *http.Request) (*http.Response, error) { return breakerResponse(req, status), nil })
}

func (s *breakerStub) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	s.calls.Add(1)
	s.mu.Lock()
	f := s.answer
	s.mu.Unlock()
	return f(req)
}

func breakerResponse(req *http.Request, status int) *http.Response {
	return &http.Response{
		StatusCode: status,
		Header:     http.Header{},
		Body:       io.NopCloser(strings.NewReader(`{}`)),
		Request:    req,
	}
}

// breakerBlock answers 200 once release is closed, or the context's error
// when it is done first; started is told when a request arrives.
func breakerBlock(started chan<- struct{}, release <-chan struct{}) func(*http.Request) (*http.Response, error) {
	return func(req *http.Request) (*http.Response, error) {
		started <- struct{}{}
		select {
		case <-release:
			return breakerResponse(req, 200), nil
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	}
}

func mustBreakers(t testing.TB, cfg BreakerConfig) *Breakers {
	t.Helper()
	b, err := NewBreakers(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustClusterBreaker(t testing.TB, cfg ClusterBreakerConfig) rt.Middleware {
	t.Helper()
	mw, err := ClusterBreaker(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return mw
}

func breakerNode(t testing.TB, raw string) *rt.Node {
	t.Helper()
	n, err := rt.NewNode(raw)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// breakerSend sends a GET of url with ctx and closes the response body.
func breakerSend(t testing.TB, tr http.RoundTripper, ctx context.Context, url string) (int, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tr.RoundTrip(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

// breakerCounts returns the counts of the breaker of node n in b.
func breakerCounts(t testing.TB, b *Breakers, n *rt.Node) gobreaker.Counts {
	t.Helper()
	e := b.forNode(n, false)
	if e == nil {
		t.Fatalf("no breaker for %v", n)
	}
	return e.cb.Load().Counts()
}

// TestBreakerVerdicts pins what each attempt counts as, for the per-node
// and the cluster breaker, and that it is counted exactly once.
func TestBreakerVerdicts(t *testing.T) {
	type verdict int
	const (
		success verdict = iota
		failure
		excluded
	)
	hedgeLost := errors.New("hedge lost")
	tests := []struct {
		name    string
		answer  func(req *http.Request, cancel context.CancelCauseFunc) (*http.Response, error)
		node    verdict
		cluster verdict
	}{
		{"200", breakerStatus(200), success, success},
		{"404", breakerStatus(404), success, success},
		{"500", breakerStatus(500), success, success},
		{"429", breakerStatus(429), excluded, excluded},
		{"502", breakerStatus(502), failure, failure},
		{"503", breakerStatus(503), failure, failure},
		{"504", breakerStatus(504), failure, failure},
		{"connection refused", breakerErr(refused), failure, failure},
		{"attempt timeout below", breakerErr(fmt.Errorf("attempt: %w", context.DeadlineExceeded)), failure, failure},
		{"cancelled below", breakerErr(fmt.Errorf("attempt: %w", context.Canceled)), excluded, excluded},
		{"breaker below", breakerErr(fmt.Errorf("node: %w", rt.ErrBreakerOpen)), excluded, failure},
		{"no node below", breakerErr(rt.ErrNoNode), excluded, failure},
		{"local error below", breakerErr(&rt.LocalError{Err: errNoCredentials}), excluded, excluded},
		{"local error wrapping a deadline", breakerErr(fmt.Errorf("sigv4: %w", &rt.LocalError{Err: context.DeadlineExceeded})), excluded, excluded},
		{"local error after retries", breakerErr(&rt.RetryError{Attempts: []error{
			&rt.AttemptError{Attempt: 1, Err: refused},
			&rt.AttemptError{Attempt: 2, Err: &rt.LocalError{Err: errNoCredentials}},
		}}), excluded, excluded},
		{"caller cancel", func(req *http.Request, cancel context.CancelCauseFunc) (*http.Response, error) {
			cancel(nil)
			return nil, req.Context().Err()
		}, excluded, excluded},
		{"caller cancel after a 503", func(req *http.Request, cancel context.CancelCauseFunc) (*http.Response, error) {
			cancel(nil)
			return breakerResponse(req, 503), nil
		}, excluded, excluded},
		{"hedge lost", func(req *http.Request, cancel context.CancelCauseFunc) (*http.Response, error) {
			cancel(hedgeLost)
			return nil, req.Context().Err()
		}, excluded, excluded},
	}
	// count adds one attempt with verdict v to c, as gobreaker counts.
	count := func(c gobreaker.Counts, v verdict) gobreaker.Counts {
		c.Requests++
		switch v {
		case success:
			c.TotalSuccesses++
			c.ConsecutiveSuccesses++
			c.ConsecutiveFailures = 0
		case failure:
			c.TotalFailures++
			c.ConsecutiveFailures++
			c.ConsecutiveSuccesses = 0
		case excluded:
			c.TotalExclusions++
		}
		return c
	}
	// Each case runs against a per-node breaker that is closed and clean
	// (its fast path: a success is not counted, as it would change
	// nothing), one that remembers a failure (gobreaker admits and counts
	// every attempt), and the cluster breaker.
	breakers := []struct {
		name  string
		prior []verdict
	}{{"node", nil}, {"node after a failure", []verdict{failure}}, {"cluster", nil}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, br := range breakers {
				ctx, cancel := context.WithCancelCause(t.Context())
				stub := newBreakerStub(503)
				var tr http.RoundTripper
				var counts func() gobreaker.Counts
				v := tt.node
				if br.name == "cluster" {
					tr = mustClusterBreaker(t, ClusterBreakerConfig{})(stub)
					counts = tr.(*clusterBreakerTransport).c.cb.Load().Counts
					v = tt.cluster
				} else {
					b := mustBreakers(t, BreakerConfig{})
					n := breakerNode(t, "http://es1:9200")
					b.Open(n)
					tr = b.Middleware()(stub)
					counts = func() gobreaker.Counts { return breakerCounts(t, b, n) }
				}
				var want gobreaker.Counts
				for _, p := range br.prior {
					breakerSend(t, tr, t.Context(), "http://es1:9200/_search")
					want = count(want, p)
				}
				if br.prior == nil && br.name != "cluster" && v == success {
					// want stays zero
				} else {
					want = count(want, v)
				}
				stub.set(func(req *http.Request) (*http.Response, error) { return tt.answer(req, cancel) })
				breakerSend(t, tr, ctx, "http://es1:9200/_search")
				if got := counts(); got != want {
					t.Errorf("%s: counts %+v, want %+v", br.name, got, want)
				}
				cancel(nil)
			}
		})
	}
}

func breakerStatus(status int) func(*http.Request, context.CancelCauseFunc) (*http.Response, error) {
	return func(req *http.Request, _ context.CancelCauseFunc) (*http.Response, error) {
		return breakerResponse(req, status), nil
	}
}

func breakerErr(err error) func(*http.Request, context.CancelCauseFunc) (*http.Response, error) {
	return func(*http.Request, context.CancelCauseFunc) (*http.Response, error) { return nil, err }
}

// TestBreakerLateOutcomes pins the fast path's reports, for attempts that
// started while the breaker was closed without failures: a success from
// before a counted failure does not end the run of failures; an outcome
// from before a state change is dropped, as gobreaker drops its own late
// outcomes.
func TestBreakerLateOutcomes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustBreakers(t, BreakerConfig{Failures: 2, Timeout: time.Second})
		n := breakerNode(t, "http://es1:9200")
		b.Open(n)
		stub := new(breakerStub)
		tr := b.Middleware()(stub)
		url := "http://es1:9200/"

		// slow sends one attempt that waits for release, then answers
		// status; it returns once the attempt has reached the stub.
		slow := func(status int) (release func()) {
			started, rel := make(chan struct{}, 1), make(chan struct{})
			stub.set(func(req *http.Request) (*http.Response, error) {
				started <- struct{}{}
				<-rel
				return breakerResponse(req, status), nil
			})
			done := make(chan struct{})
			go func() { breakerSend(t, tr, t.Context(), url); close(done) }()
			<-started
			return func() { close(rel); <-done }
		}

		release := slow(200)
		stub.setStatus(503)
		breakerSend(t, tr, t.Context(), url) // one failure while the success is in flight
		release()
		if c := breakerCounts(t, b, n); c.ConsecutiveFailures != 1 {
			t.Fatalf("counts %+v: a success from before the failure ended the run of failures", c)
		}
		breakerSend(t, tr, t.Context(), url)
		if b.State(n) != rt.BreakerOpen {
			t.Fatalf("state %v after two failures in a row, want open", b.State(n))
		}
		time.Sleep(2 * time.Second)
		stub.setStatus(200)
		breakerSend(t, tr, t.Context(), url) // the half-open probe
		if b.State(n) != rt.BreakerClosed {
			t.Fatalf("state %v after the probe, want closed", b.State(n))
		}

		release = slow(503)
		breakerTrip(t, tr, stub, url, 2)
		time.Sleep(2 * time.Second)
		if b.Open(n) || b.State(n) != rt.BreakerHalfOpen {
			t.Fatalf("state %v, want half-open", b.State(n))
		}
		release() // a 503 from before the breaker opened
		if b.State(n) != rt.BreakerHalfOpen || b.Open(n) {
			t.Fatalf("a late failure moved the half-open breaker: %v, excluded %v", b.State(n), b.Open(n))
		}
		stub.setStatus(200)
		breakerSend(t, tr, t.Context(), url)
		if b.State(n) != rt.BreakerClosed {
			t.Errorf("state %v after the probe, want closed", b.State(n))
		}
	})
}

// TestBreakerOverlappingFailures: the attempts in flight when a node dies
// fail together and count as one failure; each attempt sent after the
// last counted failure counts again.
func TestBreakerOverlappingFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustBreakers(t, BreakerConfig{Failures: 3, Timeout: 10 * time.Second})
		n := breakerNode(t, "http://es1:9200")
		b.Open(n)
		dies := make(chan struct{})
		errReset := errors.New("read tcp: connection reset by peer")
		stub := new(breakerStub)
		stub.set(func(req *http.Request) (*http.Response, error) {
			<-dies
			return nil, errReset
		})
		tr := b.Middleware()(stub)
		url := "http://es1:9200/_search"
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				if _, err := breakerSend(t, tr, t.Context(), url); !errors.Is(err, errReset) {
					t.Errorf("attempt in flight: %v, want the reset", err)
				}
			})
		}
		synctest.Wait()
		close(dies)
		wg.Wait()
		if c := breakerCounts(t, b, n); c.ConsecutiveFailures != 1 || b.State(n) != rt.BreakerClosed {
			t.Fatalf("counts %+v, state %v after 10 attempts failed together; want 1 failure, closed", c, b.State(n))
		}
		breakerSend(t, tr, t.Context(), url)
		if c := breakerCounts(t, b, n); c.ConsecutiveFailures != 2 || b.State(n) != rt.BreakerClosed {
			t.Fatalf("counts %+v, state %v after one more failure; want 2 failures, closed", c, b.State(n))
		}
		breakerSend(t, tr, t.Context(), url)
		if b.State(n) != rt.BreakerOpen {
			t.Fatalf("state %v after three failures one after another, want open", b.State(n))
		}
	})
}

// TestBreakerPanicCountsOnce: a next that panics counts as one failure,
// and the panic goes on to the caller.
func TestBreakerPanicCountsOnce(t *testing.T) {
	b := mustBreakers(t, BreakerConfig{})
	n := breakerNode(t, "http://es1:9200")
	stub := new(breakerStub)
	stub.set(func(*http.Request) (*http.Response, error) { panic("boom") })
	tr := b.Middleware()(stub)
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want the panic of next", p)
			}
		}()
		breakerSend(t, tr, t.Context(), "http://es1:9200/")
	}()
	if c := breakerCounts(t, b, n); c.Requests != 1 || c.TotalFailures != 1 {
		t.Errorf("counts %+v, want one failure", c)
	}
}

// TestBreakerOpensAndRecovers walks one node's breaker through its
// states: closed, open (refusing without sending), half-open (one probe,
// others refused), closed again; and open again after a failed probe.
func TestBreakerOpensAndRecovers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustBreakers(t, BreakerConfig{Failures: 3, Timeout: 10 * time.Second})
		n := breakerNode(t, "http://es1:9200")
		other := breakerNode(t, "http://es2:9200")
		stub := newBreakerStub(503)
		tr := b.Middleware()(stub)
		url := "http://es1:9200/_search"

		for i := range 3 {
			if b.Open(n) {
				t.Fatalf("open after %d failures", i)
			}
			if code, err := breakerSend(t, tr, t.Context(), url); err != nil || code != 503 {
				t.Fatalf("attempt %d: %d, %v; want the 503", i+1, code, err)
			}
		}
		if !b.Open(n) || b.State(n) != rt.BreakerOpen {
			t.Fatalf("not open after 3 failures: %v", b.State(n))
		}
		if b.Open(other) || b.State(other) != rt.BreakerClosed {
			t.Error("another node's breaker is affected")
		}

		// Open: refused without sending; the body is closed.
		body := &breakerBody{Reader: strings.NewReader("{}")}
		req, _ := http.NewRequestWithContext(t.Context(), "POST", url, body)
		res, err := tr.RoundTrip(req)
		if res != nil || !errors.Is(err, rt.ErrBreakerOpen) {
			t.Fatalf("got %v, %v; want an error wrapping rt.ErrBreakerOpen", res, err)
		}
		if !strings.Contains(err.Error(), "es1:9200") {
			t.Errorf("error %q does not name the node", err)
		}
		if stub.calls.Load() != 3 || body.closed.Load() != 1 {
			t.Errorf("sent %d (want 3), body closed %d times (want 1)", stub.calls.Load(), body.closed.Load())
		}

		// Not before the cool-down.
		time.Sleep(10*time.Second - time.Millisecond)
		if !b.Open(n) {
			t.Fatal("half-open before the cool-down")
		}
		time.Sleep(2 * time.Millisecond)
		if b.Open(n) || b.State(n) != rt.BreakerHalfOpen {
			t.Fatalf("state %v after the cool-down, want half-open and not excluded", b.State(n))
		}

		// Half-open: one probe at a time.
		started, release := make(chan struct{}, 1), make(chan struct{})
		stub.set(breakerBlock(started, release))
		done := make(chan error, 1)
		go func() { _, err := breakerSend(t, tr, t.Context(), url); done <- err }()
		<-started
		if !b.Open(n) {
			t.Error("half-open with its probe in flight is not excluded")
		}
		if _, err := breakerSend(t, tr, t.Context(), url); !errors.Is(err, rt.ErrBreakerOpen) ||
			!strings.Contains(err.Error(), "half-open") {
			t.Errorf("second request while the probe is in flight: %v", err)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if b.Open(n) || b.State(n) != rt.BreakerClosed {
			t.Fatalf("state %v after a successful probe, want closed", b.State(n))
		}

		// A failed probe opens it again for another cool-down.
		stub.setStatus(502)
		for range 3 {
			breakerSend(t, tr, t.Context(), url)
		}
		time.Sleep(10*time.Second + time.Millisecond)
		if code, _ := breakerSend(t, tr, t.Context(), url); code != 502 || b.State(n) != rt.BreakerOpen {
			t.Fatalf("probe got %d, state %v; want the 502 and open", code, b.State(n))
		}
		if _, err := breakerSend(t, tr, t.Context(), url); !errors.Is(err, rt.ErrBreakerOpen) {
			t.Errorf("after a failed probe: %v, want refused", err)
		}
	})
}

type breakerBody struct {
	io.Reader
	closed atomic.Int32
}

func (b *breakerBody) Close() error { b.closed.Add(1); return nil }

// breakerTrip opens the breaker of the node at url with failures.
func breakerTrip(t *testing.T, tr http.RoundTripper, stub *breakerStub, url string, failures int) {
	t.Helper()
	stub.setStatus(503)
	for range failures {
		breakerSend(t, tr, t.Context(), url)
	}
	if _, err := breakerSend(t, tr, t.Context(), url); !errors.Is(err, rt.ErrBreakerOpen) {
		t.Fatalf("breaker did not open: %v", err)
	}
}

// TestBreakerLastResort: an attempt the router marks as a last resort
// passes a per-node breaker that would refuse it, open or half-open with
// its probe in flight; its failure is not counted, and its success closes
// the breaker. The cluster breaker, which is meant to fail fast, refuses
// it all the same.
func TestBreakerLastResort(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var events breakerEvents
		b := mustBreakers(t, BreakerConfig{Failures: 2, Timeout: 10 * time.Second, Hooks: events.hooks()})
		n := breakerNode(t, "http://es1:9200")
		stub := newBreakerStub(503)
		tr := b.Middleware()(stub)
		url := "http://es1:9200/_search"
		breakerTrip(t, tr, stub, url, 2)
		last := routing.WithLastResort(t.Context())

		// Open: sent, and a failure changes nothing.
		stub.setStatus(503)
		before := stub.calls.Load()
		if code, err := breakerSend(t, tr, last, url); err != nil || code != 503 {
			t.Fatalf("last resort through the open breaker: %d, %v; want the 503", code, err)
		}
		if stub.calls.Load() != before+1 {
			t.Fatal("the last resort was not sent")
		}
		if b.State(n) != rt.BreakerOpen {
			t.Fatalf("state %v after an uncounted 503, want open", b.State(n))
		}
		if _, err := breakerSend(t, tr, t.Context(), url); !errors.Is(err, rt.ErrBreakerOpen) {
			t.Fatalf("an ordinary attempt after the last resorts: %v, want refused", err)
		}
		// The cool-down is not restarted by them.
		time.Sleep(10*time.Second + time.Millisecond)
		if b.Open(n) {
			t.Fatal("not half-open after the cool-down")
		}

		// Half-open with its probe in flight: the last resort passes and
		// the probe alone decides.
		started, release := make(chan struct{}, 1), make(chan struct{})
		stub.set(breakerBlock(started, release))
		done := make(chan error, 1)
		go func() { _, err := breakerSend(t, tr, t.Context(), url); done <- err }()
		<-started
		stub.setStatus(503)
		if code, err := breakerSend(t, tr, last, url); err != nil || code != 503 {
			t.Fatalf("last resort while the probe is in flight: %d, %v", code, err)
		}
		if b.State(n) != rt.BreakerHalfOpen {
			t.Fatalf("state %v after an uncounted 503, want half-open", b.State(n))
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if b.State(n) != rt.BreakerClosed {
			t.Fatalf("state %v after the probe succeeded, want closed", b.State(n))
		}

		// Open again: a last resort that succeeds closes it, long before
		// its cool-down is over.
		breakerTrip(t, tr, stub, url, 2)
		events.take()
		time.Sleep(time.Second)
		stub.setStatus(200)
		if code, err := breakerSend(t, tr, last, url); err != nil || code != 200 {
			t.Fatalf("last resort through the open breaker: %d, %v; want the 200", code, err)
		}
		if b.Open(n) || b.State(n) != rt.BreakerClosed {
			t.Fatalf("state %v after a last resort succeeded, want closed", b.State(n))
		}
		if got := events.take(); strings.Join(got, ", ") != "es1:9200 es1:9200 open>closed" {
			t.Errorf("hooks got %q, want the change from open to closed", got)
		}
		if code, err := breakerSend(t, tr, t.Context(), url); err != nil || code != 200 {
			t.Fatalf("an ordinary attempt after the breaker closed: %d, %v", code, err)
		}
		stub.setStatus(503)
		breakerSend(t, tr, t.Context(), url)
		if b.State(n) != rt.BreakerClosed {
			t.Fatal("the closed breaker remembered failures from before")
		}
		breakerSend(t, tr, t.Context(), url)
		if b.State(n) != rt.BreakerOpen {
			t.Fatalf("state %v after two more failures, want open", b.State(n))
		}

		// The cluster breaker has no last resort.
		cstub := newBreakerStub(503)
		ctr := mustClusterBreaker(t, ClusterBreakerConfig{MinRequests: 2, Ratio: 1})(cstub)
		for range 2 {
			breakerSend(t, ctr, t.Context(), url)
		}
		if _, err := breakerSend(t, ctr, last, url); !errors.Is(err, rt.ErrBreakerOpen) {
			t.Fatalf("cluster breaker let a last resort through: %v", err)
		}
	})
}

// TestBreakerCancelledProbe: a half-open probe whose caller gives up is
// counted once, as nothing, and frees its slot: the breaker does not stay
// half-open with a probe that will never report.
func TestBreakerCancelledProbe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustBreakers(t, BreakerConfig{Failures: 1, Timeout: time.Second})
		n := breakerNode(t, "http://es1:9200")
		stub := new(breakerStub)
		tr := b.Middleware()(stub)
		url := "http://es1:9200/"
		breakerTrip(t, tr, stub, url, 1)
		time.Sleep(time.Second + time.Millisecond)

		started := make(chan struct{}, 1)
		stub.set(breakerBlock(started, make(chan struct{})))
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { _, err := breakerSend(t, tr, ctx, url); done <- err }()
		<-started
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled probe: %v", err)
		}
		if c := breakerCounts(t, b, n); c.Requests != 1 || c.TotalExclusions != 1 || c.TotalSuccesses+c.TotalFailures != 0 {
			t.Errorf("counts %+v, want the probe counted once, as nothing", c)
		}
		if b.Open(n) || b.State(n) != rt.BreakerHalfOpen {
			t.Fatalf("state %v, excluded %v: want half-open with its slot free", b.State(n), b.Open(n))
		}
		stub.setStatus(200)
		if code, err := breakerSend(t, tr, t.Context(), url); err != nil || code != 200 {
			t.Fatalf("next probe: %d, %v", code, err)
		}
		if b.State(n) != rt.BreakerClosed {
			t.Errorf("state %v after the next probe succeeded, want closed", b.State(n))
		}
	})
}

// TestBreakerLeakedBody: the outcome is reported at response headers, so
// a probe whose response body is never closed still closes the breaker.
func TestBreakerLeakedBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustBreakers(t, BreakerConfig{Failures: 1, Timeout: time.Second})
		n := breakerNode(t, "http://es1:9200")
		stub := new(breakerStub)
		tr := b.Middleware()(stub)
		url := "http://es1:9200/"
		breakerTrip(t, tr, stub, url, 1)
		time.Sleep(2 * time.Second)

		stub.setStatus(200)
		req, _ := http.NewRequestWithContext(t.Context(), "GET", url, nil)
		leaked, err := tr.RoundTrip(req) // body never read nor closed
		if err != nil {
			t.Fatal(err)
		}
		if b.State(n) != rt.BreakerClosed {
			t.Fatalf("state %v with the probe's body open, want closed", b.State(n))
		}
		for range 3 {
			if _, err := breakerSend(t, tr, t.Context(), url); err != nil {
				t.Fatal(err)
			}
		}
		_ = leaked
	})
}

// TestBreakerIgnores429AndCancel: neither 429 nor a caller that gives up
// opens a breaker, nor breaks a run of failures.
func TestBreakerIgnores429AndCancel(t *testing.T) {
	b := mustBreakers(t, BreakerConfig{Failures: 3})
	n := breakerNode(t, "http://es1:9200")
	stub := new(breakerStub)
	tr := b.Middleware()(stub)
	url := "http://es1:9200/"
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	stub.set(func(req *http.Request) (*http.Response, error) {
		if err := req.Context().Err(); err != nil {
			return nil, err
		}
		return breakerResponse(req, 429), nil
	})
	for range 50 {
		breakerSend(t, tr, t.Context(), url)
		breakerSend(t, tr, cancelled, url)
	}
	if b.State(n) != rt.BreakerClosed {
		t.Fatalf("429s and cancels opened the breaker")
	}
	// Two failures, then 429s and cancels, then a third failure: open.
	for _, step := range []struct {
		status int
		ctx    context.Context
	}{{503, t.Context()}, {503, t.Context()}, {429, t.Context()}, {0, cancelled}, {503, t.Context()}} {
		if step.status != 0 {
			stub.setStatus(step.status)
		}
		breakerSend(t, tr, step.ctx, url)
	}
	if b.State(n) != rt.BreakerOpen {
		t.Errorf("state %v, want open: 429 and cancel must not reset consecutive failures", b.State(n))
	}
}

// TestBreakerIgnoresLocalErrors: a run of attempts that failed in the
// client before sending (*rt.LocalError) opens neither a node's breaker
// nor the cluster breaker, where as many plain errors open both, and does
// not break a run of failures.
func TestBreakerIgnoresLocalErrors(t *testing.T) {
	const failures = 5
	tests := []struct {
		name     string
		breaker  func(t *testing.T, next http.RoundTripper) (http.RoundTripper, func() rt.BreakerState)
		err      error
		wantOpen bool
	}{
		{"node, plain errors", nodeBreaker(failures), refused, true},
		{"node, local errors", nodeBreaker(failures), &rt.LocalError{Err: errNoCredentials}, false},
		{"node, wrapped local errors", nodeBreaker(failures), fmt.Errorf("sigv4: %w", &rt.LocalError{Err: errNoCredentials}), false},
		{"cluster, plain errors", clusterBreaker(failures), refused, true},
		{"cluster, local errors", clusterBreaker(failures), &rt.LocalError{Err: errNoCredentials}, false},
		{"cluster, local errors after retries", clusterBreaker(failures), &rt.RetryError{Attempts: []error{
			&rt.AttemptError{Attempt: 1, Err: refused},
			&rt.AttemptError{Attempt: 2, Err: &rt.LocalError{Err: errNoCredentials}},
		}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := new(breakerStub)
			tr, state := tt.breaker(t, stub)
			stub.set(func(*http.Request) (*http.Response, error) { return nil, tt.err })
			for range failures {
				breakerSend(t, tr, t.Context(), "http://es1:9200/")
			}
			if got := state() == rt.BreakerOpen; got != tt.wantOpen {
				t.Fatalf("open after %d errors = %v, want %v", failures, got, tt.wantOpen)
			}
			if tt.wantOpen {
				return
			}
			// Local errors between failures do not reset the run: one
			// failure short, local errors, one more failure: open.
			stub.set(func(*http.Request) (*http.Response, error) { return nil, refused })
			for range failures - 1 {
				breakerSend(t, tr, t.Context(), "http://es1:9200/")
			}
			stub.set(func(*http.Request) (*http.Response, error) { return nil, tt.err })
			breakerSend(t, tr, t.Context(), "http://es1:9200/")
			if state() != rt.BreakerClosed {
				t.Fatal("opened before the last failure")
			}
			stub.set(func(*http.Request) (*http.Response, error) { return nil, refused })
			breakerSend(t, tr, t.Context(), "http://es1:9200/")
			if state() != rt.BreakerOpen {
				t.Errorf("state %v, want open: local errors must not reset a run of failures", state())
			}
		})
	}
}

// nodeBreaker returns a per-node breaker over next that opens after
// failures consecutive failures, with the state of es1's breaker.
func nodeBreaker(failures int) func(*testing.T, http.RoundTripper) (http.RoundTripper, func() rt.BreakerState) {
	return func(t *testing.T, next http.RoundTripper) (http.RoundTripper, func() rt.BreakerState) {
		b := mustBreakers(t, BreakerConfig{Failures: failures})
		n := breakerNode(t, "http://es1:9200")
		return b.Middleware()(next), func() rt.BreakerState { return b.State(n) }
	}
}

// clusterBreaker returns a cluster breaker over next that opens once
// failures requests counted and half of them failed, with its state.
func clusterBreaker(failures int) func(*testing.T, http.RoundTripper) (http.RoundTripper, func() rt.BreakerState) {
	return func(t *testing.T, next http.RoundTripper) (http.RoundTripper, func() rt.BreakerState) {
		tr := mustClusterBreaker(t, ClusterBreakerConfig{MinRequests: failures})(next)
		e := tr.(*clusterBreakerTransport).c
		return tr, func() rt.BreakerState { return stateOf(e.cb.Load().State()) }
	}
}

// breakerEvents records BreakerChange hooks.
type breakerEvents struct {
	mu  sync.Mutex
	got []rt.BreakerInfo
}

func (e *breakerEvents) hooks() *rt.Hooks {
	return &rt.Hooks{OnBreakerChange: func(i rt.BreakerInfo) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.got = append(e.got, i)
	}}
}

func (e *breakerEvents) nodes() []*rt.Node {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*rt.Node
	for _, i := range e.got {
		out = append(out, i.Node)
	}
	return out
}

func (e *breakerEvents) take() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, i := range e.got {
		node := "<nil>"
		if i.Node != nil {
			node = i.Node.URL.Host
		}
		out = append(out, fmt.Sprintf("%s %s %s>%s", i.Name, node, i.From, i.To))
	}
	e.got = nil
	return out
}

// TestBreakerHooks: state changes reach the configured hooks and those of
// the request during which they happened.
func TestBreakerHooks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var cfgEvents, reqEvents breakerEvents
		b := mustBreakers(t, BreakerConfig{Failures: 2, Timeout: time.Second, Hooks: cfgEvents.hooks()})
		n := breakerNode(t, "http://es1:9200")
		b.Open(n) // the router's first pick registers the node
		stub := newBreakerStub(503)
		tr := b.Middleware()(stub)
		url := "http://es1:9200/"
		withHooks := rt.WithHooks(t.Context(), reqEvents.hooks())

		breakerSend(t, tr, withHooks, url)
		breakerSend(t, tr, withHooks, url)
		check := func(step string, gotCfg, gotReq, want []string) {
			t.Helper()
			if strings.Join(gotCfg, ", ") != strings.Join(want, ", ") {
				t.Errorf("%s: configured hooks got %q, want %q", step, gotCfg, want)
			}
			if strings.Join(gotReq, ", ") != strings.Join(want, ", ") {
				t.Errorf("%s: request hooks got %q, want %q", step, gotReq, want)
			}
		}
		check("trip", cfgEvents.take(), reqEvents.take(), []string{"es1:9200 es1:9200 closed>open"})

		time.Sleep(2 * time.Second)
		b.Open(n) // no request at hand: the configured hooks only
		if got := cfgEvents.take(); strings.Join(got, "") != "es1:9200 es1:9200 open>half-open" {
			t.Errorf("cool-down: configured hooks got %q", got)
		}
		if got := reqEvents.take(); got != nil {
			t.Errorf("cool-down: request hooks got %q without a request", got)
		}

		stub.setStatus(200)
		breakerSend(t, tr, withHooks, url)
		check("probe", cfgEvents.take(), reqEvents.take(), []string{"es1:9200 es1:9200 half-open>closed"})

		if nodes := reqEvents.nodes(); len(nodes) != 0 {
			t.Errorf("request hooks kept %d events after take", len(nodes))
		}
		stub.setStatus(503)
		breakerSend(t, tr, withHooks, url)
		breakerSend(t, tr, withHooks, url)
		if nodes := reqEvents.nodes(); len(nodes) != 1 || nodes[0] != n {
			t.Errorf("events name nodes %v, want the node Open was asked about", nodes)
		}

		// The cluster breaker names itself "cluster", without a node.
		var clusterEvents breakerEvents
		ctr := mustClusterBreaker(t, ClusterBreakerConfig{MinRequests: 1, Hooks: clusterEvents.hooks()})(stub)
		stub.setStatus(503)
		breakerSend(t, ctr, t.Context(), url)
		if got := clusterEvents.take(); strings.Join(got, "") != "cluster <nil> closed>open" {
			t.Errorf("cluster breaker events %q", got)
		}
	})
}

// TestBreakerHookMayCallBack: a hook that asks the breakers about the node
// whose breaker changed does not deadlock.
func TestBreakerHookMayCallBack(t *testing.T) {
	var b *Breakers
	var states []rt.BreakerState
	b = mustBreakers(t, BreakerConfig{Failures: 1, Hooks: &rt.Hooks{OnBreakerChange: func(i rt.BreakerInfo) {
		b.Open(i.Node)
		states = append(states, b.State(i.Node))
	}}})
	n := breakerNode(t, "http://es1:9200")
	b.Open(n)
	breakerSend(t, b.Middleware()(newBreakerStub(503)), t.Context(), "http://es1:9200/")
	if len(states) != 1 || states[0] != rt.BreakerOpen {
		t.Errorf("hook saw %v, want [open]", states)
	}
}

// TestBreakerConcurrent drives one breaker from many goroutines through
// every state, with mixed outcomes and cancels: state changes reach the
// hooks in order (each change starts where the previous one ended), and
// the breaker ends closed once the node is healthy: no probe was leaked.
func TestBreakerConcurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var events []rt.BreakerInfo
		b := mustBreakers(t, BreakerConfig{Failures: 3, Timeout: 100 * time.Millisecond, HalfOpenRequests: 2,
			Hooks: &rt.Hooks{OnBreakerChange: func(i rt.BreakerInfo) {
				mu.Lock()
				defer mu.Unlock()
				events = append(events, i)
			}}})
		n := breakerNode(t, "http://es1:9200")
		stub := new(breakerStub)
		var i atomic.Int64
		stub.set(func(req *http.Request) (*http.Response, error) {
			k := i.Add(1)
			time.Sleep(time.Duration(k%7) * 10 * time.Millisecond)
			switch k % 5 {
			case 0, 1:
				return breakerResponse(req, 503), nil
			case 2:
				return breakerResponse(req, 429), nil
			case 3:
				if err := req.Context().Err(); err != nil {
					return nil, err
				}
			}
			return breakerResponse(req, 200), nil
		})
		tr := b.Middleware()(stub)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for r := range 100 {
					ctx, cancel := context.WithCancel(t.Context())
					if (g+r)%9 == 0 {
						cancel()
					}
					b.Open(n)
					breakerSend(t, tr, ctx, "http://es1:9200/")
					cancel()
					time.Sleep(time.Duration(r%3) * 20 * time.Millisecond)
				}
			})
		}
		wg.Wait()
		stub.setStatus(200)
		time.Sleep(time.Second)
		for range 2 {
			breakerSend(t, tr, t.Context(), "http://es1:9200/")
		}
		if s := b.State(n); s != rt.BreakerClosed {
			t.Fatalf("state %v after the node recovered, want closed", s)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(events) < 3 {
			t.Fatalf("only %d state changes: the test did not exercise the breaker", len(events))
		}
		prev := rt.BreakerClosed
		for k, e := range events {
			if e.From != prev || e.Node != n {
				t.Fatalf("event %d: %+v after a change to %v", k, e, prev)
			}
			prev = e.To
		}
		if prev != rt.BreakerClosed {
			t.Errorf("last change ends %v, want closed", prev)
		}
		t.Logf("%d state changes", len(events))
	})
}

// TestBreakerNodeByURL pins how an attempt finds its node's breaker:
// scheme, host, and the longest path prefix that begins the path.
func TestBreakerNodeByURL(t *testing.T) {
	b := mustBreakers(t, BreakerConfig{Failures: 1})
	prefixed := breakerNode(t, "http://proxy:8080/es")
	bare := breakerNode(t, "http://proxy:8080")
	secure := breakerNode(t, "https://proxy:8080/es")
	for _, n := range []*rt.Node{prefixed, bare, secure} {
		b.Open(n)
	}
	tests := []struct {
		url  string
		want *rt.Node
	}{
		{"http://proxy:8080/es/_search", prefixed},
		{"http://proxy:8080/es", prefixed},
		{"http://proxy:8080/esx/_search", bare},
		{"http://proxy:8080/_search", bare},
		{"https://proxy:8080/es/idx/_doc/1", secure},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			b := mustBreakers(t, BreakerConfig{Failures: 1})
			for _, n := range []*rt.Node{prefixed, bare, secure} {
				b.Open(n)
			}
			breakerSend(t, b.Middleware()(newBreakerStub(503)), t.Context(), tt.url)
			for _, n := range []*rt.Node{prefixed, bare, secure} {
				if got, want := b.State(n), n == tt.want; (got == rt.BreakerOpen) != want {
					t.Errorf("%v: %v", n, got)
				}
			}
		})
	}
	// An address Open was never asked about gets a breaker for its host.
	unknown := breakerNode(t, "http://new:9200")
	breakerSend(t, b.Middleware()(newBreakerStub(503)), t.Context(), "http://new:9200/x/_search")
	if !b.Open(unknown) {
		t.Error("a host first seen by the middleware has no breaker")
	}
}

// TestBreakersForgetIdle: breakers with nothing to remember are forgotten
// as nodes come and go; open ones are kept.
func TestBreakersForgetIdle(t *testing.T) {
	b := mustBreakers(t, BreakerConfig{Failures: 1})
	tr := b.Middleware()(newBreakerStub(200))
	tripped := breakerNode(t, "http://tripped:9200")
	b.Open(tripped)
	breakerSend(t, b.Middleware()(newBreakerStub(503)), t.Context(), "http://tripped:9200/")
	for i := range 1000 {
		breakerSend(t, tr, t.Context(), fmt.Sprintf("http://node-%d:9200/", i))
	}
	b.mu.Lock()
	size := b.size
	b.mu.Unlock()
	if size > 2*pruneMin {
		t.Errorf("%d breakers after 1000 idle nodes", size)
	}
	if !b.Open(tripped) {
		t.Error("an open breaker was forgotten")
	}
}

// TestBreakersKeepNodesInUse: with more nodes in rotation than the table
// prunes at, the breakers of nodes in use are kept, so that asking about
// them (the pool does, for every candidate of every pick) neither rebuilds
// the table nor allocates once every node has been seen a few times.
func TestBreakersKeepNodesInUse(t *testing.T) {
	b := mustBreakers(t, BreakerConfig{})
	nodes := make([]*rt.Node, 5*pruneMin)
	for i := range nodes {
		nodes[i] = breakerNode(t, fmt.Sprintf("http://node-%d:9200", i))
	}
	for range 4 { // every node seen: the table grows past them all
		for _, n := range nodes {
			b.Open(n)
		}
	}
	i := 0
	allocs := testing.AllocsPerRun(len(nodes), func() {
		b.Open(nodes[i%len(nodes)])
		i++
	})
	if allocs != 0 {
		t.Errorf("Open allocates %.1f times per call over %d nodes in use: the table is rebuilt", allocs, len(nodes))
	}
}

func TestBreakerConfigErrors(t *testing.T) {
	nodeTests := []struct {
		field string
		cfg   BreakerConfig
	}{
		{"Failures", BreakerConfig{Failures: -1}},
		{"Timeout", BreakerConfig{Timeout: -time.Second}},
		{"HalfOpenRequests", BreakerConfig{HalfOpenRequests: -1}},
	}
	for _, tt := range nodeTests {
		_, err := NewBreakers(tt.cfg)
		var ce *rt.ConfigError
		if !errors.As(err, &ce) || ce.Field != tt.field || !errors.Is(err, rt.ErrInvalidConfig) {
			t.Errorf("NewBreakers(%+v) = %v, want a ConfigError for %s", tt.cfg, err, tt.field)
		}
	}
	clusterTests := []struct {
		field string
		cfg   ClusterBreakerConfig
	}{
		{"Ratio", ClusterBreakerConfig{Ratio: -0.1}},
		{"Ratio", ClusterBreakerConfig{Ratio: 1.5}},
		{"MinRequests", ClusterBreakerConfig{MinRequests: -1}},
		{"Window", ClusterBreakerConfig{Window: -time.Second}},
		{"Timeout", ClusterBreakerConfig{Timeout: -time.Second}},
		{"HalfOpenRequests", ClusterBreakerConfig{HalfOpenRequests: -2}},
	}
	for _, tt := range clusterTests {
		_, err := ClusterBreaker(tt.cfg)
		var ce *rt.ConfigError
		if !errors.As(err, &ce) || ce.Field != tt.field || !errors.Is(err, rt.ErrInvalidConfig) {
			t.Errorf("ClusterBreaker(%+v) = %v, want a ConfigError for %s", tt.cfg, err, tt.field)
		}
	}
	if _, err := NewBreakers(BreakerConfig{}); err != nil {
		t.Errorf("zero BreakerConfig: %v", err)
	}
	if _, err := ClusterBreaker(ClusterBreakerConfig{Ratio: 1}); err != nil {
		t.Errorf("Ratio 1: %v", err)
	}
}

// TestBreakerDefaults: the zero configurations open after 5 consecutive
// failures (per node) and at half of 20 requests (cluster), and wait 10 s.
func TestBreakerDefaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustBreakers(t, BreakerConfig{})
		n := breakerNode(t, "http://es1:9200")
		tr := b.Middleware()(newBreakerStub(503))
		for range 4 {
			breakerSend(t, tr, t.Context(), "http://es1:9200/")
		}
		if b.Open(n) {
			t.Fatal("open after 4 failures")
		}
		breakerSend(t, tr, t.Context(), "http://es1:9200/")
		if !b.Open(n) {
			t.Fatal("closed after 5 failures")
		}
		time.Sleep(10*time.Second - time.Millisecond)
		if !b.Open(n) {
			t.Fatal("half-open before 10 s")
		}
		time.Sleep(2 * time.Millisecond)
		if b.Open(n) {
			t.Fatal("still open after 10 s")
		}

		stub := newBreakerStub(200)
		ctr := mustClusterBreaker(t, ClusterBreakerConfig{})(stub)
		state := ctr.(*clusterBreakerTransport).c.cb.Load().State
		for range 10 {
			breakerSend(t, ctr, t.Context(), "http://es/")
		}
		stub.setStatus(503)
		for range 9 {
			breakerSend(t, ctr, t.Context(), "http://es/")
		}
		if state() != gobreaker.StateClosed {
			t.Fatal("cluster breaker open after 9 of 19 failed")
		}
		breakerSend(t, ctr, t.Context(), "http://es/")
		if state() != gobreaker.StateOpen {
			t.Fatal("cluster breaker closed after 10 of 20 failed")
		}
	})
}

// TestClusterBreaker: the ratio, the minimum count and the rolling window
// decide when the cluster breaker opens; open, it refuses every request
// without sending; after the cool-down a probe closes or reopens it.
func TestClusterBreaker(t *testing.T) {
	type step struct {
		ok, failed int
		wait       time.Duration // before the step
	}
	tests := []struct {
		name  string
		steps []step
		open  bool
	}{
		{"under the minimum", []step{{failed: 9}}, false},
		{"at the minimum", []step{{failed: 10}}, true},
		{"under the ratio", []step{{ok: 31}, {failed: 19}}, false},
		{"at the ratio", []step{{ok: 30}, {failed: 20}}, true},
		{"old successes leave the window", []step{{ok: 100}, {failed: 9, wait: 5 * time.Second}, {failed: 1, wait: 6 * time.Second}}, true},
		{"old failures leave the window", []step{{failed: 9}, {ok: 1, wait: 11 * time.Second}, {failed: 1}}, false},
		{"429 does not count", []step{{ok: 10}}, false}, // ok is 429 here
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				stub := new(breakerStub)
				tr := mustClusterBreaker(t, ClusterBreakerConfig{Ratio: 0.4, MinRequests: 10, Window: 10 * time.Second})(stub)
				okStatus := 200
				if strings.Contains(tt.name, "429") {
					okStatus = 429
				}
				for _, s := range tt.steps {
					time.Sleep(s.wait)
					stub.setStatus(okStatus)
					for range s.ok {
						breakerSend(t, tr, t.Context(), "http://es/")
					}
					stub.setStatus(503)
					for range s.failed {
						breakerSend(t, tr, t.Context(), "http://es/")
					}
				}
				sent := stub.calls.Load()
				_, err := breakerSend(t, tr, t.Context(), "http://es/")
				if got := errors.Is(err, rt.ErrBreakerOpen); got != tt.open {
					t.Fatalf("refused %v (%v), want %v", got, err, tt.open)
				}
				if tt.open && stub.calls.Load() != sent {
					t.Error("an open cluster breaker sent the request")
				}
			})
		})
	}

	synctest.Test(t, func(t *testing.T) {
		stub := newBreakerStub(503)
		tr := mustClusterBreaker(t, ClusterBreakerConfig{MinRequests: 2, Timeout: 5 * time.Second})(stub)
		for range 2 {
			breakerSend(t, tr, t.Context(), "http://es/")
		}
		stub.setStatus(200)
		time.Sleep(5*time.Second - time.Millisecond)
		if _, err := breakerSend(t, tr, t.Context(), "http://es/"); !errors.Is(err, rt.ErrBreakerOpen) {
			t.Fatalf("before the cool-down: %v", err)
		}
		time.Sleep(2 * time.Millisecond)
		if code, err := breakerSend(t, tr, t.Context(), "http://es/"); err != nil || code != 200 {
			t.Fatalf("probe after the cool-down: %d, %v", code, err)
		}
		for range 5 {
			if _, err := breakerSend(t, tr, t.Context(), "http://es/"); err != nil {
				t.Fatalf("after a successful probe: %v", err)
			}
		}
	})
}

func TestBreakerConformance(t *testing.T) {
	tests := []struct {
		name string
		mw   rt.Middleware
	}{
		{"Breakers", func(next http.RoundTripper) http.RoundTripper {
			return mustBreakers(t, BreakerConfig{}).Middleware()(next)
		}},
		{"Breakers/shared", mustBreakers(t, BreakerConfig{Failures: 1 << 20}).Middleware()},
		{"ClusterBreaker", mustClusterBreaker(t, ClusterBreakerConfig{})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { rttest.Run(t, tt.mw) })
	}
}

// BenchmarkBreakers measures the happy path of each breaker over a canned
// base: a request that goes through a closed breaker.
func BenchmarkBreakers(b *testing.B) {
	node := breakerNode(b, "http://10.0.0.1:9200")
	// One shared response, so that the base costs nothing: what is
	// measured is the breaker's own cost.
	res := &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody}
	canned := rt.Func(func(*http.Request) (*http.Response, error) { return res, nil })
	brs := mustBreakers(b, BreakerConfig{})
	brs.Open(node)
	for _, bm := range []struct {
		name string
		tr   http.RoundTripper
	}{
		{"base", canned},
		{"Breakers", brs.Middleware()(canned)},
		{"ClusterBreaker", mustClusterBreaker(b, ClusterBreakerConfig{})(canned)},
	} {
		req, _ := http.NewRequestWithContext(b.Context(), "GET", "http://10.0.0.1:9200/idx/_search", nil)
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bm.tr.RoundTrip(req); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bm.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := bm.tr.RoundTrip(req); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
	// The routing middleware alone, and with the breakers below it and
	// consulted through Exclude: the breakers' share of a routed attempt.
	nodes := []*rt.Node{node, breakerNode(b, "http://10.0.0.2:9200"), breakerNode(b, "http://10.0.0.3:9200")}
	for _, bm := range []struct {
		name    string
		exclude func(*rt.Node) bool
		mws     []rt.Middleware
	}{
		{"Router", nil, nil},
		{"Router+Breakers", brs.Open, []rt.Middleware{brs.Middleware()}},
	} {
		p, err := selector.NewPool(selector.PoolConfig{Seeds: nodes, Selector: selector.RoundRobin(), Exclude: bm.exclude})
		if err != nil {
			b.Fatal(err)
		}
		tr := rt.Chain(canned, append([]rt.Middleware{selector.Middleware(p)}, bm.mws...)...)
		req, _ := http.NewRequestWithContext(b.Context(), "GET", "/idx/_search", nil)
		b.Run(bm.name, func(b *testing.B) {
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
	b.Run("Open", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if brs.Open(node) {
				b.Fatal("open")
			}
		}
	})
}

// BenchmarkBreakerRefusal measures how fast an open breaker fails a
// request.
func BenchmarkBreakerRefusal(b *testing.B) {
	canned := rt.Func(func(req *http.Request) (*http.Response, error) { return breakerResponse(req, 503), nil })
	brs := mustBreakers(b, BreakerConfig{Failures: 1, Timeout: time.Hour})
	cluster := mustClusterBreaker(b, ClusterBreakerConfig{MinRequests: 1, Timeout: time.Hour})(canned)
	for _, bm := range []struct {
		name string
		tr   http.RoundTripper
	}{
		{"Breakers", brs.Middleware()(canned)},
		{"ClusterBreaker", cluster},
	} {
		req, _ := http.NewRequestWithContext(b.Context(), "GET", "http://10.0.0.1:9200/idx/_search", nil)
		bm.tr.RoundTrip(req)
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bm.tr.RoundTrip(req); !errors.Is(err, rt.ErrBreakerOpen) {
					b.Fatal(err)
				}
			}
		})
	}
}

// breakerCluster starts an estest cluster of n nodes and returns it, its
// nodes as rt.Nodes and a base transport to it.
func breakerCluster(t *testing.T, n int) (*estest.Cluster, []*rt.Node, http.RoundTripper) {
	t.Helper()
	c := estest.New(t, estest.Config{Nodes: n})
	var nodes []*rt.Node
	for _, u := range c.URLs() {
		nodes = append(nodes, breakerNode(t, u))
	}
	base := &http.Transport{MaxIdleConnsPerHost: 16}
	t.Cleanup(base.CloseIdleConnections)
	return c, nodes, base
}

func breakerPool(t *testing.T, cfg selector.PoolConfig) *selector.Pool {
	t.Helper()
	p, err := selector.NewPool(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBreakersRouteAround: once a node's breaker is open, the router
// chooses other nodes and no request fails but the pool's probe of the
// dead node, which passes the open breaker as a last resort when it is
// due (here once) and, failing, is not counted. Without the Exclude hook
// the pool does not know of the breaker, whose refusals of its probes
// fail requests.
func TestBreakersRouteAround(t *testing.T) {
	for _, exclude := range []bool{true, false} {
		t.Run(fmt.Sprintf("exclude=%v", exclude), func(t *testing.T) {
			c, nodes, base := breakerCluster(t, 3)
			b := mustBreakers(t, BreakerConfig{Failures: 3, Timeout: time.Minute})
			var picks sync.Map // host -> *atomic.Int64
			var mu sync.Mutex
			now := time.Now()
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			cfg := selector.PoolConfig{
				Seeds:       nodes,
				DeadTimeout: time.Millisecond,
				Jitter:      -1,
				Now:         clock,
				Hooks: &rt.Hooks{OnAttemptStart: func(i rt.AttemptInfo) {
					n, _ := picks.LoadOrStore(i.Node.URL.Host, new(atomic.Int64))
					n.(*atomic.Int64).Add(1)
				}},
			}
			if exclude {
				cfg.Exclude = b.Open
			}
			tr := rt.Chain(base, selector.Middleware(breakerPool(t, cfg)), b.Middleware())

			bad := c.Node(1)
			bad.FailNext(1<<20, estest.Failure{Status: 503})
			pinned := rt.WithNode(t.Context(), nodes[1])
			for i := range 3 {
				if code, err := breakerSend(t, tr, pinned, nodes[1].URL.String()+"/_search"); err != nil || code != 503 {
					t.Fatalf("tripping attempt %d: %d, %v", i+1, code, err)
				}
			}
			if !b.Open(nodes[1]) {
				t.Fatal("breaker not open after 3 failures")
			}
			bad.ClearRequests()
			picks.Clear()
			mu.Lock()
			now = now.Add(5 * time.Millisecond) // past the probe's wait; then the clock stands still
			mu.Unlock()

			failed := 0
			for range 300 {
				if code, err := breakerSend(t, tr, t.Context(), "http://es/_search"); err != nil || code != 200 {
					failed++
				}
			}
			var toBad int64
			if n, ok := picks.Load(nodes[1].URL.Host); ok {
				toBad = n.(*atomic.Int64).Load()
			}
			if exclude {
				if got := len(bad.Requests()); failed != 1 || toBad != 1 || got != 1 {
					t.Errorf("%d requests failed, %d attempts went to the node and it received %d; want 1, the probe", failed, toBad, got)
				}
				if b.State(nodes[1]) != rt.BreakerOpen {
					t.Errorf("breaker %v after a failed probe, want open: a last resort's failure is not counted", b.State(nodes[1]))
				}
			} else if got := len(bad.Requests()); got != 0 {
				t.Errorf("the node behind the open breaker received %d requests", got)
			}
			if !exclude && failed == 0 {
				t.Error("without Exclude no request failed: the test does not show the hook at work")
			}
			t.Logf("exclude=%v: %d of 300 failed, %d attempts routed to the open node", exclude, failed, toBad)
		})
	}
}

// TestBreakerRefusalRetriedElsewhere: a breaker may open (or fill its
// half-open probe slots) after the router asked whether its node is
// excluded; the attempt it refuses is retried at once on another node. The
// Exclude hook here always says no, as if every attempt lost that race.
func TestBreakerRefusalRetriedElsewhere(t *testing.T) {
	c, nodes, base := breakerCluster(t, 3)
	b := mustBreakers(t, BreakerConfig{Failures: 1, Timeout: time.Minute})
	var refused atomic.Int64
	hooks := &rt.Hooks{OnAttemptDone: func(i rt.AttemptDoneInfo) {
		if errors.Is(i.Err, rt.ErrBreakerOpen) {
			refused.Add(1)
		}
	}}
	pool := breakerPool(t, selector.PoolConfig{Seeds: nodes, Selector: selector.RoundRobin(), Exclude: func(*rt.Node) bool { return false }, Hooks: hooks})
	tr := rt.Chain(base, mustRetry(t, RetryConfig{Backoff: noWait}), selector.Middleware(pool), b.Middleware())

	bad := c.Node(1)
	bad.FailNext(1, estest.Failure{Status: 503})
	pinned := rt.WithNode(t.Context(), nodes[1])
	if code, _ := breakerSend(t, b.Middleware()(base), pinned, nodes[1].URL.String()+"/"); code != 503 || !b.Open(nodes[1]) {
		t.Fatalf("got %d, open %v; want the 503 and an open breaker", code, b.Open(nodes[1]))
	}
	bad.ClearRequests()
	for i := range 30 {
		if code, err := breakerSend(t, tr, t.Context(), "http://es/"); err != nil || code != 200 {
			t.Fatalf("request %d: %d, %v", i, code, err)
		}
	}
	if refused.Load() == 0 {
		t.Fatal("no attempt was refused: the test does not show the retry at work")
	}
	if got := len(bad.Requests()); got != 0 {
		t.Errorf("the node behind the open breaker received %d requests", got)
	}
}

// TestBreakerLeakedBodyEndToEnd: against a real node, a half-open probe
// whose response body is never closed still closes the breaker.
func TestBreakerLeakedBodyEndToEnd(t *testing.T) {
	c, nodes, base := breakerCluster(t, 1)
	b := mustBreakers(t, BreakerConfig{Failures: 1, Timeout: 50 * time.Millisecond})
	tr := b.Middleware()(base)
	url := nodes[0].URL.String() + "/"
	c.Node(0).FailNext(1, estest.Failure{Status: 502})
	if code, _ := breakerSend(t, tr, t.Context(), url); code != 502 || !b.Open(nodes[0]) {
		t.Fatalf("got %d, open %v; want the 502 and an open breaker", code, b.Open(nodes[0]))
	}
	deadline := time.Now().Add(5 * time.Second)
	for b.Open(nodes[0]) {
		if time.Now().After(deadline) {
			t.Fatal("breaker still open 5 s after a 50 ms cool-down")
		}
		time.Sleep(10 * time.Millisecond)
	}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", url, nil)
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if s := b.State(nodes[0]); s != rt.BreakerClosed {
		t.Errorf("state %v while the probe's body is open, want closed", s)
	}
}

// TestClusterBreakerFailsFastAndRecovers: against a cluster answering 503
// everywhere, the cluster breaker opens, then fails requests without
// sending them, in well under a millisecond each, and lets requests
// through again once the cool-down is over and the cluster healthy.
func TestClusterBreakerFailsFastAndRecovers(t *testing.T) {
	const coolDown = 300 * time.Millisecond
	c, nodes, base := breakerCluster(t, 2)
	tr := rt.Chain(base,
		mustClusterBreaker(t, ClusterBreakerConfig{MinRequests: 10, Timeout: coolDown}),
		mustRetry(t, RetryConfig{Backoff: noWait, MaxRetries: 1}),
		selector.Middleware(breakerPool(t, selector.PoolConfig{Seeds: nodes})),
	)
	for _, n := range c.Nodes() {
		n.FailNext(1<<20, estest.Failure{Status: 503})
	}
	for i := range 10 {
		if code, err := breakerSend(t, tr, t.Context(), "http://es/_search"); err != nil || code != 503 {
			t.Fatalf("request %d: %d, %v; want the 503", i+1, code, err)
		}
	}
	opened := time.Now()
	sent := len(c.Node(0).Requests()) + len(c.Node(1).Requests())

	// Open: 200 requests fail at once. The bound is generous (the
	// benchmark measures about 0.1 µs per refusal) so that a loaded
	// machine or the race detector does not trip it; it is on the mean,
	// not on the slowest, which one GC pause may make slow.
	const refusals = 200
	var total time.Duration
	for range refusals {
		start := time.Now()
		_, err := breakerSend(t, tr, t.Context(), "http://es/_search")
		total += time.Since(start)
		if !errors.Is(err, rt.ErrBreakerOpen) {
			t.Fatalf("open breaker: %v, want rt.ErrBreakerOpen", err)
		}
	}
	if mean := total / refusals; mean >= time.Millisecond {
		t.Errorf("refusals took %v on average, want < 1 ms", mean)
	} else {
		t.Logf("refusals took %v on average", mean)
	}
	if got := len(c.Node(0).Requests()) + len(c.Node(1).Requests()); got != sent {
		t.Errorf("%d requests reached the cluster while the breaker was open", got-sent)
	}

	for _, n := range c.Nodes() {
		n.Heal()
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, err := breakerSend(t, tr, t.Context(), "http://es/_search")
		if err == nil && code == 200 {
			break
		}
		if !errors.Is(err, rt.ErrBreakerOpen) {
			t.Fatalf("while waiting for the cool-down: %d, %v", code, err)
		}
		if time.Now().After(deadline) {
			t.Fatal("no request went through 5 s after the cool-down began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The breaker opened a little before `opened`; 50 ms of slack covers that.
	if waited := time.Since(opened); waited < coolDown-50*time.Millisecond {
		t.Errorf("a request went through %v after the breaker opened, before the %v cool-down", waited, coolDown)
	}
	for i := range 20 {
		if code, err := breakerSend(t, tr, t.Context(), "http://es/_search"); err != nil || code != 200 {
			t.Fatalf("request %d after recovery: %d, %v", i+1, code, err)
		}
	}
}

// A last resort sent while the breaker was open, which succeeds only after
// a newer attempt failed (the half-open probe), does not close the breaker:
// the failure is newer news than its success.
func TestBreakerStaleLastResortLeavesItOpen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, _ := NewBreakers(BreakerConfig{Failures: 1, Timeout: time.Second})
		node, _ := rt.NewNode("http://n1:9200")
		release := make(chan struct{})
		stub := newBreakerStub(200)
		tr := b.Middleware()(stub)
		send := func(ctx context.Context) (*http.Response, error) {
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://n1:9200/_search", nil)
			res, err := tr.RoundTrip(req)
			if err == nil {
				res.Body.Close()
			}
			return res, err
		}
		// One failure opens it.
		stub.setStatus(503)
		b.Open(node)
		send(context.Background())
		if b.State(node) != rt.BreakerOpen {
			t.Fatalf("state %v, want open", b.State(node))
		}
		// A last resort is sent while it is open, and hangs.
		stub.set(func(req *http.Request) (*http.Response, error) {
			<-release
			return breakerResponse(req, 200), nil
		})
		done := make(chan struct{})
		go func() { send(routing.WithLastResort(context.Background())); close(done) }()
		synctest.Wait()
		// The cool-down ends; the half-open probe fails: open again.
		time.Sleep(2 * time.Second)
		stub.setStatus(503)
		send(context.Background())
		if b.State(node) != rt.BreakerOpen {
			t.Fatalf("state %v after the failed probe, want open", b.State(node))
		}
		// The old last resort now succeeds.
		close(release)
		<-done
		if st := b.State(node); st != rt.BreakerOpen {
			t.Errorf("state %v: a success that started before the last counted failure closed the breaker", st)
		}
	})
}
