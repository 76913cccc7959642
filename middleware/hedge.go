package middleware

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esrt-dev/esrt/internal/bodyhook"
	"github.com/esrt-dev/esrt/internal/check"
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
	// samples, per operation: _search, _count, _doc, ...). If zero, 0.95.
	// Negative: the delay is always Delay. It must be below 1.
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
// both attempts of a hedge share the [rt.Attempts] record that retry puts
// in the context (so the router sends the hedge to a node the request has
// not tried; a record is created when there is none), and retry sees one
// outcome per hedged attempt. Outside retry, each of the two attempts
// would run retries of its own.
//
// Only reads are hedged: GET and HEAD, and POST to read-only endpoints
// (_search, _msearch, _count, _mget, _field_caps, _search/template, ...),
// never writes nor scrolls (_search/scroll, ?scroll=), nor requests marked
// [rt.WithIdempotent](false), pinned with [rt.WithNode], or whose body
// cannot be replayed (no GetBody). Every other request goes through as it
// is.
//
// The race: the first attempt is sent on the caller's goroutine. If it has
// not answered after the delay, and the budget allows it, the hedge is sent
// from a new goroutine with a context marked by [rt.WithHedge]. The first
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
// use; its latency records are lock-free, up to 64 operations per
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
		minSamples: uint64(cfg.MinSamples),
		budget:     cfg.Budget,
	}
	if t.minSamples == 0 {
		t.minSamples = 100
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
		tt.ops = new(hedgeOps)
		if tt.quantile >= 0 {
			tt.allowance = newHedgeAllowance(1 - tt.quantile)
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
	ops        *hedgeOps
	allowance  *hedgeAllowance // nil with a fixed delay
}

var _ http.RoundTripper = (*hedgeTransport)(nil)

// settles reports whether an attempt's outcome ends the race.
func (t *hedgeTransport) settles(res *http.Response, err error) bool {
	return err == nil && res != nil && !t.statuses.has(res.StatusCode)
}

// hedgeable reports whether req may be hedged.
func hedgeable(req *http.Request) bool {
	path := req.URL.Path
	if req.URL.RawPath != "" {
		path = req.URL.EscapedPath()
	}
	// Only reads (endpoint.ReadOnly) may be sent twice at once: not PUT,
	// DELETE or writes with ids, and not the GETs that do something each
	// time (scroll and SQL cursors, enrollment tokens).
	if _, read := operation(req.Method, path); !read || req.Method == http.MethodOptions ||
		!rt.CanReplay(req) || strings.Contains(req.URL.RawQuery, "scroll=") {
		return false
	}
	o := rt.OptionsFrom(req.Context())
	if v, ok := o.Idempotent(); ok && !v {
		return false
	}
	_, pinned := o.Node()
	return !pinned
}

// hedgeOp names the operation of a path for its latency record: its first
// segment that starts with an underscore ("/idx/_doc/1" → "_doc",
// "/_search/template" → "_search"), which index names and aliases never
// do; "" for paths without one (GET /, GET /idx).
func hedgeOp(path string) string {
	for path != "" {
		var seg string
		seg, path, _ = strings.Cut(path, "/")
		if strings.HasPrefix(seg, "_") {
			return seg
		}
	}
	return ""
}

// delayFor returns the hedge delay of the operation with latency record l,
// or 0 for no hedge.
func (t *hedgeTransport) delayFor(l *hedgeLatency) time.Duration {
	if t.quantile >= 0 {
		if d := l.delay.Load(); d > 0 {
			return time.Duration(d)
		}
	}
	return t.delay
}

func (t *hedgeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.deposit {
		t.budget.Deposit()
	}
	if !hedgeable(req) {
		return t.next.RoundTrip(req)
	}
	lat := t.ops.get(hedgeOp(req.URL.Path))
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
	return t.race(req, lat, delay)
}

// observe records a latency sample, when the delay is adaptive.
func (t *hedgeTransport) observe(l *hedgeLatency, d time.Duration) {
	if t.quantile >= 0 {
		l.observe(d, t.quantile, t.minSamples)
	}
}

// The winner of a hedgeRace.
const (
	hedgeUndecided = iota
	hedgePrimaryWon
	hedgeHedgeWon
)

// hedgeRace is one hedged attempt: the first attempt (the primary), sent on
// the caller's goroutine, and the hedge, sent by a timer's goroutine. Its
// mutex orders their ends; every field below mu is guarded by it.
type hedgeRace struct {
	t             *hedgeTransport
	req           *http.Request   // the caller's
	ctx           context.Context // the caller's, with an rt.Attempts
	cancelPrimary context.CancelCauseFunc
	body          bodyhook.Hook           // the winner's body, in the same allocation
	cancelWinner  context.CancelCauseFunc // ends the winner's context with its body

	mu          sync.Mutex
	primaryDone bool
	launched    bool // the hedge goroutine will send one hedgeResult on hedged, unless it lost
	hedgeDone   bool
	winner      int
	cancelHedge context.CancelCauseFunc
	hedged      chan hedgeResult
}

type hedgeResult struct {
	res     *http.Response
	err     error
	skipped bool // no hedge was sent after all: budget refused, body failed
}

func (t *hedgeTransport) race(req *http.Request, lat *hedgeLatency, delay time.Duration) (*http.Response, error) {
	ctx := req.Context()
	if rt.AttemptsFrom(ctx) == nil {
		ctx, _ = rt.WithAttempts(ctx)
	}
	r := &hedgeRace{t: t, req: req, ctx: ctx}
	pctx, pcancel := context.WithCancelCause(ctx)
	r.cancelPrimary = pcancel
	timer := time.AfterFunc(delay, r.launch)
	start := time.Now()
	res, err := t.next.RoundTrip(req.WithContext(pctx))
	elapsed := time.Since(start)
	stopped := timer.Stop()

	r.mu.Lock()
	r.primaryDone = true
	if stopped || !r.launched {
		r.winner = hedgePrimaryWon
		r.mu.Unlock()
		if t.settles(res, err) {
			t.observe(lat, elapsed)
		}
		return r.finish(res, err, pcancel)
	}
	switch {
	case r.winner == hedgeHedgeWon:
		r.mu.Unlock()
		t.observe(lat, elapsed) // cancelled: slow, at least this slow
		hedgeDiscard(res)
		h := <-r.hedged
		return r.finish(h.res, h.err, r.cancelHedge)
	case t.settles(res, err):
		r.winner = hedgePrimaryWon
		hedgeDone, cancelHedge := r.hedgeDone, r.cancelHedge
		r.mu.Unlock()
		t.observe(lat, elapsed)
		if hedgeDone {
			hedgeDiscard((<-r.hedged).res)
		}
		cancelHedge(rt.ErrHedgeLost)
		return r.finish(res, err, pcancel)
	}
	r.mu.Unlock()
	// The primary did not settle the race: the hedge decides.
	h := <-r.hedged
	switch {
	case h.skipped:
	case t.settles(h.res, h.err) || (res == nil && h.res != nil):
		hedgeDiscard(res)
		pcancel(rt.ErrHedgeLost)
		return r.finish(h.res, h.err, r.cancelHedge)
	default:
		hedgeDiscard(h.res)
		r.cancelHedge(rt.ErrHedgeLost)
	}
	return r.finish(res, err, pcancel)
}

// launch sends the hedge, when the primary is still out. It runs on the
// timer's goroutine.
func (r *hedgeRace) launch() {
	r.mu.Lock()
	if r.primaryDone {
		r.mu.Unlock()
		return
	}
	r.launched = true
	r.hedged = make(chan hedgeResult, 1)
	hctx, cancel := context.WithCancelCause(rt.WithHedge(r.ctx))
	r.cancelHedge = cancel
	r.mu.Unlock()

	h := r.send(hctx)
	if h.skipped {
		cancel(nil)
	}
	r.mu.Lock()
	r.hedgeDone = true
	switch {
	case r.winner == hedgePrimaryWon:
		r.mu.Unlock()
		hedgeDiscard(h.res)
		cancel(rt.ErrHedgeLost)
		return
	case !r.primaryDone && r.t.settles(h.res, h.err):
		r.winner = hedgeHedgeWon
		r.mu.Unlock()
		r.cancelPrimary(rt.ErrHedgeLost)
	default:
		r.mu.Unlock()
	}
	r.hedged <- h
}

// send sends the hedge with ctx, if the budget allows it and the body can
// be replayed.
func (r *hedgeRace) send(ctx context.Context) hedgeResult {
	if a := r.t.allowance; a != nil && !a.withdraw() {
		return hedgeResult{skipped: true}
	}
	if !r.t.budget.Withdraw() {
		return hedgeResult{skipped: true}
	}
	hreq := r.req.WithContext(ctx)
	if r.req.Body != nil && r.req.Body != http.NoBody {
		body, err := r.req.GetBody()
		if err != nil {
			return hedgeResult{skipped: true}
		}
		hreq.Body = body
	}
	res, err := r.t.next.RoundTrip(hreq)
	return hedgeResult{res: res, err: err}
}

// finish returns the winning outcome; the attempt's context, whose cancel
// is given, ends at once on an error, or with the response body.
func (r *hedgeRace) finish(res *http.Response, err error, cancel context.CancelCauseFunc) (*http.Response, error) {
	if err != nil {
		cancel(nil)
		return nil, err
	}
	r.cancelWinner = cancel
	res.Body = r.body.Wrap(res.Body, r)
	return res, nil
}

// BodyDone ends the winner's context when its body is done with.
func (r *hedgeRace) BodyDone(error) { r.cancelWinner(nil) }

// hedgeDiscard drains and closes the response of an attempt that lost.
func hedgeDiscard(res *http.Response) {
	if res != nil {
		drain(res.Body)
	}
}

// Unwrap returns the next RoundTripper.
func (t *hedgeTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to the next RoundTripper.
func (t *hedgeTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }

// hedgeAllowance caps hedges at a share of armed requests, as Finagle's
// backup requests are capped by their maxExtraLoad: each armed request
// adds the share of one hedge, each hedge takes one whole, and the credit
// saved is capped at hedgeBurst hedges. It starts with one hedge. Lock-free.
type hedgeAllowance struct {
	credit atomic.Int64 // in 1/hedgeUnit of a hedge
	share  int64        // per armed request
}

const (
	hedgeUnit  = 1 << 16
	hedgeBurst = 10
)

func newHedgeAllowance(share float64) *hedgeAllowance {
	a := &hedgeAllowance{share: int64(share * hedgeUnit)}
	a.credit.Store(hedgeUnit)
	return a
}

func (a *hedgeAllowance) deposit() {
	if a.credit.Load() < hedgeBurst*hedgeUnit {
		a.credit.Add(a.share)
	}
}

func (a *hedgeAllowance) withdraw() bool {
	for {
		c := a.credit.Load()
		if c < hedgeUnit {
			return false
		}
		if a.credit.CompareAndSwap(c, c-hedgeUnit) {
			return true
		}
	}
}

// hedgeMaxOps bounds the operations with a latency record of their own.
const hedgeMaxOps = 64

// hedgeOps holds the latency record of each operation. Lookups read an
// immutable map through an atomic pointer; a new operation copies it.
type hedgeOps struct {
	ops   atomic.Pointer[map[string]*hedgeLatency]
	mu    sync.Mutex // serialises additions
	other hedgeLatency
}

func (o *hedgeOps) get(op string) *hedgeLatency {
	if m := o.ops.Load(); m != nil {
		if l := (*m)[op]; l != nil {
			return l
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	var old map[string]*hedgeLatency
	if m := o.ops.Load(); m != nil {
		old = *m
	}
	if l := old[op]; l != nil {
		return l
	}
	if len(old) >= hedgeMaxOps {
		return &o.other
	}
	m := make(map[string]*hedgeLatency, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	l := new(hedgeLatency)
	m[strings.Clone(op)] = l // op points into a request's URL
	o.ops.Store(&m)
	return l
}

// The latency histogram: log-linear buckets, 8 per power of two (at most
// 12.5 % wide) from 1 µs to about 18 minutes, counted in two generations
// of hedgeWindow samples so that it follows changes.
const (
	hedgeSubBits = 3
	hedgeMinExp  = 10 // 2^10 ns ≈ 1 µs
	hedgeMaxExp  = 40 // 2^40 ns ≈ 18 min
	hedgeBuckets = (hedgeMaxExp - hedgeMinExp + 1) << hedgeSubBits
	hedgeWindow  = 256 // samples per generation
	hedgeRefresh = 16  // samples between recomputations of the quantile
)

type hedgeHistogram struct {
	counts [hedgeBuckets]atomic.Uint32
	total  atomic.Uint32
}

// hedgeLatency is one operation's latency record. It is lock-free: a
// sample is two atomic adds and a load; every hedgeRefresh samples one
// observer recomputes the quantile, which readers load atomically.
type hedgeLatency struct {
	gens  [2]hedgeHistogram
	cur   atomic.Uint32 // the generation being filled, modulo 2
	seen  atomic.Uint64 // samples ever
	delay atomic.Int64  // the quantile in nanoseconds; 0 before enough samples
}

func (l *hedgeLatency) observe(d time.Duration, q float64, minSamples uint64) {
	cur := l.cur.Load()
	g := &l.gens[cur&1]
	g.counts[hedgeBucket(d)].Add(1)
	if g.total.Add(1) == hedgeWindow {
		// Full: clear the older generation and fill it next, so that the
		// record covers the last hedgeWindow to 2·hedgeWindow samples.
		old := &l.gens[(cur+1)&1]
		for i := range old.counts {
			old.counts[i].Store(0)
		}
		old.total.Store(0)
		l.cur.Add(1)
	}
	if n := l.seen.Add(1); n >= minSamples && (n == minSamples || n%hedgeRefresh == 0) {
		l.delay.Store(int64(l.quantile(q)))
	}
}

// quantile returns the upper bound of the bucket that holds the q-th
// quantile of the samples, or 0 without samples.
func (l *hedgeLatency) quantile(q float64) time.Duration {
	var counts [hedgeBuckets]uint64
	var total uint64
	for g := range l.gens {
		for i := range counts {
			c := uint64(l.gens[g].counts[i].Load())
			counts[i] += c
			total += c
		}
	}
	if total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(total)))
	var cum uint64
	for i, c := range counts {
		if cum += c; cum >= rank && c > 0 {
			return hedgeBucketUpper(i)
		}
	}
	return hedgeBucketUpper(hedgeBuckets - 1)
}

// hedgeBucket returns the bucket of a latency.
func hedgeBucket(d time.Duration) int {
	v := uint64(max(d, 0))
	if v < 1<<hedgeMinExp {
		return 0
	}
	e := bits.Len64(v) - 1
	if e > hedgeMaxExp {
		return hedgeBuckets - 1
	}
	sub := int(v>>(e-hedgeSubBits)) & (1<<hedgeSubBits - 1)
	return (e-hedgeMinExp)<<hedgeSubBits | sub
}

// hedgeBucketUpper returns the upper bound of bucket i.
func hedgeBucketUpper(i int) time.Duration {
	e := i>>hedgeSubBits + hedgeMinExp
	sub := i & (1<<hedgeSubBits - 1)
	return time.Duration(uint64(1<<hedgeSubBits+sub+1) << (e - hedgeSubBits))
}
