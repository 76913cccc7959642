package faults_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/endpoint"
	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
)

// TestFaultMatrixEveryEndpoint sends a request to every route of the
// endpoint table (with both kinds of body for _bulk and _update) through
// esrt.New, for each fault whose outcome depends only on the operation's
// safety, and checks the caller's outcome, the attempts made and what the
// servers received against the rule (expect).
func TestFaultMatrixEveryEndpoint(t *testing.T) {
	vs := variants(t)
	for _, f := range []fault{refusedAll, refusedOne, resetAfterRead, status503, status429} {
		t.Run(f.String(), func(t *testing.T) {
			t.Parallel()
			sweep(t, f, vs)
		})
	}
}

// sweepRetries is the sweep's MaxRetries: one retry is all a fault on
// the first attempt needs, and "refused all" makes only two attempts.
const sweepRetries = 1

// sweep runs every variant with fault f on its first attempt, a few at a
// time, on one transport.
func sweep(t *testing.T, f fault, vs []variant) {
	k := newCounter()
	var addrs []string
	switch f {
	case refusedAll:
		addrs = []string{deadAddress(t)}
	case refusedOne:
		addrs = []string{deadAddress(t), startRaw(t, k, f).URL}
	default:
		// Two nodes sharing one count, so that a retry may go to either.
		addrs = []string{startRaw(t, k, f).URL, startRaw(t, k, f).URL}
	}
	attempts := newCounter()
	tr := newTransport(t, esrt.Config{Addresses: addrs, MaxRetries: sweepRetries, AttemptMiddleware: []rt.Middleware{countAttempts(attempts)}})
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(vs); i = int(next.Add(1)) - 1 {
				sweepOne(t, tr, f, vs[i], strconv.Itoa(i), k, attempts)
			}
		})
	}
	wg.Wait()
}

// sweepOne sends variant v as case c and checks its outcome.
func sweepOne(t *testing.T, tr http.RoundTripper, f fault, v variant, c string, k, attempts *counter) {
	var body io.Reader
	if v.body != nil {
		body = bytes.NewReader(v.body)
	}
	req, err := http.NewRequest(v.method, "http://es"+v.path, body)
	if err != nil {
		t.Errorf("%s: %v", v.name, err)
		return
	}
	req.Header.Set(caseHeader, c)
	req.Header.Set("Content-Type", "application/json")
	want := expect(f, opOf(v.method, v.path, v.body))
	res, err := tr.RoundTrip(req)
	checkOutcome(t, v.name, want, res, err)
	got, bodies := k.get(c)
	if got != want.received || !intact(bodies, v.body) {
		t.Errorf("%s: server received it %d times (bodies intact: %v), want %d", v.name, got, intact(bodies, v.body), want.received)
	}
	// An attempt that reached no server is one more than it received:
	// every attempt of "refused all", and maybe one of "refused one".
	// net/http's Transport may itself resend a read on a reused
	// connection that broke, an attempt esrt does not see: harmless for a
	// read, and refused for anything else (see esrt's baseGuard).
	n, _ := attempts.get(c)
	read := opOf(v.method, v.path, v.body).safety == endpoint.ReadOnly
	switch {
	case f == refusedAll && n != sweepRetries+1,
		f == refusedOne && (n < 1 || n > 2),
		f != refusedAll && f != refusedOne && (n > want.received || n < want.received && !read):
		t.Errorf("%s: %d attempts for %d received", v.name, n, got)
	}
}

// checkOutcome checks the response or error of a request named name
// against want, and closes the response.
func checkOutcome(t testing.TB, name string, want outcome, res *http.Response, err error) {
	t.Helper()
	if want.status == 0 {
		var re *rt.RetryError
		if !errors.As(err, &re) || re.Reason != want.reason {
			t.Errorf("%s: got %v, want an *rt.RetryError with reason %q", name, err, want.reason)
		}
		if res != nil {
			res.Body.Close()
			t.Errorf("%s: got a response (%d) and an error", name, res.StatusCode)
		}
		return
	}
	if err != nil {
		t.Errorf("%s: got %v, want status %d", name, err, want.status)
		return
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != want.status && !(want.status == 200 && res.StatusCode/100 == 2) {
		t.Errorf("%s: status %d, want %d", name, res.StatusCode, want.status)
	}
	if got := rt.RetriedWrite(res.Header); got != want.retriedWrite {
		t.Errorf("%s: marked as a retried write: %v, want %v", name, got, want.retriedWrite)
	}
}

// newTransport returns esrt.New(cfg) with the matrix's settings: retries
// at once (the waits are not what is tested), no breaker and an unlimited
// retry budget, so that the outcome of a request depends on its own fault
// only and not on the others' (breakers and the budget have their own
// tests in the root package).
func newTransport(t testing.TB, cfg esrt.Config) *esrt.Transport {
	t.Helper()
	cfg.RetryBackoff = func(int) time.Duration { return 0 }
	cfg.Breaker.Failures = -1
	cfg.Retry.Budget = middleware.BudgetConfig{MinPerSecond: 1 << 30}
	tr, err := esrt.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// countAttempts returns an attempt middleware that counts the attempts of
// each case into k.
func countAttempts(k *counter) rt.Middleware {
	return func(next http.RoundTripper) http.RoundTripper {
		return rt.Func(func(req *http.Request) (*http.Response, error) {
			k.add(req.Header.Get(caseHeader), nil)
			return next.RoundTrip(req)
		})
	}
}
