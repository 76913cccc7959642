package middleware

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"

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
	// operations that are safe to repeat.
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

	// Hooks receive every retry, before the hooks carried by the request's
	// context ([rt.WithHooks]). If nil, only those.
	Hooks *rt.Hooks
}

// Retry returns a middleware that sends a request again when an attempt
// fails in a way that another attempt may fix. It belongs outside routing,
// so that each attempt can go to another node; from the first retry on, it
// records its attempts in an [rt.Attempts] for the router, seeded with the
// node of the first attempt (from the router's [*rt.AttemptError] or
// [rt.NodeOf]). A request that needs no retry allocates nothing here.
//
// What is retried:
//
//   - Errors that happen before the request was written (connection
//     refused, TLS handshake, no node available): always. Whether the
//     request was written is observed with net/http/httptrace.
//   - Errors after it was written (connection reset, attempt timeout) and
//     the statuses of RetryOnStatus other than 429: only when the operation
//     is safe to repeat — reads (GET, HEAD, _search, _count, _mget, ...),
//     PUT and DELETE, indexing with an explicit id, _update without a
//     script, and _bulk when every action names its id. Indexing with an
//     automatic id, scroll continuations, _update_by_query,
//     _delete_by_query and _reindex are never sent twice.
//     [rt.WithIdempotent] overrides the judgement per request.
//   - 429: always, with backoff.
//   - An attempt refused by an open circuit breaker: at once, without
//     backoff. The router avoids nodes whose breaker is open, so this is
//     an attempt that raced others for a half-open breaker's probe.
//   - Never: certificate errors, an [*rt.LocalError] (an attempt that
//     failed in the client before it was sent, which the next attempt
//     would fail the same way; it draws nothing from the budget), and
//     anything after the caller's context is done.
//
// Bodies are replayed byte for byte through GetBody (buffering those that
// have none, up to MaxBufferedBody). Discarded responses are drained
// (up to 64 KiB) and closed so that their connections are reused. There is
// no wait after the last attempt, and waits end at once when the caller's
// context is done.
//
// When the last attempt has a response, it is returned with a nil error and
// its body intact, whatever its status. When every attempt failed with an
// error, the error is an [*rt.RetryError] holding each attempt's error,
// oldest first (a single attempt's error is returned as it is).
func Retry(cfg RetryConfig) (rt.Middleware, error) {
	t := retryTransport{
		maxRetries:    cfg.MaxRetries,
		backoff:       cfg.Backoff,
		minBackoff:    orDefault(cfg.MinBackoff, 200*time.Millisecond),
		maxBackoff:    orDefault(cfg.MaxBackoff, 10*time.Second),
		maxRetryAfter: orDefault(cfg.MaxRetryAfter, 30*time.Second),
		maxBody:       cfg.MaxBufferedBody,
		budget:        cfg.Budget,
		hooks:         cfg.Hooks,
	}
	switch {
	case cfg.Disable:
		t.maxRetries = 0
	case cfg.MaxRetries == 0:
		t.maxRetries = 3
	case cfg.MaxRetries < 0:
		return nil, &rt.ConfigError{Field: "MaxRetries", Err: fmt.Errorf("negative value %d", cfg.MaxRetries)}
	}
	switch {
	case t.maxBody == 0:
		t.maxBody = 32 << 20
	case t.maxBody < 0:
		t.maxBody = 0
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"MinBackoff", cfg.MinBackoff}, {"MaxBackoff", cfg.MaxBackoff}, {"MaxRetryAfter", cfg.MaxRetryAfter}} {
		if d.v < 0 {
			return nil, &rt.ConfigError{Field: d.name, Err: fmt.Errorf("negative duration %v", d.v)}
		}
	}
	statuses := cfg.RetryOnStatus
	if statuses == nil {
		statuses = []int{429, 502, 503, 504}
	}
	for _, s := range statuses {
		if s < 100 || s > 599 {
			return nil, &rt.ConfigError{Field: "RetryOnStatus", Err: fmt.Errorf("%d is not an HTTP status", s)}
		}
		t.statuses[s/64] |= 1 << (s % 64)
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
	statuses      [10]uint64 // bit set of retried statuses
	backoff       func(int) time.Duration
	minBackoff    time.Duration
	maxBackoff    time.Duration
	maxRetryAfter time.Duration
	maxBody       int64
	budget        *Budget
	hooks         *rt.Hooks
}

var _ http.RoundTripper = (*retryTransport)(nil)

func (t *retryTransport) retriesStatus(code int) bool {
	return code >= 0 && code < 640 && t.statuses[code/64]&(1<<(code%64)) != 0
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	callerCtx := req.Context()
	opts := rt.OptionsFrom(callerCtx)
	maxRetries := t.maxRetries
	if n, ok := opts.MaxRetries(); ok {
		maxRetries = max(n, 0)
	}
	if t.budget != nil {
		t.budget.Deposit()
	}
	if maxRetries == 0 {
		return t.next.RoundTrip(req)
	}
	base, release, err := rt.ReplayableBody(req, t.maxBody)
	if err != nil {
		return nil, err
	}
	defer release()

	safe := classify(req.Method, req.URL.Path)
	if v, ok := opts.Idempotent(); ok {
		safe = unsafe
		if v {
			safe = idempotent
		}
	}
	// The attempt record that routing reads is built only when a first
	// retry is decided, so a request that needs no retry costs nothing for
	// it. Where the first attempt went comes from the router's answer: an
	// *rt.AttemptError, or rt.NodeOf the response.
	ctx := callerCtx
	var attempts *rt.Attempts
	var errs []error // one per failed attempt, oldest first
	for n := 1; ; n++ {
		// The record's entries of this attempt start here: a hedging
		// middleware below may add more than one per attempt.
		idx := -1
		attempt := base
		if attempts != nil {
			idx = attempts.Count()
			attempt = base.WithContext(ctx)
		}
		if n > 1 && base.Body != nil && base.Body != http.NoBody {
			body, err := base.GetBody()
			if err != nil {
				return nil, t.failed(errs, n, idx, attempts, fmt.Errorf("esrt: replay request body: %w", err))
			}
			attempt.Body = body
		}
		var wrote *atomic.Bool
		if safe != idempotent {
			// Only operations that are unsafe to repeat care whether the
			// request reached the wire; the trace costs allocations.
			wrote = new(atomic.Bool)
			attempt = attempt.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
				WroteHeaders: func() { wrote.Store(true) },
			}))
		}
		res, err := t.next.RoundTrip(attempt)
		if callerCtx.Err() != nil {
			// The caller gave up: whatever happened is final.
			if err != nil {
				return nil, t.failed(errs, n, idx, attempts, err)
			}
			return res, nil
		}
		if n > maxRetries || !t.retryable(base, res, err, safe, wrote) || !rt.CanReplay(base) {
			if err != nil {
				return nil, t.failed(errs, n, idx, attempts, err)
			}
			return res, nil
		}
		delay := t.delay(n, res, err)
		if deadline, ok := callerCtx.Deadline(); ok && time.Until(deadline) <= delay {
			if err != nil {
				return nil, t.failed(errs, n, idx, attempts, err)
			}
			return res, nil
		}
		if t.budget != nil && !unsent(err, wrote) && !t.budget.Withdraw() {
			if err != nil {
				return nil, t.failed(errs, n, idx, attempts, err)
			}
			return res, nil
		}
		if attempts == nil {
			// The first retry: build the record, starting with the node
			// of the first attempt so that routing avoids it.
			var first *rt.Node
			if ae, ok := err.(*rt.AttemptError); ok {
				first, err = ae.Node, ae.Err // the record names the node from here on
			} else {
				first = rt.NodeOf(res)
			}
			ctx, attempts = rt.WithAttempts(callerCtx)
			m, _ := attempts.Begin()
			attempts.SetNode(m, first)
			idx = 0
		}

		info := rt.RetryInfo{Request: req, Attempt: n + 1, Delay: delay, Err: err}
		if res != nil {
			info.StatusCode = res.StatusCode
			err = &rt.StatusError{StatusCode: res.StatusCode}
			drain(res.Body)
		}
		errs = append(errs, attemptError(n, idx, attempts, err))
		rt.ComposeHooks(t.hooks, opts.Hooks()).Retry(info)
		if !sleep(callerCtx, delay) {
			return nil, t.failed(errs, n+1, -1, attempts, callerCtx.Err())
		}
	}
}

// retryable reports whether the attempt's outcome may be fixed by another
// attempt, given the operation's safety.
func (t *retryTransport) retryable(req *http.Request, res *http.Response, err error, safe safety, wrote *atomic.Bool) bool {
	if err != nil {
		if permanent(err) {
			return false
		}
		if errors.Is(err, rt.ErrBreakerOpen) {
			// Refused without being sent, by a breaker that changed
			// state after the router chose its node (several attempts
			// raced for a half-open breaker's probe): the router sends
			// the retry to another node, or as a last resort.
			return true
		}
		// go-retryablehttp's policy refuses more of what no retry can fix
		// (bad schemes, invalid headers, redirect loops); it expects the
		// *url.Error that http.Client returns. The URL is left out: the
		// policy only matches messages.
		if ok, _ := retryablehttp.DefaultRetryPolicy(req.Context(), nil, &url.Error{Op: req.Method, Err: err}); !ok {
			return false
		}
		if wrote != nil && !wrote.Load() {
			return true // nothing reached the server
		}
	} else {
		if !t.retriesStatus(res.StatusCode) {
			return false
		}
		if res.StatusCode == http.StatusTooManyRequests {
			return true // rejected without being run
		}
	}
	switch safe {
	case idempotent:
		return true
	case byBody:
		return idempotentBody(req)
	}
	return false
}

// unsent reports whether a failed attempt never reached a server, so that
// it put no load on the cluster: it failed in the client ([*rt.LocalError]),
// the request was not written (when wrote tracks that), or else its
// connection could not be made, no node could be chosen or a breaker
// refused it.
func unsent(err error, wrote *atomic.Bool) bool {
	var le *rt.LocalError
	switch {
	case err == nil:
		return false
	case errors.As(err, &le):
		return true
	case wrote != nil:
		return !wrote.Load()
	}
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "dial" || errors.Is(err, rt.ErrNoNode) || errors.Is(err, rt.ErrBreakerOpen)
}

// permanent reports whether err is one that no retry can fix: a
// certificate the client does not trust, or a failure in the client before
// sending, which the next attempt would meet too.
func permanent(err error) bool {
	var (
		local        *rt.LocalError
		verification *tls.CertificateVerificationError
		authority    x509.UnknownAuthorityError
		hostname     x509.HostnameError
		invalid      x509.CertificateInvalidError
	)
	return errors.As(err, &local) || errors.Is(err, rt.ErrFingerprintMismatch) || errors.As(err, &verification) ||
		errors.As(err, &authority) || errors.As(err, &hostname) || errors.As(err, &invalid)
}

// delay returns the wait before the retry that follows attempt n, which
// ended with res or err.
func (t *retryTransport) delay(n int, res *http.Response, err error) time.Duration {
	if errors.Is(err, rt.ErrBreakerOpen) {
		return 0 // nothing was sent, and the retry goes elsewhere
	}
	var d time.Duration
	if t.backoff != nil {
		d = t.backoff(n)
	} else {
		// go-retryablehttp's exponential curve, with full jitter on top.
		ceiling := retryablehttp.DefaultBackoff(t.minBackoff, t.maxBackoff, n-1, nil)
		d = rand.N(ceiling + 1)
	}
	if res != nil {
		// With min and max 0, DefaultBackoff returns only what a
		// Retry-After header asks for (on 429 and 503), or 0.
		if ra := min(retryablehttp.DefaultBackoff(0, 0, 0, res), t.maxRetryAfter); ra > d {
			d = ra
		}
	}
	return max(d, 0)
}

// failed builds the error returned when attempt n, whose entries in the
// attempt record start at idx (-1: it never started), ended with err and no
// more attempts follow.
func (t *retryTransport) failed(errs []error, n, idx int, attempts *rt.Attempts, err error) error {
	if len(errs) == 0 {
		return err
	}
	return &rt.RetryError{Attempts: append(errs, attemptError(n, idx, attempts, err))}
}

func attemptError(n, idx int, attempts *rt.Attempts, err error) error {
	var node *rt.Node
	if attempts != nil && idx >= 0 {
		if nodes := attempts.Nodes(); idx < len(nodes) {
			node = nodes[idx]
		}
	}
	return &rt.AttemptError{Attempt: n, Node: node, Err: err}
}

// drain reads what is left of a discarded response body, up to 64 KiB, so
// that its connection can be reused, and closes it.
func drain(body io.ReadCloser) {
	io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	body.Close()
}

// sleep waits for d, or until ctx is done; it reports whether it waited the
// whole time.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Unwrap returns the next RoundTripper.
func (t *retryTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to the next RoundTripper.
func (t *retryTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
