package selector_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/esrt-dev/esrt/internal/routing"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

// TestRoundRobinSpread: 3000 requests over 3 nodes, each within ±1 %.
func TestRoundRobinSpread(t *testing.T) {
	stub := newStub()
	p := mustPool(t, selector.PoolConfig{
		Seeds:    mustNodes(t, "http://n1:9200", "http://n2:9200", "http://n3:9200"),
		Selector: selector.RoundRobin(),
	})
	tr := selector.Middleware(p)(stub)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			for range 300 {
				res, err := tr.RoundTrip(get(t, t.Context(), "/_search"))
				if err != nil {
					t.Error(err)
					return
				}
				drain(res)
			}
		})
	}
	wg.Wait()
	for _, h := range []string{"n1:9200", "n2:9200", "n3:9200"} {
		if got := stub.hits(h); got < 990 || got > 1010 {
			t.Errorf("%s got %d of 3000 requests, want 1000 ±1 %%", h, got)
		}
	}
}

// TestDeadSchedule pins the waits between a dead node's probes: half the
// time the node has been dead, at least DeadTimeout and at most
// MaxDeadTimeout, then jittered.
func TestDeadSchedule(t *testing.T) {
	tests := []struct {
		name string
		cfg  selector.PoolConfig
		want []float64 // seconds: the wait after the node goes down, then after each failed probe
	}{
		{"defaults, no jitter", selector.PoolConfig{Jitter: -1},
			[]float64{1, 1, 1, 1.5, 2.25, 3.375, 5.0625, 7.59375, 11.390625, 17.0859375, 25.62890625, 38.443359375, 57.6650390625, 60, 60}},
		{"custom", selector.PoolConfig{Jitter: -1, DeadTimeout: 5 * time.Second, MaxDeadTimeout: 30 * time.Second},
			[]float64{5, 5, 5, 7.5, 11.25, 16.875, 25.3125, 30, 30}},
		// Dead 2.4 s after three probes: 1.2 s, less 20 %.
		{"jitter low", selector.PoolConfig{Rand: func() float64 { return 0 }},
			[]float64{0.8, 0.8, 0.8, 0.96, 1.344}},
		{"jitter high", selector.PoolConfig{Jitter: 0.5, Rand: func() float64 { return 1 }},
			[]float64{1.5, 1.5, 2.25, 3.9375, 6.890625}},
		{"max below base", selector.PoolConfig{Jitter: -1, DeadTimeout: 2 * time.Second, MaxDeadTimeout: time.Second},
			[]float64{2, 2, 2, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			stub := newStub()
			stub.host("n1:9200").down.Store(true)
			cfg := tt.cfg
			cfg.Seeds = mustNodes(t, "http://n1:9200", "http://n2:9200")
			cfg.Now = clock.Now
			cfg.Selector = selector.RoundRobin()
			p := mustPool(t, cfg)
			tr := selector.Middleware(p)(stub)
			// The first failure, then each probe as soon as it is due.
			ctx := rt.WithNode(t.Context(), cfg.Seeds[0])
			for i, w := range tt.want {
				before := stub.hits("n1:9200")
				if _, err := tr.RoundTrip(get(t, ctx, "/")); err == nil {
					t.Fatal("n1 answered")
				}
				ctx = t.Context()
				if got := stub.hits("n1:9200") - before; got != 1 {
					t.Fatalf("step %d: %d requests reached n1, want 1", i+1, got)
				}
				st := status(t, p, "n1:9200")
				want := time.Duration(w * float64(time.Second))
				if got := st.RetryAt.Sub(clock.Now()); got < want-time.Microsecond || got > want+time.Microsecond || st.Failures != i+1 {
					t.Fatalf("failure %d: wait %v, failures %d; want %v, %d", i+1, got, st.Failures, want, i+1)
				}
				clock.Advance(st.RetryAt.Sub(clock.Now()))
			}
		})
	}
}

// outage takes node a of a pool built from cfg down for d, probes it
// whenever it is due, and returns how long after its return it answered
// a probe.
func outage(t *testing.T, cfg selector.PoolConfig, d time.Duration) time.Duration {
	t.Helper()
	clock := newClock()
	stub := newStub()
	cfg.Seeds = mustNodes(t, "http://a:9200", "http://b:9200", "http://c:9200")
	cfg.Now = clock.Now
	p := mustPool(t, cfg)
	tr := selector.Middleware(p)(stub)
	a := stub.host("a:9200")
	a.down.Store(true)
	if _, err := tr.RoundTrip(get(t, rt.WithNode(t.Context(), cfg.Seeds[0]), "/")); err == nil {
		t.Fatal("a answered")
	}
	back := clock.Now().Add(d)
	for range 1000 {
		st := status(t, p, "a:9200")
		if !st.Dead {
			return clock.Now().Sub(back)
		}
		clock.Advance(st.RetryAt.Sub(clock.Now()))
		if !clock.Now().Before(back) {
			a.down.Store(false)
		}
		before := a.hits.Load()
		res, err := tr.RoundTrip(get(t, t.Context(), "/"))
		if err == nil {
			drain(res)
		}
		if a.hits.Load() != before+1 {
			t.Fatalf("the due probe did not go to a")
		}
	}
	t.Fatal("a never came back")
	return 0
}

// TestDeadScheduleFindsTheReturn: a node that comes back after an outage
// of T is found within max(DeadTimeout, T/2) plus the jitter, 1.8 s after
// a 3 s outage with the defaults, whatever the jitter draws.
func TestDeadScheduleFindsTheReturn(t *testing.T) {
	// The extremes of the jitter, then random draws.
	rands := map[string]func() float64{
		"jitter -20 %":         func() float64 { return 0 },
		"jitter +20 %":         func() float64 { return 1 },
		"no jitter":            func() float64 { return 0.5 },
		"alternating extremes": alternate(0, 1),
	}
	worst := time.Duration(0)
	for name, r := range rands {
		got := outage(t, selector.PoolConfig{Rand: r}, 3*time.Second)
		if got > 1800*time.Millisecond {
			t.Errorf("%s: a 3 s outage was found %v after the node's return, want at most 1.8 s", name, got)
		}
		worst = max(worst, got)
	}
	src := rand.New(rand.NewPCG(1, 2))
	var mu sync.Mutex
	draw := func() float64 { mu.Lock(); defer mu.Unlock(); return src.Float64() }
	for range 300 {
		got := outage(t, selector.PoolConfig{Rand: draw}, 3*time.Second)
		if got > 1800*time.Millisecond {
			t.Fatalf("random jitter: a 3 s outage was found %v after the node's return, want at most 1.8 s", got)
		}
		worst = max(worst, got)
	}
	t.Logf("3 s outage: found at most %v after the return", worst)

	// Outages of every length, with the wait at its longest.
	for d := 100 * time.Millisecond; d < 150*time.Second; d = d * 21 / 20 {
		bound := time.Duration(float64(min(max(d/2, time.Second), time.Minute)) * 1.2)
		if got := outage(t, selector.PoolConfig{Rand: func() float64 { return 1 }}, d); got > bound {
			t.Errorf("an outage of %v was found %v after the return, want at most %v", d, got, bound)
		}
	}
}

// alternate returns a Rand that cycles through vs.
func alternate(vs ...float64) func() float64 {
	var i atomic.Int64
	return func() float64 { return vs[int(i.Add(1)-1)%len(vs)] }
}

// TestStaleOutcomes: an attempt that started before its node went down
// says nothing about the node: a late success does not bring the dead
// node back (nor touch its schedule), and a late failure does not take
// down a node that has come back. Only the probe revives it.
func TestStaleOutcomes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ev downEvents
		nodes := mustNodes(t, "http://a:9200", "http://b:9200")
		// Every attempt goes to b while it is live.
		toB := selector.SelectorFunc(func(c []selector.Candidate) int {
			return slices.IndexFunc(c, func(x selector.Candidate) bool { return x.Node.URL.Host == "b:9200" })
		})
		p := mustPool(t, selector.PoolConfig{Seeds: nodes, Selector: toB, Now: time.Now, Jitter: -1, Hooks: ev.hooks()})
		var mu sync.Mutex
		answers := map[string]chan error{} // by the request's X-Id
		base := rt.Func(func(req *http.Request) (*http.Response, error) {
			mu.Lock()
			ch := answers[req.Header.Get("X-Id")]
			mu.Unlock()
			if ch != nil {
				if err := <-ch; err != nil {
					return nil, err
				}
			}
			return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
		})
		tr := selector.Middleware(p)(base)
		// start sends a request whose answer waits for the error sent on
		// answer, and returns once the attempt is out.
		start := func(id string) (answer chan error, done chan error) {
			answer, done = make(chan error), make(chan error, 1)
			mu.Lock()
			answers[id] = answer
			mu.Unlock()
			req := get(t, t.Context(), "/")
			req.Header.Set("X-Id", id)
			go func() {
				res, err := tr.RoundTrip(req)
				if err == nil {
					drain(res)
				}
				done <- err
			}()
			synctest.Wait()
			return answer, done
		}

		lateOK, lateOKDone := start("late success")
		lateErr, lateErrDone := start("late failure")
		failing, failingDone := start("failure")
		if st := status(t, p, "b:9200"); st.InFlight != 3 {
			t.Fatalf("%d attempts in flight to b, want 3", st.InFlight)
		}
		time.Sleep(time.Millisecond)
		failing <- errRefused
		<-failingDone
		down := status(t, p, "b:9200")
		if !down.Dead || down.Failures != 1 {
			t.Fatalf("b after a refused connection: %+v, want dead", down)
		}

		time.Sleep(10 * time.Millisecond)
		lateOK <- nil
		if err := <-lateOKDone; err != nil {
			t.Fatal(err)
		}
		st := status(t, p, "b:9200")
		if !st.Dead || st.Failures != 1 || !st.RetryAt.Equal(down.RetryAt) || !st.DeadSince.Equal(down.DeadSince) {
			t.Errorf("b after a success that started before it went down: %+v, want still dead on the same schedule (%+v)", st, down)
		}
		if _, up := ev.counts(); up != 0 {
			t.Errorf("%d NodeUp hooks for a stale success", up)
		}

		time.Sleep(time.Until(down.RetryAt))
		res, err := tr.RoundTrip(get(t, t.Context(), "/")) // the probe
		if err != nil {
			t.Fatal(err)
		}
		drain(res)
		if st := status(t, p, "b:9200"); st.Dead || st.Failures != 0 {
			t.Fatalf("b after its probe succeeded: %+v, want live", st)
		}
		if _, up := ev.counts(); up != 1 {
			t.Errorf("%d NodeUp hooks, want 1 for the probe", up)
		}

		lateErr <- errRefused
		<-lateErrDone
		if st := status(t, p, "b:9200"); st.Dead || st.Failures != 0 {
			t.Errorf("b after a failure of an attempt from before its return: %+v, want live", st)
		}
		if down, _ := ev.counts(); down != 1 {
			t.Errorf("%d NodeDown hooks, want 1", down)
		}
	})
}

// TestSingleFlightProbe: once a dead node is due, exactly one request at a
// time goes to it; the others keep avoiding it until the probe succeeds.
func TestSingleFlightProbe(t *testing.T) {
	synctest.Test(t, testSingleFlightProbe)
}

func testSingleFlightProbe(t *testing.T) {
	clock := newClock()
	stub := newStub()
	var ev downEvents
	p := mustPool(t, selector.PoolConfig{
		Seeds:  mustNodes(t, "http://a:9200", "http://b:9200", "http://c:9200"),
		Now:    clock.Now,
		Jitter: -1,
		Hooks:  ev.hooks(),
	})
	tr := selector.Middleware(p)(stub)
	b := stub.host("b:9200")
	b.down.Store(true)
	for i := 0; i < 50 && b.hits.Load() == 0; i++ {
		if res, err := send(tr, get(t, t.Context(), "/"), 3); err == nil {
			drain(res)
		}
	}
	if !status(t, p, "b:9200").Dead {
		t.Fatal("b not marked dead")
	}
	b.down.Store(false)
	release := make(chan struct{})
	b.block.Store(&release)
	clock.Advance(time.Second)

	before := b.hits.Load()
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 20 {
				// The one request that goes to b blocks until released;
				// the others keep going.
				res, err := tr.RoundTrip(get(t, t.Context(), "/"))
				if err != nil {
					t.Error(err)
					return
				}
				drain(res)
			}
		})
	}
	// Until every goroutine is done or blocked: the probe is in flight,
	// the others have finished.
	synctest.Wait()
	if got := b.hits.Load() - before; got != 1 {
		t.Errorf("%d requests reached the returning node while its probe was in flight, want 1", got)
	}
	close(release)
	wg.Wait()
	if st := status(t, p, "b:9200"); st.Dead || st.Failures != 0 {
		t.Errorf("after a successful probe: dead=%v failures=%d", st.Dead, st.Failures)
	}
	if _, up := ev.counts(); up != 1 {
		t.Errorf("%d NodeUp hooks, want 1", up)
	}
}

// TestCallerCancel: a cancelled or expired caller context makes at most one
// attempt and leaves every node healthy, without latency samples.
func TestCallerCancel(t *testing.T) {
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		// hang: the node blocks until the context is done.
		hang bool
	}{
		{"cancelled before", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}, false},
		{"expired before", func() (context.Context, context.CancelFunc) {
			return context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		}, false},
		{"cancelled during", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(10*time.Millisecond, cancel)
			return ctx, cancel
		}, true},
		{"deadline during", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 10*time.Millisecond)
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { synctest.Test(t, func(t *testing.T) { testCallerCancel(t, tt.ctx, tt.hang) }) })
	}
}

func testCallerCancel(t *testing.T, newCtx func() (context.Context, context.CancelFunc), hang bool) {
	stub := newStub()
	var ev downEvents
	p := mustPool(t, selector.PoolConfig{
		Seeds:           mustNodes(t, "http://a:9200", "http://b:9200"),
		TimeoutFailures: 1,
		Hooks:           ev.hooks(),
	})
	tr := selector.Middleware(p)(stub)
	if hang {
		never := make(chan struct{})
		stub.host("a:9200").block.Store(&never)
		stub.host("b:9200").block.Store(&never)
	}
	ctx, cancel := newCtx()
	defer cancel()
	res, err := send(tr, get(t, ctx, "/"), 3)
	if err == nil {
		drain(res)
		t.Fatal("request with a done context succeeded")
	}
	var re *rt.RetryError
	if !errors.As(err, &re) || len(re.Attempts) != 1 {
		t.Fatalf("err = %v, want one attempt", err)
	}
	if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's error", err)
	}
	if got := stub.hits("a:9200") + stub.hits("b:9200"); got > 1 {
		t.Errorf("%d attempts reached the nodes, want at most 1", got)
	}
	for _, st := range p.Status() {
		if st.Dead || st.Failures != 0 || st.Latency != 0 || st.InFlight != 0 {
			t.Errorf("%v after a caller cancel: %+v", st.Node, st)
		}
	}
	if down, _ := ev.counts(); down != 0 {
		t.Errorf("%d NodeDown hooks", down)
	}
}

// TestAllDead: with every node down, a request fails with one
// rt.AttemptError per attempt, each naming its node; a node that comes back
// is used by the next request at once, without waiting out its timeout.
func TestAllDead(t *testing.T) {
	clock := newClock()
	stub := newStub()
	nodes := mustNodes(t, "http://a:9200", "http://b:9200", "http://c:9200")
	p := mustPool(t, selector.PoolConfig{Seeds: nodes, Now: clock.Now})
	tr := selector.Middleware(p)(stub)
	for _, h := range []string{"a:9200", "b:9200", "c:9200"} {
		stub.host(h).down.Store(true)
	}
	for range 5 {
		_, err := send(tr, get(t, t.Context(), "/_search"), 3)
		var re *rt.RetryError
		if !errors.As(err, &re) || len(re.Attempts) != 3 {
			t.Fatalf("err = %v, want a RetryError of 3 attempts", err)
		}
		seen := map[string]bool{}
		for i, e := range re.Attempts {
			var ae *rt.AttemptError
			if !errors.As(e, &ae) || ae.Attempt != i+1 || ae.Node == nil {
				t.Fatalf("attempt %d: %v, want an AttemptError naming its node", i+1, e)
			}
			seen[ae.Node.URL.Host] = true
		}
		if len(seen) != 3 {
			t.Errorf("attempts went to %v, want every node once: %v", seen, err)
		}
	}
	for _, st := range p.Status() {
		if !st.Dead {
			t.Fatalf("%v not dead", st.Node)
		}
	}
	// Bring back each node in turn; the very next request must succeed,
	// with the clock standing still.
	for _, h := range []string{"c:9200", "a:9200"} {
		stub.host(h).down.Store(false)
		res, err := send(tr, get(t, t.Context(), "/_search"), 3)
		if err != nil {
			t.Fatalf("%s is back but the next request failed: %v", h, err)
		}
		drain(res)
		if st := status(t, p, h); st.Dead {
			t.Errorf("%s answered but is still dead", h)
		}
		stub.host(h).down.Store(true)
		for range 3 { // take it down again
			if res, err := send(tr, get(t, t.Context(), "/"), 3); err == nil {
				drain(res)
			}
		}
	}
}

// TestSingleNodeNeverExcluded: a pool of one node keeps sending to it.
func TestSingleNodeNeverExcluded(t *testing.T) {
	clock := newClock()
	stub := newStub()
	p := mustPool(t, selector.PoolConfig{Seeds: mustNodes(t, "http://only:9200"), Now: clock.Now})
	tr := selector.Middleware(p)(stub)
	stub.host("only:9200").status.Store(503)
	for range 5 {
		res, err := tr.RoundTrip(get(t, t.Context(), "/"))
		if err != nil {
			t.Fatalf("single dead node excluded: %v", err)
		}
		drain(res)
	}
	if got := stub.hits("only:9200"); got != 5 {
		t.Fatalf("node got %d of 5 requests", got)
	}
	if st := status(t, p, "only:9200"); !st.Dead || st.Failures != 1 {
		t.Errorf("forced attempts changed the failure count: %+v", st)
	}
	stub.host("only:9200").status.Store(200)
	res, err := tr.RoundTrip(get(t, t.Context(), "/"))
	if err != nil {
		t.Fatal(err)
	}
	drain(res)
	if st := status(t, p, "only:9200"); st.Dead {
		t.Error("node still dead after a success")
	}
}

// TestClassification pins what marks a node down.
func TestClassification(t *testing.T) {
	timeoutErr := fmt.Errorf("attempt timeout: %w", context.DeadlineExceeded)
	tests := []struct {
		name     string
		status   int
		err      error
		wantDead bool
		wantLat  bool // a latency sample is recorded
	}{
		{"200", 200, nil, false, true},
		{"404", 404, nil, false, true},
		{"429", 429, nil, false, true},
		{"500", 500, nil, false, true},
		{"502", 502, nil, true, true},
		{"503", 503, nil, true, true},
		{"504", 504, nil, true, true},
		{"connection refused", 0, errRefused, true, true},
		{"reset", 0, errors.New("read tcp: connection reset by peer"), true, true},
		{"one attempt timeout", 0, timeoutErr, false, true},
		{"breaker open", 0, rt.ErrBreakerOpen, false, false},
		{"local error", 0, &rt.LocalError{Err: errors.New("sign: no credentials")}, false, false},
		{"local error wrapping a timeout", 0, fmt.Errorf("sigv4: %w", &rt.LocalError{Err: timeoutErr}), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustPool(t, selector.PoolConfig{Seeds: mustNodes(t, "http://a:9200", "http://b:9200")})
			base := rt.Func(func(req *http.Request) (*http.Response, error) {
				if tt.err != nil {
					return nil, tt.err
				}
				return &http.Response{StatusCode: tt.status, Body: http.NoBody, Request: req}, nil
			})
			tr := selector.Middleware(p)(base)
			pin := mustNode(t, "http://a:9200")
			res, err := tr.RoundTrip(get(t, rt.WithNode(t.Context(), pin), "/"))
			if err == nil {
				drain(res)
			}
			st := status(t, p, "a:9200")
			if st.Dead != tt.wantDead {
				t.Errorf("dead = %v, want %v", st.Dead, tt.wantDead)
			}
			if got := st.Latency != 0 || st.Dead; got != tt.wantLat && tt.wantLat {
				t.Errorf("latency sample recorded = %v, want %v", got, tt.wantLat)
			}
			if !tt.wantLat && st.Latency != 0 {
				t.Errorf("latency sample recorded for a neutral outcome")
			}
		})
	}
}

// TestLocalErrorLeavesTheNodeAlone: attempts that fail with an
// *rt.LocalError (a signer without credentials, say) change nothing about
// their node: not its health, failure count or dead timeout, nor its
// latency estimate; the in-flight count is given back and the attempt
// hooks still see them. A dead node's probe that fails so gives its claim
// back: the next request probes the node again.
func TestLocalErrorLeavesTheNodeAlone(t *testing.T) {
	errNoCreds := errors.New("sign: no credentials")
	hosts := []string{"a:9200", "b:9200"}
	tests := []struct {
		name string
		down bool // take a down first and let its probe fall due
	}{
		{"live nodes", false},
		{"probe of a dead node", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			var ev downEvents
			p := mustPool(t, selector.PoolConfig{
				Seeds:        mustNodes(t, "http://a:9200", "http://b:9200"),
				Now:          clock.Now,
				LatencyDecay: time.Hour, // no decay to speak of during the test
				Jitter:       -1,
				Hooks:        ev.hooks(),
			})
			mode := "ok"
			var sentTo []string
			base := rt.Func(func(req *http.Request) (*http.Response, error) {
				sentTo = append(sentTo, req.URL.Host)
				switch mode {
				case "refused":
					clock.Advance(time.Millisecond)
					return nil, errRefused
				case "local":
					clock.Advance(50 * time.Millisecond)
					return nil, &rt.LocalError{Err: errNoCreds}
				}
				clock.Advance(10 * time.Millisecond)
				return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
			})
			tr := selector.Middleware(p)(base)
			roundTrip := func(ctx context.Context) error {
				res, err := tr.RoundTrip(get(t, ctx, "/"))
				if err == nil {
					drain(res)
				}
				return err
			}
			for _, h := range hosts { // a latency estimate of 10ms each
				if err := roundTrip(rt.WithNode(t.Context(), mustNode(t, "http://"+h))); err != nil {
					t.Fatal(err)
				}
			}
			if tt.down {
				mode = "refused"
				roundTrip(rt.WithNode(t.Context(), mustNode(t, "http://a:9200")))
				st := status(t, p, "a:9200")
				if !st.Dead {
					t.Fatal("a refused a connection but is not dead")
				}
				clock.Advance(st.RetryAt.Sub(clock.Now()))
			}
			before := map[string]selector.NodeStatus{}
			for _, h := range hosts {
				before[h] = status(t, p, h)
			}
			downs, ups := ev.counts()

			mode, sentTo = "local", nil
			var done []error
			ctx := rt.WithHooks(t.Context(), &rt.Hooks{
				OnAttemptDone: func(i rt.AttemptDoneInfo) { done = append(done, i.Err) },
			})
			const n = 5
			for range n {
				err := roundTrip(ctx)
				var le *rt.LocalError
				if !errors.As(err, &le) || !errors.Is(err, errNoCreds) {
					t.Fatalf("error %v, want the LocalError", err)
				}
			}
			if len(done) != n {
				t.Errorf("%d AttemptDone hooks, want %d", len(done), n)
			}
			for _, err := range done {
				var le *rt.LocalError
				if !errors.As(err, &le) {
					t.Errorf("AttemptDone with error %v, want the LocalError", err)
				}
			}
			for _, h := range hosts {
				st, was := status(t, p, h), before[h]
				if st.Dead != was.Dead || st.Failures != was.Failures || !st.RetryAt.Equal(was.RetryAt) || st.InFlight != 0 {
					t.Errorf("%s after local errors: dead %v, failures %d, retry at %v, in flight %d; "+
						"want dead %v, failures %d, retry at %v, in flight 0",
						h, st.Dead, st.Failures, st.RetryAt, st.InFlight, was.Dead, was.Failures, was.RetryAt)
				}
				if d := st.Latency - was.Latency; d < -was.Latency/100 || d > was.Latency/100 {
					t.Errorf("%s latency estimate %v after local errors, want %v", h, st.Latency, was.Latency)
				}
			}
			if d, u := ev.counts(); d != downs || u != ups {
				t.Errorf("%d NodeDown and %d NodeUp hooks during local errors, want none", d-downs, u-ups)
			}
			if !tt.down {
				return
			}
			if want := slices.Repeat([]string{"a:9200"}, n); !slices.Equal(sentTo, want) {
				t.Errorf("local errors went to %v, want every one to probe a: %v", sentTo, want)
			}
			mode = "ok"
			if err := roundTrip(t.Context()); err != nil {
				t.Fatal(err)
			}
			if st := status(t, p, "a:9200"); st.Dead {
				t.Error("a is still dead after a probe that succeeded")
			}
		})
	}
}

// TestConsecutiveTimeouts: only TimeoutFailures consecutive attempt
// timeouts take a node down; a success in between resets the count.
func TestConsecutiveTimeouts(t *testing.T) {
	var timeouts atomic.Bool
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		if timeouts.Load() {
			return nil, context.DeadlineExceeded
		}
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
	})
	p := mustPool(t, selector.PoolConfig{Seeds: mustNodes(t, "http://a:9200", "http://b:9200")})
	tr := selector.Middleware(p)(base)
	ctx := rt.WithNode(t.Context(), mustNode(t, "http://a:9200"))
	do := func(timeout bool) {
		timeouts.Store(timeout)
		res, err := tr.RoundTrip(get(t, ctx, "/"))
		if err == nil {
			drain(res)
		}
	}
	do(true)
	do(true)
	do(false)
	do(true)
	do(true)
	if st := status(t, p, "a:9200"); st.Dead {
		t.Fatal("non-consecutive timeouts took the node down")
	}
	do(true)
	if st := status(t, p, "a:9200"); !st.Dead {
		t.Fatal("3 consecutive timeouts did not take the node down")
	}
}

// TestNodeLeftBetweenPickAndReport: a node removed by Update while an
// attempt to it is in flight is neither marked dead nor scheduled.
func TestNodeLeftBetweenPickAndReport(t *testing.T) {
	stub := newStub()
	var ev downEvents
	nodes := mustNodes(t, "http://a:9200", "http://b:9200")
	p := mustPool(t, selector.PoolConfig{Hooks: ev.hooks()})
	p.Update(nodes)
	tr := selector.Middleware(p)(stub)
	a := stub.host("a:9200")
	a.down.Store(true)
	f := func(*http.Request) { p.Update(nodes[1:]) }
	a.onRequest.Store(&f)
	res, err := tr.RoundTrip(get(t, rt.WithNode(t.Context(), nodes[0]), "/"))
	if err == nil {
		drain(res)
		t.Fatal("want the refused connection's error")
	}
	if down, _ := ev.counts(); down != 0 {
		t.Errorf("a node that left the pool was marked down")
	}
	// It comes back with fresh state.
	p.Update(nodes)
	if st := status(t, p, "a:9200"); st.Dead || st.Failures != 0 {
		t.Errorf("re-added node: %+v", st)
	}
}

// TestUpdateKeepsState: nodes that stay keep health and latency; new nodes
// start at the median latency.
func TestUpdateKeepsState(t *testing.T) {
	clock := newClock()
	stub := newStub()
	p := mustPool(t, selector.PoolConfig{Now: clock.Now, Jitter: -1})
	p.Update(mustNodes(t, "http://a:9200", "http://b:9200", "http://c:9200", "http://d:9200"))
	var delay atomic.Int64
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		clock.Advance(time.Duration(delay.Load()))
		return stub.RoundTrip(req)
	})
	tr := selector.Middleware(p)(base)
	for i, h := range []string{"a", "b", "c"} {
		delay.Store(int64(time.Duration(i+1) * 10 * time.Millisecond))
		res, err := tr.RoundTrip(get(t, rt.WithNode(t.Context(), mustNode(t, "http://"+h+":9200")), "/"))
		if err != nil {
			t.Fatal(err)
		}
		drain(res)
	}
	delay.Store(0)
	stub.host("d:9200").down.Store(true)
	if _, err := tr.RoundTrip(get(t, rt.WithNode(t.Context(), mustNode(t, "http://d:9200")), "/")); err == nil {
		t.Fatal("d answered")
	}
	before := status(t, p, "b:9200").Latency
	// Same nodes as new values (as discovery makes them), one new one.
	p.Update(mustNodes(t, "http://A:9200", "http://b:9200", "http://d:9200", "http://e:9200"))
	if st := status(t, p, "d:9200"); !st.Dead || st.Failures != 1 {
		t.Errorf("d lost its health: %+v", st)
	}
	if got := status(t, p, "b:9200").Latency; got != before {
		t.Errorf("b latency %v, want %v kept", got, before)
	}
	if got := status(t, p, "e:9200").Latency; got != before {
		t.Errorf("new node latency %v, want the median %v", got, before)
	}
	if len(p.Status()) != 4 || p.Len() != 4 {
		t.Errorf("status has %d nodes and Len says %d, want 4", len(p.Status()), p.Len())
	}
}

// TestSeedFallback: when every node of the sniffed set is dead, requests
// reach the seeds; the set's nodes are still probed and come back.
func TestSeedFallback(t *testing.T) {
	clock := newClock()
	stub := newStub()
	p := mustPool(t, selector.PoolConfig{
		Seeds:  mustNodes(t, "http://seed:9200"),
		Now:    clock.Now,
		Jitter: -1,
	})
	p.Update(mustNodes(t, "http://10.0.0.1:9200", "http://10.0.0.2:9200"))
	tr := selector.Middleware(p)(stub)
	stub.host("10.0.0.1:9200").down.Store(true)
	stub.host("10.0.0.2:9200").down.Store(true)
	for range 20 {
		res, err := send(tr, get(t, t.Context(), "/_search"), 3)
		if err != nil {
			t.Fatalf("sniffed nodes unreachable and the seed was not used: %v", err)
		}
		drain(res)
	}
	if stub.hits("seed:9200") < 18 {
		t.Errorf("seed got %d requests", stub.hits("seed:9200"))
	}
	if got := stub.hits("10.0.0.1:9200") + stub.hits("10.0.0.2:9200"); got != 2 {
		t.Errorf("dead sniffed nodes got %d requests, want 2 (their failures)", got)
	}
	stub.host("10.0.0.2:9200").down.Store(false)
	clock.Advance(time.Second)
	for range 10 {
		res, err := send(tr, get(t, t.Context(), "/_search"), 3)
		if err != nil {
			t.Fatal(err)
		}
		drain(res)
	}
	before := stub.hits("seed:9200")
	for range 10 {
		res, err := send(tr, get(t, t.Context(), "/_search"), 3)
		if err != nil {
			t.Fatal(err)
		}
		drain(res)
	}
	if got := stub.hits("seed:9200") - before; got != 0 {
		t.Errorf("a sniffed node is back but the seed still got %d requests", got)
	}
}

// TestPreferAndFilter: zone preference while a preferred node is live;
// filter restricts the set.
func TestPreferAndFilter(t *testing.T) {
	zoned := func(raw, zone string) *rt.Node {
		n := mustNode(t, raw)
		n.Attributes = map[string]string{"zone": zone}
		return n
	}
	nodes := []*rt.Node{
		zoned("http://a1:9200", "a"), zoned("http://a2:9200", "a"),
		zoned("http://b1:9200", "b"), zoned("http://c1:9200", "c"),
	}
	stub := newStub()
	p := mustPool(t, selector.PoolConfig{
		Prefer: selector.Attribute("zone", "a"),
		Filter: func(n *rt.Node) bool { return n.Attributes["zone"] != "c" },
	})
	p.Update(nodes)
	tr := selector.Middleware(p)(stub)
	for range 100 {
		res, err := tr.RoundTrip(get(t, t.Context(), "/"))
		if err != nil {
			t.Fatal(err)
		}
		drain(res)
	}
	if stub.hits("a1:9200")+stub.hits("a2:9200") != 100 {
		t.Errorf("preferred zone got %d of 100", stub.hits("a1:9200")+stub.hits("a2:9200"))
	}
	stub.host("a1:9200").down.Store(true)
	stub.host("a2:9200").down.Store(true)
	for range 50 {
		res, err := send(tr, get(t, t.Context(), "/"), 3)
		if err != nil {
			t.Fatal(err)
		}
		drain(res)
	}
	if stub.hits("c1:9200") != 0 {
		t.Error("filtered node got requests")
	}
	if stub.hits("b1:9200") < 48 {
		t.Errorf("other zone got %d of 50 with the preferred zone down", stub.hits("b1:9200"))
	}
}

// TestRetryAvoidsTriedNodes: each attempt of one request goes to a
// different node while one is left.
func TestRetryAvoidsTriedNodes(t *testing.T) {
	for _, sel := range []selector.Selector{selector.RoundRobin(), selector.Random(), selector.LatencyAware()} {
		stub := newStub()
		p := mustPool(t, selector.PoolConfig{
			Seeds:    mustNodes(t, "http://a:9200", "http://b:9200", "http://c:9200"),
			Selector: sel,
		})
		tr := selector.Middleware(p)(stub)
		for _, h := range []string{"a:9200", "b:9200", "c:9200"} {
			stub.host(h).status.Store(429) // healthy: nodes stay live
		}
		for range 20 {
			ctx, att := routing.WithAttempts(t.Context())
			for range 4 {
				res, err := tr.RoundTrip(get(t, ctx, "/"))
				if err != nil {
					t.Fatal(err)
				}
				drain(res)
			}
			nodes := att.Nodes()
			if att.Count() != 4 || len(nodes) != 4 {
				t.Fatalf("%d attempts recorded", att.Count())
			}
			seen := map[*rt.Node]bool{}
			for _, n := range nodes[:3] {
				seen[n] = true
			}
			if len(seen) != 3 {
				t.Fatalf("%T: first three attempts went to %v", sel, nodes)
			}
		}
	}
}
