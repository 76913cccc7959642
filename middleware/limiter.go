package middleware

import (
	"net/http"
	"strings"

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
	bulk      adaptiveLimit
	search    adaptiveLimit
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
func (l *Limiter) class(req *http.Request) *adaptiveLimit {
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
	verdict := verdictNeutral
	defer func() { c.release(tk, verdict) }() // also if next panics
	res, err := t.next.RoundTrip(req)
	if err != nil || req.Context().Err() != nil {
		return res, err
	}
	switch code := res.StatusCode; {
	case code == http.StatusTooManyRequests:
		verdict = verdictRejected
	case code < 500:
		verdict = verdictSuccess
		if t.l.scanItems && code >= 200 && code < 300 && limiterIsBulk(req.URL.Path) &&
			res.Body != nil && res.Body != http.NoBody && res.Header.Get("Content-Encoding") == "" {
			// The scan allocates: only for _bulk responses.
			res.Body = &rejectedItemScan{body: res.Body, class: c, tk: tk}
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
