package middleware

import (
	"net/http"

	"github.com/esrt-dev/esrt/endpoint"
	"github.com/esrt-dev/esrt/rt"
)

// LimitClass is the traffic class of a request for a [Limiter]: each class
// has its own limit, queue and AIMD state, as Elasticsearch has its own
// thread pool and queue for writes and for searches. [DefaultLimitClass]
// says which endpoints belong to which.
type LimitClass int

const (
	// LimitNone is not limited: the request passes straight through.
	LimitNone LimitClass = iota
	// LimitBulk is ingest: _bulk and every other write.
	LimitBulk
	// LimitSearch is reads: searches, counts, gets, scrolls.
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

	// IgnoreBulkItems turns off the scan of successful _bulk responses
	// (the bulk and bulk_stream endpoints, by [endpoint.Of]) for items
	// rejected with status 429. By default, the bytes of such a
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
	classify  func(*http.Request) LimitClass // nil: by the endpoint, as DefaultLimitClass
	scanItems bool
	bulk      adaptiveLimit
	search    adaptiveLimit
}

// NewLimiter returns a Limiter. Errors are [*rt.ConfigError] values.
func NewLimiter(cfg LimiterConfig) (*Limiter, error) {
	l := &Limiter{classify: cfg.Classify, scanItems: !cfg.IgnoreBulkItems}
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
			if c := l.class(i.Request, endpoint.Of(i.Request)); c != nil {
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

// class returns the state of the class of req, which calls e, or nil when
// it is not limited.
func (l *Limiter) class(req *http.Request, e endpoint.Endpoint) *adaptiveLimit {
	var c LimitClass
	if l.classify != nil {
		c = l.classify(req)
	} else {
		c = limitClassOf(e)
	}
	switch c {
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
	e := endpoint.Of(req)
	c := t.l.class(req, e)
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
	outcome := verdictNeutral
	defer func() { c.release(tk, outcome) }() // also if next panics
	res, err := t.next.RoundTrip(req)
	if err != nil || req.Context().Err() != nil {
		return res, err
	}
	switch code := res.StatusCode; {
	case code == http.StatusTooManyRequests:
		outcome = verdictRejected
	case code < 500:
		outcome = verdictSuccess
		if t.l.scanItems && code >= 200 && code < 300 && listsItems(e) &&
			res.Body != nil && res.Body != http.NoBody && res.Header.Get("Content-Encoding") == "" {
			res.Body = &rejectedItemScan{body: res.Body, class: c, tk: tk}
		}
	}
	return res, nil
}

// Unwrap returns the next RoundTripper.
func (t *limiterTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to the next RoundTripper.
func (t *limiterTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }

// String names the layer, so that printing it shows no configuration.
func (t *limiterTransport) String() string { return "limiter" }
