package middleware

import (
	"cmp"
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
	"strconv"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"

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
// records its attempts in an [rt.Attempts] for the router, seeded with the
// node of the first attempt (from the router's [*rt.AttemptError] or
// [rt.NodeOf]). A read that needs no retry allocates nothing here; other
// requests allocate a trace of whether each attempt was written.
//
// What is retried:
//
//   - Errors that happen before the request was written (connection
//     refused, TLS handshake, no node available): always. Whether the
//     request was written is observed with net/http/httptrace. Such a
//     retry starts at once when it goes to a node the request has not
//     tried (see RetryConfig.NodeCount); it waits its backoff otherwise.
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
//   - Never: errors no retry can fix — certificate errors, an https://
//     address of a node that speaks plain http (a [tls.RecordHeaderError]
//     or [http.ErrSchemeMismatch], also wrapped), an [*rt.LocalError] (an
//     attempt that failed in the client before it was sent, such as a bad
//     per-request option, which the next attempt would fail the same way;
//     it draws nothing from the budget) — and anything after the caller's
//     context is done.
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
		res, err := t.next.RoundTrip(req)
		if err != nil {
			reason, done := contextStop(callerCtx)
			if !done {
				reason = rt.StopDisabled
			}
			return nil, stopError(req, reason, []error{attemptError(1, -1, nil, err)})
		}
		return final(res, false, 0), nil
	}
	base, release, err := rt.ReplayableBody(req, t.maxBody)
	if err != nil {
		// The caller's body could not be read: attempt 1 never started.
		reason, done := contextStop(callerCtx)
		if !done {
			reason = rt.StopPermanent
		}
		return nil, stopError(req, reason, []error{attemptError(1, -1, nil, err)})
	}
	defer release()

	// The endpoint table matches escaped segments, so that an id may hold
	// %2F. Without a RawPath (set only when the escaping differs from
	// Path's default, as a %2F makes it) Path splits into the same
	// segments, and EscapedPath would scan it again on every request.
	path := req.URL.Path
	if req.URL.RawPath != "" {
		path = req.URL.EscapedPath()
	}
	safe, read := operation(req.Method, path)
	if v, ok := opts.Idempotent(); ok {
		safe = unsafe
		if v {
			safe = idempotent
		}
	}
	_, pinned := opts.Node()
	// The attempt record that routing reads is built only when a first
	// retry is decided, so a request that needs no retry costs nothing for
	// it. Where the first attempt went comes from the router's answer: an
	// *rt.AttemptError, or rt.NodeOf the response.
	ctx := callerCtx
	var attempts *rt.Attempts
	var errs []error // one per failed attempt, oldest first
	reached := 0     // failed attempts that may have reached a server
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
				errs = append(errs, attemptError(n, -1, attempts, fmt.Errorf("esrt: replay request body: %w", err)))
				return nil, stopError(req, rt.StopBodyNotReplayable, errs)
			}
			attempt.Body = body
		}
		var wrote *atomic.Bool
		if safe != idempotent || !read {
			// Whether the request reached the wire matters for operations
			// that are unsafe to repeat, and for marking the response of a
			// retried write; the trace costs allocations, so reads go
			// without.
			wrote = new(atomic.Bool)
			attempt = attempt.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
				WroteHeaders: func() { wrote.Store(true) },
			}))
		}
		res, err := t.next.RoundTrip(attempt)
		if reason, done := contextStop(callerCtx); done {
			// The caller gave up: whatever happened is final.
			if err != nil {
				errs = append(errs, attemptError(n, idx, attempts, err))
				return nil, stopError(req, reason, errs)
			}
			return final(res, read, reached), nil
		}
		if err == nil && !t.statuses.has(res.StatusCode) {
			return final(res, read, reached), nil
		}
		stop, reason := t.stopReason(base, res, err, safe, wrote, n, maxRetries)
		var delay time.Duration
		if !stop {
			delay = t.delay(n, res, err)
			if delay > 0 && !pinned && t.nodeCount != nil && unsent(err, wrote) &&
				untriedLeft(t.nodeCount(), attempts, err) {
				// Nothing reached a server, and the router sends the retry
				// to a node this request has not tried: no reason to wait.
				delay = 0
			}
			if deadline, ok := callerCtx.Deadline(); ok && time.Until(deadline) <= delay {
				stop, reason = true, rt.StopDeadline
			} else if t.budget != nil && !unsent(err, wrote) && !t.budget.Withdraw() {
				stop, reason = true, rt.StopBudget
			}
		}
		if stop {
			if err != nil {
				errs = append(errs, attemptError(n, idx, attempts, err))
				return nil, stopError(req, reason, errs)
			}
			return final(res, read, reached), nil
		}
		if mayHaveReached(res, err, wrote) {
			reached++
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
			reason, _ := contextStop(callerCtx)
			return nil, stopError(req, reason, errs)
		}
	}
}

// stopReason decides whether attempt n, which ended with res (of a status
// in RetryOnStatus) or err, is the last one, and why.
func (t *retryTransport) stopReason(req *http.Request, res *http.Response, err error, safe safety, wrote *atomic.Bool, n, maxRetries int) (stop bool, reason rt.StopReason) {
	switch {
	case err != nil && permanent(req, err):
		return true, rt.StopPermanent
	case n > maxRetries:
		return true, rt.StopExhausted
	case !t.safeToRepeat(req, res, err, safe, wrote):
		return true, rt.StopMayHaveBeenApplied
	case !rt.CanReplay(req):
		return true, rt.StopBodyNotReplayable
	}
	return false, 0
}

// safeToRepeat reports whether another attempt may follow one that ended
// with res or err (an outcome a retry may fix), given the operation's
// safety: whether the attempt may have been applied matters only for
// operations that are not safe to repeat.
func (t *retryTransport) safeToRepeat(req *http.Request, res *http.Response, err error, safe safety, wrote *atomic.Bool) bool {
	if err != nil {
		if errors.Is(err, rt.ErrBreakerOpen) {
			// Refused without being sent, by a breaker that changed
			// state after the router chose its node (several attempts
			// raced for a half-open breaker's probe): the router sends
			// the retry to another node, or as a last resort.
			return true
		}
		if wrote != nil && !wrote.Load() {
			return true // nothing reached the server
		}
	} else if res.StatusCode == http.StatusTooManyRequests {
		return true // rejected without being run
	}
	switch safe {
	case idempotent:
		return true
	case byBody:
		return idempotentBody(req)
	}
	return false
}

// mayHaveReached reports whether an attempt that ended with res or err may
// have been applied by a server: it did not fail before it reached one
// (see [unsent]), and was not answered 429, which Elasticsearch sends for
// work it rejected without running it.
func mayHaveReached(res *http.Response, err error, wrote *atomic.Bool) bool {
	if res != nil {
		return res.StatusCode != http.StatusTooManyRequests
	}
	return !unsent(err, wrote)
}

// final returns res, the response that ends a request, after removing any
// rt.RetriedWriteHeader it came with and, for a write (read false) of which
// an earlier attempt may have reached a server (reached > 0), setting it.
func final(res *http.Response, read bool, reached int) *http.Response {
	if res == nil {
		return nil
	}
	delete(res.Header, rt.RetriedWriteHeader)
	if !read && reached > 0 {
		if res.Header == nil {
			res.Header = make(http.Header)
		}
		res.Header[rt.RetriedWriteHeader] = []string{strconv.Itoa(reached)}
	}
	return res
}

// untriedLeft reports whether a pool of total nodes has one that the
// request has not tried, counting the node of the attempt that just ended
// with err: from the attempt record, or for a first attempt from the
// router's [*rt.AttemptError]. An attempt whose node is unknown (none
// could be chosen) answers false: the pool is no help.
func untriedLeft(total int, attempts *rt.Attempts, err error) bool {
	var nodes []*rt.Node
	if attempts != nil {
		nodes = attempts.Nodes()
	} else if ae, ok := err.(*rt.AttemptError); ok {
		nodes = []*rt.Node{ae.Node}
	}
	if len(nodes) == 0 || nodes[len(nodes)-1] == nil {
		return false
	}
	seen := make(map[string]bool, len(nodes))
	for _, node := range nodes {
		if node != nil && node.URL != nil {
			seen[node.Key()] = true
		}
	}
	return len(seen) < total
}

// contextStop returns the reason of a request whose caller's context is
// done, and whether it is.
func contextStop(ctx context.Context) (rt.StopReason, bool) {
	switch ctx.Err() {
	case nil:
		return 0, false
	case context.DeadlineExceeded:
		return rt.StopDeadlineExceeded, true
	}
	return rt.StopCanceled, true
}

// stopError returns the error of req, whose attempts failed with errs and
// which made no further attempt for reason. It names the request by method
// and escaped path, never by its query string, which may carry secrets.
func stopError(req *http.Request, reason rt.StopReason, errs []error) error {
	method, path := req.Method, "/"
	if method == "" {
		method = http.MethodGet
	}
	if req.URL != nil {
		if p := req.URL.EscapedPath(); p != "" {
			path = p
		}
	}
	return &rt.RetryError{Method: method, Path: path, Reason: reason, Attempts: errs}
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

// permanent reports whether err, the error of an attempt of req, is one
// that no retry can fix: a certificate the client does not trust, an
// https address of a node that speaks plain http, a failure in the client
// before sending ([*rt.LocalError]), which the next attempt would meet too,
// or a request that net/http refuses to send. Each is matched with
// errors.Is or errors.As, so a layer may wrap it (to add a hint, say).
func permanent(req *http.Request, err error) bool {
	var (
		local        *rt.LocalError
		verification *tls.CertificateVerificationError
		authority    x509.UnknownAuthorityError
		hostname     x509.HostnameError
		invalid      x509.CertificateInvalidError
		record       tls.RecordHeaderError
	)
	if errors.As(err, &local) || errors.Is(err, rt.ErrFingerprintMismatch) || errors.As(err, &verification) ||
		errors.As(err, &authority) || errors.As(err, &hostname) || errors.As(err, &invalid) ||
		// The TLS handshake met a server that does not speak TLS: an
		// https:// address of a plain-http node. http.Client turns the
		// error into http.ErrSchemeMismatch, which a layer may return.
		errors.As(err, &record) || errors.Is(err, http.ErrSchemeMismatch) {
		return true
	}
	// go-retryablehttp's policy refuses more of what no retry can fix
	// (bad schemes, invalid headers, redirect loops); it expects the
	// *url.Error that http.Client returns. The URL is left out: the policy
	// only matches messages.
	ok, _ := retryablehttp.DefaultRetryPolicy(req.Context(), nil, &url.Error{Op: req.Method, Err: err})
	return !ok
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

// attemptError returns the error of attempt n, whose entries in the
// attempt record start at idx (-1: it has none), which failed with err.
// Without a record, the router's own *rt.AttemptError is kept as it is.
func attemptError(n, idx int, attempts *rt.Attempts, err error) error {
	if ae, ok := err.(*rt.AttemptError); ok && attempts == nil {
		return ae
	}
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
