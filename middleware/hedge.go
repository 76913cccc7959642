package middleware

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/esrt-dev/esrt/endpoint"
	"github.com/esrt-dev/esrt/internal/check"
	"github.com/esrt-dev/esrt/internal/options"
	"github.com/esrt-dev/esrt/rt"
)

// HedgeConfig configures [Hedge]. The zero value hedges a read once it has
// gone unanswered for longer than 95 % of the recent answers to the same
// operation (after 100 of them; before that, it does not hedge), within a
// budget of its own.
type HedgeConfig struct {
	// Delay is how long the first attempt may go unanswered before a hedge
	// is sent, when the delay is fixed (Quantile negative) or while the
	// operation has fewer than MinSamples latency samples. If zero, no
	// hedge is sent in those cases. Negative is an error.
	Delay time.Duration

	// Quantile makes the delay adaptive: the given quantile of the latency
	// of the operation's recent first attempts (the last 256 to 512
	// samples, per endpoint: search, count, get, ...; the requests to
	// endpoints esrt does not know share one record per method). If zero,
	// 0.95. Negative: the delay is always Delay. It must be below 1.
	//
	// An adaptive delay also caps hedges at the share 1-Quantile of the
	// requests it arms (5 % at 0.95, with bursts of up to 10), so that a
	// rise of latency that the quantile has not caught up with yet does
	// not turn into a burst of hedges.
	Quantile float64

	// MinSamples is how many samples of an operation are needed before its
	// adaptive delay is used. If zero, 100.
	MinSamples int

	// RetryOnStatus lists the statuses that do not settle the race: an
	// attempt answered with one of them, or failed with an error, waits for
	// the other attempt in flight. If nil, 429, 502, 503 and 504, as for
	// [Retry].
	RetryOnStatus []int

	// Budget, if not nil, must allow every hedge; share the one of the
	// [Retry] middleware outside, which counts the requests (Deposit). If
	// nil, the middleware keeps a Budget of its own with the default
	// [BudgetConfig] and counts the requests it sees.
	Budget *Budget
}

// Hedge returns a middleware that sends a second attempt of a read to
// another node when the first one is slow, and returns whichever answers
// first: one slow node or stalled shard then costs a request the hedge
// delay plus a normal answer, instead of the stall. It belongs between
// retry and routing: every attempt of the retry middleware may be hedged,
// both attempts of a hedge share the attempt record record that retry puts
// in the context (so the router sends the hedge to a node the request has
// not tried; a record is created when there is none), and retry sees one
// outcome per hedged attempt. Outside retry, each of the two attempts
// would run retries of its own.
//
// Only reads are hedged: requests whose endpoint ([endpoint.Of]: the one
// the request's context carries, else the table's) is
// [endpoint.ReadOnly] — GET and HEAD, and POST to the searches (_search,
// _msearch, _count, _mget, _field_caps, _search/template, ...) — never
// writes nor scrolls (_search/scroll, ?scroll=), nor requests marked
// [rt.WithIdempotent](false), pinned with [rt.WithNode], or whose body
// cannot be replayed (no GetBody). A GET or HEAD to an endpoint esrt does
// not know is a read, by HTTP's contract for its method, and is hedged.
// Every other request goes through as it is.
//
// The race: the first attempt is sent on the caller's goroutine. If it has
// not answered after the delay, and the budget allows it, the hedge is sent
// from a new goroutine with a context marked by hedge marker. The first
// attempt to answer with a status outside RetryOnStatus wins; an error or a
// status of RetryOnStatus waits for the other attempt; when neither
// settles it, the first attempt's response is returned if it has one, else
// the hedge's, else the first attempt's error. The loser's context is
// cancelled with the cause [rt.ErrHedgeLost], which tells the router to
// count its time as a latency sample and never as a failure, and a
// response it got is drained (up to 64 KiB) and closed. The winner's
// context lives until its body is closed or read to its end. The goroutine
// of a hedge ends soon after its loss or the end of the request.
//
// The adaptive delay is learnt from the first attempts: the time to the
// response headers of those that settle a race, and the time until they
// lost for those that were cancelled (which counts them as slow, not as
// missing). Errors are not samples. The middleware is safe for concurrent
// use; its latency records are lock-free, up to 64 endpoints per
// instance (others share one record).
//
// Errors are [*rt.ConfigError] values.
func Hedge(cfg HedgeConfig) (rt.Middleware, error) {
	q := cfg.Quantile
	switch {
	case cfg.Delay < 0:
		return nil, check.Duration("Delay", cfg.Delay)
	case math.IsNaN(q) || q >= 1:
		return nil, &rt.ConfigError{Field: "Quantile", Err: fmt.Errorf("%v is not below 1", q)}
	case q < 0 && cfg.Delay == 0:
		return nil, &rt.ConfigError{Field: "Delay", Err: errors.New("zero with a fixed delay (negative Quantile): nothing would be hedged")}
	case cfg.MinSamples < 0:
		return nil, check.Count("MinSamples", cfg.MinSamples)
	case q == 0:
		q = 0.95
	}
	t := hedgeTransport{
		delay:      cfg.Delay,
		quantile:   q,
		minSamples: uint64(cmp.Or(cfg.MinSamples, 100)),
		budget:     cfg.Budget,
	}
	if t.budget == nil {
		b, err := NewBudget(BudgetConfig{})
		if err != nil {
			return nil, err
		}
		t.budget, t.deposit = b, true
	}
	var err error
	if t.statuses, err = newStatusSet(cfg.RetryOnStatus, false); err != nil {
		return nil, err
	}
	return func(next http.RoundTripper) http.RoundTripper {
		tt := t
		tt.next = next
		tt.ops = new(latencies)
		if tt.quantile >= 0 {
			tt.allowance = newAllowance(1 - tt.quantile)
		}
		return &tt
	}, nil
}

type hedgeTransport struct {
	next       http.RoundTripper
	delay      time.Duration
	quantile   float64 // negative: fixed delay
	minSamples uint64
	statuses   statusSet // statuses that do not settle a race
	budget     *Budget
	deposit    bool // the budget is ours: count requests into it
	ops        *latencies
	allowance  *allowance // nil with a fixed delay
}

var _ http.RoundTripper = (*hedgeTransport)(nil)

func (t *hedgeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.deposit {
		t.budget.Deposit()
	}
	e := endpoint.Of(req)
	if !hedgeable(req, e) {
		return t.next.RoundTrip(req)
	}
	lat := t.ops.get(latencyKey(req.Method, e))
	delay := t.delayFor(lat)
	if delay <= 0 {
		// Not armed yet: send alone, and learn.
		start := time.Now()
		res, err := t.next.RoundTrip(req)
		if t.settles(res, err) {
			t.observe(lat, time.Since(start))
		}
		return res, err
	}
	if t.allowance != nil {
		t.allowance.deposit()
	}
	return t.sendHedged(req, lat, delay)
}

// hedgeable reports whether req, which calls e, may be hedged. Only reads
// may be sent twice at once: not PUT, DELETE or writes with ids, and not
// the GETs that do something each time (scroll and SQL cursors,
// enrollment tokens).
func hedgeable(req *http.Request, e endpoint.Endpoint) bool {
	if _, read := operationOf(req.Method, e); !read || req.Method == http.MethodOptions ||
		!rt.CanReplay(req) || opensScroll(req) {
		return false
	}
	o := options.From(req.Context())
	if v, ok := o.Idempotent, o.HasIdempotent; ok && !v {
		return false
	}
	_, pinned := o.Node.(*rt.Node)
	return !pinned
}

// settles reports whether an attempt's outcome ends the race.
func (t *hedgeTransport) settles(res *http.Response, err error) bool {
	return err == nil && res != nil && !t.statuses.has(res.StatusCode)
}

// delayFor returns the hedge delay of the operation with latency record l,
// or 0 for no hedge.
func (t *hedgeTransport) delayFor(l *opLatency) time.Duration {
	if t.quantile >= 0 {
		if d := l.delay.Load(); d > 0 {
			return time.Duration(d)
		}
	}
	return t.delay
}

// observe records a latency sample, when the delay is adaptive.
func (t *hedgeTransport) observe(l *opLatency, d time.Duration) {
	if t.quantile >= 0 {
		l.observe(d, t.quantile, t.minSamples)
	}
}

// Unwrap returns the next RoundTripper.
func (t *hedgeTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to the next RoundTripper.
func (t *hedgeTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }

// String names the layer, so that printing it shows no configuration.
func (t *hedgeTransport) String() string { return "hedge" }
