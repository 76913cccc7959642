package middleware

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"

	"github.com/esrt-dev/esrt/rt"
)

// LimitClass is the traffic class of a request for a [Limiter]: each class
// has its own limit, queue and AIMD state, as Elasticsearch has its own
// thread pool and queue for writes and for searches.
type LimitClass int

const (
	// LimitNone is not limited: the request passes straight through.
	LimitNone LimitClass = iota
	// LimitBulk is ingest: _bulk and other writes.
	LimitBulk
	// LimitSearch is reads: searches, counts, gets.
	LimitSearch
)

// LimiterClassConfig configures the limit of one [LimitClass]. The zero
// value starts at 20 requests in flight and adapts between 1 and 1000,
// adding 1 per round trip of successes and cutting by 10 % on rejection.
type LimiterClassConfig struct {
	// Initial is the limit to start with. If zero, 20 (kept within Min and
	// Max).
	Initial int
	// Min is the lowest the limit goes. If zero, 1.
	Min int
	// Max is the highest the limit goes. If zero, 1000, or Min if that is
	// larger.
	Max int
	// Increase is what the limit grows by for every limit's worth of
	// successful requests, that is about once per round trip while the
	// limit is in use: each success adds Increase/limit. If zero, 1.
	Increase float64
	// Decrease is the factor the limit is multiplied by when the cluster
	// rejects a request, between 0 and 1 exclusive. If zero, 0.9.
	Decrease float64
	// NoSlowStart turns off slow start: by default, until the cluster
	// first rejects a request, each success adds Increase rather than
	// Increase/limit, so the limit doubles every round trip and finds the
	// cluster's capacity in a few round trips instead of dozens.
	NoSlowStart bool
}

// LimiterConfig configures a [Limiter]. The zero value limits bulk and
// search traffic separately with the defaults of [LimiterClassConfig],
// classifies requests with [DefaultLimitClass], and watches _bulk responses
// for rejected items.
type LimiterConfig struct {
	// Bulk and Search configure the two classes.
	Bulk, Search LimiterClassConfig

	// Classify returns the class of a request. It must be safe for
	// concurrent use, must not modify the request and should not read its
	// body. Values other than LimitBulk and LimitSearch are not limited.
	// If nil, [DefaultLimitClass].
	Classify func(*http.Request) LimitClass

	// IgnoreBulkItems turns off the scan of successful _bulk responses for
	// items rejected with status 429. By default, the bytes of such a
	// response are scanned as the caller reads them — nothing is buffered
	// or parsed, and a response the caller does not read is not scanned —
	// and a rejected item counts as a rejection of the request.
	IgnoreBulkItems bool
}

// Limiter is an adaptive concurrency limiter for the requests of one client
// to one cluster: the opt-in backpressure that keeps a client that ingests
// (or searches) as fast as it can from hammering a cluster that answers
// 429 Too Many Requests. It is safe for concurrent use; make one per
// cluster and share it.
//
// Each class of traffic ([LimitBulk], [LimitSearch]) has a limit on the
// requests in flight, adapted with AIMD, as TCP adapts its congestion
// window:
//
//   - additive increase: each request answered with a status below 500
//     other than 429 adds Increase/limit to the limit, while at least half
//     of the limit is in use (an idle client does not grow a limit it does
//     not test);
//   - slow start: until the first rejection, each success adds Increase,
//     so the limit doubles every round trip;
//   - multiplicative decrease: a rejection — a 429 response (Elasticsearch
//     answers es_rejected_execution_exception, circuit_breaking_exception
//     and flood-stage blocks with 429), a 429 attempt that the retry
//     middleware retries (see [Limiter.Hooks]), or a 200 _bulk response
//     with an item rejected with 429 — multiplies the limit by Decrease.
//     The first rejection, which ends slow start, multiplies instead the
//     number of requests that were in flight when the rejected request was
//     admitted (at least half the limit): the limit may have doubled past
//     the cluster's capacity in the round trip the rejection took;
//   - one congestion event is one decrease: rejections of requests admitted
//     before the last decrease were sent under the old limit and are
//     ignored, so the limit is cut at most once per round trip;
//   - errors, 5xx responses and cancelled requests leave the limit alone.
//
// A request over the limit waits in its class's queue, first come first
// served, until a request of its class ends or the limit grows; new
// requests never overtake waiting ones. When the request's context ends
// while it waits, RoundTrip closes the request body and returns the
// context's error (ctx.Err()) without sending anything. The Limiter starts
// no goroutine and waiting requests wait in their callers' goroutines.
//
// A request holds its slot until the next transport returns its response
// headers or error, so the limiter belongs outside retry (a request waiting
// to be retried keeps its slot) and inside compression, in esrt's canonical
// order: admission comes right before retry.
type Limiter struct {
	classify  func(*http.Request) LimitClass
	scanItems bool
	bulk      limiterClass
	search    limiterClass
}

// NewLimiter returns a Limiter. Errors are [*rt.ConfigError] values.
func NewLimiter(cfg LimiterConfig) (*Limiter, error) {
	l := &Limiter{classify: cfg.Classify, scanItems: !cfg.IgnoreBulkItems}
	if l.classify == nil {
		l.classify = DefaultLimitClass
	}
	if err := l.bulk.init("Bulk", cfg.Bulk); err != nil {
		return nil, err
	}
	if err := l.search.init("Search", cfg.Search); err != nil {
		return nil, err
	}
	return l, nil
}

// Middleware returns the middleware that admits requests through l. Every
// transport it wraps shares l's limits.
func (l *Limiter) Middleware() rt.Middleware {
	return func(next http.RoundTripper) http.RoundTripper {
		return &limiterTransport{l: l, next: next}
	}
}

// Hooks returns hooks that report every retried 429 attempt to l. Give them
// to the retry middleware inside the limiter ([RetryConfig.Hooks], composed
// with others by [rt.ComposeHooks]): the limiter itself sees only the
// final response of each request, and a request whose first attempts were
// rejected and whose last succeeded is still a sign of congestion.
//
// Such a report does not know when its request was admitted; it cuts the
// limit only when at least as many requests as are in flight were admitted
// since the last cut, which is about one round trip.
func (l *Limiter) Hooks() *rt.Hooks {
	return &rt.Hooks{OnRetry: func(i rt.RetryInfo) {
		if i.StatusCode == http.StatusTooManyRequests {
			if c := l.class(i.Request); c != nil {
				c.rejectedLate()
			}
		}
	}}
}

// LimiterStats is a snapshot of a [Limiter]'s state.
type LimiterStats struct {
	Bulk, Search LimiterClassStats
}

// LimiterClassStats is a snapshot of one class of a [Limiter].
type LimiterClassStats struct {
	// Limit is the number of requests that may be in flight now.
	Limit int
	// InFlight is the number of requests admitted and not yet answered. It
	// may exceed Limit just after a decrease.
	InFlight int
	// Queued is the number of requests waiting to be admitted.
	Queued int
	// Admitted counts the requests admitted so far.
	Admitted uint64
	// Rejections counts the rejections seen so far: 429 responses, retried
	// 429 attempts and _bulk responses with rejected items.
	Rejections uint64
	// Decreases counts the times the limit was cut.
	Decreases uint64
}

// Stats returns the current limits, requests in flight and queue lengths,
// and counters since l was made. Each class is read consistently on its
// own.
func (l *Limiter) Stats() LimiterStats {
	return LimiterStats{Bulk: l.bulk.stats(), Search: l.search.stats()}
}

// DefaultLimitClass is the classification of [LimiterConfig] when Classify
// is nil: reads are search traffic, everything else is bulk traffic.
//
//	GET, HEAD, OPTIONS                                    LimitSearch
//	POST to read endpoints: _search, _msearch, _count,
//	     _mget, _field_caps, search templates,
//	     _validate/query, _explain, _termvectors,
//	     _search/scroll, _pit, _async_search, _knn_search,
//	     _terms_enum, _rank_eval, _eql/search, _sql, _query  LimitSearch
//	_bulk, and every other write (POST, PUT, DELETE)      LimitBulk
func DefaultLimitClass(req *http.Request) LimitClass {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return LimitSearch
	case http.MethodPost:
	default:
		return LimitBulk
	}
	last, rest := cutLast(strings.Trim(req.URL.Path, "/"))
	prev, _ := cutLast(rest)
	switch {
	case last == "_pit", last == "_async_search", last == "_knn_search", last == "_terms_enum",
		last == "_rank_eval", last == "_sql", last == "_query",
		last == "scroll" && prev == "_search", last == "search" && prev == "_eql":
		return LimitSearch
	case prev == "_doc", prev == "_create":
		return LimitBulk // indexing with an id, which classify deems idempotent
	case classify(http.MethodPost, req.URL.Path) == idempotent:
		return LimitSearch
	}
	return LimitBulk
}

// class returns the state of req's class, or nil when it is not limited.
func (l *Limiter) class(req *http.Request) *limiterClass {
	switch l.classify(req) {
	case LimitBulk:
		return &l.bulk
	case LimitSearch:
		return &l.search
	}
	return nil
}

type limiterTransport struct {
	l    *Limiter
	next http.RoundTripper
}

var _ http.RoundTripper = (*limiterTransport)(nil)

func (t *limiterTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c := t.l.class(req)
	if c == nil {
		return t.next.RoundTrip(req)
	}
	tk, err := c.acquire(req.Context())
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	outcome := limiterNeutral
	defer func() { c.release(tk, outcome) }() // also if next panics
	res, err := t.next.RoundTrip(req)
	if err != nil || req.Context().Err() != nil {
		return res, err
	}
	switch code := res.StatusCode; {
	case code == http.StatusTooManyRequests:
		outcome = limiterRejected
	case code < 500:
		outcome = limiterSuccess
		if t.l.scanItems && code >= 200 && code < 300 && limiterIsBulk(req.URL.Path) &&
			res.Body != nil && res.Body != http.NoBody && res.Header.Get("Content-Encoding") == "" {
			// The scan allocates: only for _bulk responses.
			res.Body = &limiterItemScan{body: res.Body, class: c, tk: tk}
		}
	}
	return res, nil
}

// Unwrap returns the next RoundTripper.
func (t *limiterTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to the next RoundTripper.
func (t *limiterTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }

// limiterIsBulk reports whether path is a _bulk endpoint.
func limiterIsBulk(path string) bool {
	last, _ := cutLast(strings.Trim(path, "/"))
	return last == "_bulk"
}

type limiterOutcome int

const (
	limiterNeutral  limiterOutcome = iota // no information: an error, a 5xx, a cancel
	limiterSuccess                        // the cluster accepted the request
	limiterRejected                       // the cluster rejected it: 429
)

// limiterClass is the AIMD state and the queue of one class.
type limiterClass struct {
	mu       sync.Mutex
	limit    float64 // the limit; int(limit) requests may be in flight
	min, max float64
	increase float64
	decrease float64
	inFlight int
	// seq numbers admissions from 1; recovery is the first seq admitted
	// after the last decrease: a rejection of an older request belongs to
	// the congestion event that caused that decrease.
	seq       uint64
	recovery  uint64
	slowStart bool
	// The queue: a doubly linked list of waiters, oldest first.
	head, tail *limiterWaiter
	queued     int

	rejections, decreases uint64
}

// limiterWaiter is a request waiting in a class's queue. Fields are guarded
// by the class's mutex; ready is closed when the waiter is admitted.
type limiterWaiter struct {
	ready      chan struct{}
	prev, next *limiterWaiter
	admitted   bool
	tk         limiterTicket
}

// limiterTicket identifies an admission: its sequence number and the
// number of requests in flight once it was admitted.
type limiterTicket struct {
	seq  uint64
	load int
}

func (c *limiterClass) init(name string, cfg LimiterClassConfig) error {
	bad := func(field, format string, args ...any) error {
		return &rt.ConfigError{Field: name + "." + field, Err: fmt.Errorf(format, args...)}
	}
	switch {
	case cfg.Min < 0:
		return bad("Min", "negative limit %d", cfg.Min)
	case cfg.Max < 0:
		return bad("Max", "negative limit %d", cfg.Max)
	case cfg.Initial < 0:
		return bad("Initial", "negative limit %d", cfg.Initial)
	case cfg.Increase < 0 || math.IsNaN(cfg.Increase) || math.IsInf(cfg.Increase, 0):
		return bad("Increase", "increase %v is not a finite positive number", cfg.Increase)
	case cfg.Decrease < 0 || cfg.Decrease >= 1 || math.IsNaN(cfg.Decrease):
		return bad("Decrease", "factor %v not between 0 and 1 exclusive", cfg.Decrease)
	}
	lo := max(cfg.Min, 1)
	hi := cfg.Max
	if hi == 0 {
		hi = max(1000, lo)
	}
	if hi < lo {
		return bad("Max", "limit %d below Min %d", hi, lo)
	}
	initial := cfg.Initial
	if initial == 0 {
		initial = min(max(20, lo), hi)
	}
	if initial < lo || initial > hi {
		return bad("Initial", "limit %d outside %d..%d", initial, lo, hi)
	}
	c.limit, c.min, c.max = float64(initial), float64(lo), float64(hi)
	c.increase = limiterOr(cfg.Increase, 1)
	c.decrease = limiterOr(cfg.Decrease, 0.9)
	c.slowStart = !cfg.NoSlowStart
	return nil
}

// limiterOr returns v, or def when v is zero.
func limiterOr(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// acquire admits a request, waiting in the queue while the class is at its
// limit. It returns ctx.Err() when ctx ends first.
func (c *limiterClass) acquire(ctx context.Context) (limiterTicket, error) {
	c.mu.Lock()
	if c.head == nil && c.inFlight < int(c.limit) {
		tk := c.admitLocked()
		c.mu.Unlock()
		return tk, nil
	}
	w := &limiterWaiter{ready: make(chan struct{})}
	c.push(w)
	c.mu.Unlock()

	select {
	case <-w.ready:
		return w.tk, nil
	case <-ctx.Done():
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if w.admitted {
		// Admitted as the context ended: hand the slot on.
		c.inFlight--
		c.admitWaitersLocked()
	} else {
		c.remove(w)
	}
	return limiterTicket{}, ctx.Err()
}

// admitLocked admits one request.
func (c *limiterClass) admitLocked() limiterTicket {
	c.inFlight++
	c.seq++
	return limiterTicket{seq: c.seq, load: c.inFlight}
}

// admitWaitersLocked admits waiters, oldest first, while there is room.
func (c *limiterClass) admitWaitersLocked() {
	for c.head != nil && c.inFlight < int(c.limit) {
		w := c.head
		c.remove(w)
		w.tk, w.admitted = c.admitLocked(), true
		close(w.ready)
	}
}

// release ends the request admitted with tk, with its outcome.
func (c *limiterClass) release(tk limiterTicket, o limiterOutcome) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch o {
	case limiterSuccess:
		if tk.seq >= c.recovery && 2*c.inFlight >= int(c.limit) {
			step := c.increase / c.limit
			if c.slowStart {
				step = c.increase
			}
			c.limit = min(c.max, c.limit+step)
		}
	case limiterRejected:
		c.rejectedLocked(tk)
	}
	c.inFlight--
	c.admitWaitersLocked()
}

// rejected reports a rejection of the request admitted with tk that came
// after it was released (a rejected bulk item).
func (c *limiterClass) rejected(tk limiterTicket) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rejectedLocked(tk)
}

// rejectedLate reports a rejection whose admission is unknown (a retried
// attempt): it counts as new once a generation of requests, as many as are
// in flight, was admitted since the last decrease.
func (c *limiterClass) rejectedLate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seq+1-c.recovery < uint64(c.inFlight) {
		c.rejections++ // too soon after the last decrease
		return
	}
	c.rejectedLocked(limiterTicket{seq: c.seq})
}

func (c *limiterClass) rejectedLocked(tk limiterTicket) {
	c.rejections++
	if tk.seq < c.recovery {
		return // same congestion event as the last decrease
	}
	base := c.limit
	if c.slowStart && tk.load > 0 {
		base = min(c.limit, max(float64(tk.load), c.limit/2))
	}
	c.limit = max(c.min, base*c.decrease)
	c.recovery = c.seq + 1
	c.slowStart = false
	c.decreases++
}

func (c *limiterClass) push(w *limiterWaiter) {
	w.prev = c.tail
	if c.tail != nil {
		c.tail.next = w
	} else {
		c.head = w
	}
	c.tail = w
	c.queued++
}

func (c *limiterClass) remove(w *limiterWaiter) {
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		c.head = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		c.tail = w.prev
	}
	w.prev, w.next = nil, nil
	c.queued--
}

func (c *limiterClass) stats() LimiterClassStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return LimiterClassStats{
		Limit:      int(c.limit),
		InFlight:   c.inFlight,
		Queued:     c.queued,
		Admitted:   c.seq,
		Rejections: c.rejections,
		Decreases:  c.decreases,
	}
}

// limiterItemScan passes a _bulk response body through and watches it for
// an item rejected with status 429: the pattern "status" : 429 (any JSON
// whitespace around the colon, not followed by a digit), which
// Elasticsearch writes in each rejected item. Once it has found one it
// reports it and only passes bytes through. A 429 inside a document's
// source returned by an update would count too; bulk responses rarely
// carry sources.
type limiterItemScan struct {
	body  io.ReadCloser
	class *limiterClass
	tk    limiterTicket
	state uint8 // see step
	found bool
}

const limiterStatusKey = `"status"`

func (s *limiterItemScan) Read(p []byte) (int, error) {
	n, err := s.body.Read(p)
	if n > 0 && !s.found && s.scan(p[:n]) {
		s.found = true
		s.class.rejected(s.tk)
	}
	return n, err
}

func (s *limiterItemScan) Close() error { return s.body.Close() }

// scan feeds p to the matcher and reports whether the pattern ended in it.
func (s *limiterItemScan) scan(p []byte) bool {
	for len(p) > 0 {
		if s.state == 0 {
			i := bytes.Index(p, []byte(limiterStatusKey))
			if i < 0 {
				// Only a prefix of the key may end p.
				p = p[max(0, len(p)-len(limiterStatusKey)+1):]
				for _, b := range p {
					s.step(b)
				}
				return false
			}
			s.state = uint8(len(limiterStatusKey))
			p = p[i+len(limiterStatusKey):]
			continue
		}
		if s.step(p[0]) {
			return true
		}
		p = p[1:]
	}
	return false
}

// step advances the matcher by one byte and reports whether the pattern is
// complete. States 0 to 8 count the bytes of "status" matched; 9 follows
// the colon; 10, 11 and 12 follow 4, 42 and 429.
func (s *limiterItemScan) step(b byte) bool {
	const key = len(limiterStatusKey)
	switch st := int(s.state); {
	case st < key:
		if b == limiterStatusKey[st] {
			s.state++
			return false
		}
	case st == key || st == key+1:
		if b == ' ' || b == '\t' || b == '\n' || b == '\r' {
			return false
		}
		if st == key && b == ':' || st == key+1 && b == '4' {
			s.state++
			return false
		}
	case st == key+2 && b == '2', st == key+3 && b == '9':
		s.state++
		return false
	case st == key+4:
		if b < '0' || b > '9' {
			s.state = 0
			return true
		}
	}
	s.state = 0
	if b == '"' {
		s.state = 1
	}
	return false
}
