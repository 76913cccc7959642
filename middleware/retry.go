package middleware

import (
	"cmp"
	"net/http"
	"time"

	"github.com/esrt-dev/esrt/internal/check"
	"github.com/esrt-dev/esrt/rt"
)

// RetryConfig configures [Retry]. The zero value retries up to 3 times on
// 429, 502, 503 and 504 and on connection errors, with full-jitter
// exponential backoff, within the limits of operation safety.
type RetryConfig struct {
	// MaxRetries is how many times a request may be retried, so a request
	// makes up to MaxRetries+1 attempts. If zero, 3 — as in
	// go-elasticsearch, zero does NOT mean "no retries": set Disable for
	// that. Per request, [rt.WithMaxRetries] overrides it (there, 0 means
	// one attempt).
	MaxRetries int

	// Disable makes every request a single attempt.
	Disable bool

	// RetryOnStatus lists the statuses that are retried. If nil, 429, 502,
	// 503 and 504. 429 is retried for every operation (Elasticsearch
	// rejected the request without running it); the others only for
	// operations that are safe to repeat. Only error statuses, 400 to 599,
	// are allowed: a success or a redirect is never retried, and listing
	// one is an [*rt.ConfigError] naming RetryOnStatus. An empty, non-nil
	// list retries no status.
	RetryOnStatus []int

	// Backoff returns how long to wait before retry number attempt
	// (counting from 1). If nil, full-jitter exponential backoff: a random
	// wait between 0 and MinBackoff·2^(attempt-1), at most MaxBackoff.
	Backoff func(attempt int) time.Duration

	// MinBackoff and MaxBackoff shape the default backoff. If zero, 200 ms
	// and 10 s.
	MinBackoff, MaxBackoff time.Duration

	// MaxRetryAfter caps how long a Retry-After header may make a retry
	// wait. If zero, 30 s. A retry is never started after the request's
	// deadline: when the wait would pass it, the last response or error is
	// returned at once.
	MaxRetryAfter time.Duration

	// MaxBufferedBody is the largest request body, in bytes, that is held
	// in memory so that it can be sent again, for bodies that have no
	// GetBody. Larger bodies are sent once and never retried. If zero,
	// 32 MiB; if negative, such bodies are never buffered.
	MaxBufferedBody int64

	// Budget, if not nil, must allow every retry of an attempt that
	// reached a server: see [Budget]. Retrying an attempt that never did
	// (its connection could not be made, or no node could be chosen)
	// draws nothing from it, since the cluster never saw that attempt:
	// during an outage of every node, requests keep trying every node, and
	// the first node to come back is found at once. Share one Budget
	// between the retry and hedging middlewares of a client.
	Budget *Budget

	// NodeCount, if not nil, returns how many nodes the routing middleware
	// below chooses among (esrt.New passes its pool's). With it, a retry
	// after an attempt that never reached a server (its connection was
	// refused, or it was not written) starts at once, without backoff,
	// while the request has not tried that many nodes: the router sends
	// it to a node it has not tried. Backoff is for a node tried again and
	// for a cluster failing as a whole: a retry waits once every node has
	// been tried, when no node could be chosen, and when the request is
	// pinned to a node ([rt.WithNode]). If nil, every retry but those of
	// an open breaker waits its backoff.
	NodeCount func() int

	// Hooks receive every retry, before the hooks carried by the request's
	// context ([rt.WithHooks]). If nil, only those.
	Hooks *rt.Hooks
}

// Retry returns a middleware that sends a request again when an attempt
// fails in a way that another attempt may fix. It belongs outside routing,
// so that each attempt can go to another node; from the first retry on, it
// records its attempts in an attempt record for the router, seeded with the
// node of the first attempt (from the router's [*rt.AttemptError] or
// the router records on the body). A read that needs no retry allocates nothing here; other
// requests allocate a trace of whether each attempt was written.
//
// What is retried:
//
//   - Errors that happen before the request was written (connection
//     refused, TLS handshake, no node available, a write that failed
//     before the request's last byte): always. Whether the request was
//     written is observed with net/http/httptrace. Such a
//     retry starts at once when it goes to a node the request has not
//     tried (see RetryConfig.NodeCount); it waits its backoff otherwise.
//   - Errors after it was written (connection reset, attempt timeout) and
//     the statuses of RetryOnStatus other than 429: only when the operation
//     is safe to repeat — reads (GET, HEAD, _search, _count, _mget, ...),
//     PUT and DELETE, indexing with an explicit id, _update without a
//     script, and _bulk when every action names its id. Indexing with an
//     automatic id, scroll continuations, _update_by_query,
//     _delete_by_query and _reindex are never sent twice. The endpoint is
//     [endpoint.Of] the request: the one its context carries
//     ([endpoint.NewContext]), else the table's for its method and path.
//     [rt.WithIdempotent] overrides the judgement per request.
//   - 429: always, with backoff.
//   - An attempt refused by an open circuit breaker: at once, without
//     backoff. The router avoids nodes whose breaker is open, so this is
//     an attempt that raced others for a half-open breaker's probe.
//   - Never: errors no retry can fix — certificate errors, an https://
//     address of a node that speaks plain http (a [tls.RecordHeaderError]
//     or [http.ErrSchemeMismatch], also wrapped), an [*rt.LocalError] (an
//     attempt that failed in the client before it was sent, such as a bad
//     per-request option, which the next attempt would fail the same way;
//     it draws nothing from the budget), a request that net/http refuses
//     to send (a method or header name that is not a token, a header or
//     trailer value with a control character, a scheme other than http
//     and https) — and anything after the caller's context is done.
//
// Bodies are replayed byte for byte through GetBody (buffering those that
// have none, up to MaxBufferedBody). Discarded responses are drained
// (up to 64 KiB) and closed so that their connections are reused. There is
// no wait after the last attempt, and waits end at once when the caller's
// context is done.
//
// When the last attempt has a response, it is returned with a nil error and
// its body intact, whatever its status. The response of a write (anything
// but GET, HEAD, OPTIONS and the read-only POST endpoints) that was sent
// again after an earlier attempt may have reached a server carries the
// header [rt.RetriedWriteHeader]: a 409 to a create or a 404 to a delete
// may then be the effect of that earlier attempt (see there). The header is
// removed from every other response.
//
// When the request ends with an error — one attempt or several, retries
// disabled or not — the error is an [*rt.RetryError]: its Reason says why
// no further attempt was made ([rt.StopExhausted],
// [rt.StopMayHaveBeenApplied], [rt.StopPermanent], ...), and it holds each
// attempt's error, oldest first, wrapping the last one. When the caller's
// context ended, errors.Is matches the context's error
// ([context.Canceled] or [context.DeadlineExceeded]) too.
func Retry(cfg RetryConfig) (rt.Middleware, error) {
	t := retryTransport{
		maxRetries:    cfg.MaxRetries,
		backoff:       cfg.Backoff,
		minBackoff:    cmp.Or(cfg.MinBackoff, 200*time.Millisecond),
		maxBackoff:    cmp.Or(cfg.MaxBackoff, 10*time.Second),
		maxRetryAfter: cmp.Or(cfg.MaxRetryAfter, 30*time.Second),
		maxBody:       cfg.MaxBufferedBody,
		budget:        cfg.Budget,
		nodeCount:     cfg.NodeCount,
		hooks:         cfg.Hooks,
	}
	switch {
	case cfg.Disable:
		t.maxRetries = 0
	case cfg.MaxRetries == 0:
		t.maxRetries = 3
	case cfg.MaxRetries < 0:
		return nil, check.Count("MaxRetries", cfg.MaxRetries)
	}
	switch {
	case t.maxBody == 0:
		t.maxBody = 32 << 20
	case t.maxBody < 0:
		t.maxBody = 0
	}
	for _, err := range []error{
		check.Duration("MinBackoff", cfg.MinBackoff),
		check.Duration("MaxBackoff", cfg.MaxBackoff),
		check.Duration("MaxRetryAfter", cfg.MaxRetryAfter),
	} {
		if err != nil {
			return nil, err
		}
	}
	var err error
	if t.statuses, err = newStatusSet(cfg.RetryOnStatus, true); err != nil {
		return nil, err
	}
	return func(next http.RoundTripper) http.RoundTripper {
		tt := t
		tt.next = next
		return &tt
	}, nil
}

type retryTransport struct {
	next          http.RoundTripper
	maxRetries    int
	statuses      statusSet
	backoff       func(int) time.Duration
	minBackoff    time.Duration
	maxBackoff    time.Duration
	maxRetryAfter time.Duration
	maxBody       int64
	budget        *Budget
	nodeCount     func() int
	hooks         *rt.Hooks
}

var _ http.RoundTripper = (*retryTransport)(nil)

// RoundTrip makes the attempts of req, one after the other, until one is
// the last (see [Retry]), and returns the request's outcome.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.budget != nil {
		t.budget.Deposit()
	}
	var c tries
	c.start(t, req)
	defer c.release()
	var (
		res *http.Response
		err error
	)
	for n := 1; c.again; n++ {
		res, err = c.attempt(n)
	}
	return res, err
}

// Unwrap returns the next RoundTripper.
func (t *retryTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to the next RoundTripper.
func (t *retryTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }

// String names the layer, so that printing it shows no configuration.
func (t *retryTransport) String() string { return "retry" }
