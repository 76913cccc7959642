package middleware

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/esrt-dev/esrt/internal/bodyhook"
	"github.com/esrt-dev/esrt/internal/check"
	"github.com/esrt-dev/esrt/rt"
)

// RequestTimeout returns a middleware that bounds a whole request: every
// attempt, every backoff between attempts, and the reading of the response
// body. It belongs outside retry, so that the retry middleware sees the
// deadline and starts no attempt, and waits no backoff, past it.
//
// d is the default; [rt.WithRequestTimeout] replaces it per request. Zero
// means no timeout. A negative d is an [*rt.ConfigError]. A negative
// per-request value is the request's own mistake: RoundTrip returns it,
// without sending anything, as an [*rt.LocalError] wrapping an
// [*rt.ConfigError] that names rt.WithRequestTimeout, which no breaker
// counts as a failure. A deadline the caller's context already has is
// kept when it is earlier.
//
// The deadline covers the response body: the request's context stays alive
// after RoundTrip returns, until the caller closes the body or reads it to
// its end, as with [http.Client.Timeout]; the caller must do one of the two,
// or the context lives on until the deadline. A body read past the deadline
// fails. On every error path the context is cancelled before RoundTrip
// returns.
//
// When the timeout expires, the error returned (by RoundTrip, or by a read
// of the body) wraps [context.DeadlineExceeded] and the error of the layer
// below, and says which timeout it was: errors.Is(err,
// context.DeadlineExceeded) holds, and so does errors.As for, say, an
// [*rt.RetryError]. Errors caused by the caller's own context are returned
// as they are.
func RequestTimeout(d time.Duration) (rt.Middleware, error) {
	return deadlineMiddleware(deadlineRequest, d)
}

// AttemptTimeout returns a middleware that bounds each attempt of a
// request, from sending it to the end of its response body. It belongs
// inside routing (below the per-node breaker in esrt's chain), so
// that the router sees the context it was given still alive when the
// attempt times out: it counts the attempt as a slow sample of the node's
// latency (and, only after consecutive timeouts, as a failure) rather than
// as a caller that gave up; and the retry middleware may send the request
// to another node, when the operation is safe to repeat.
//
// d is the default; [rt.WithAttemptTimeout] replaces it per request. Zero
// means no timeout. A negative d is an [*rt.ConfigError]. A negative
// per-request value is the request's own mistake, never the node's:
// RoundTrip returns it, without sending anything, as an [*rt.LocalError]
// wrapping an [*rt.ConfigError] that names rt.WithAttemptTimeout, so that
// the router does not mark the node down, the breakers do not count it,
// and retry does not send the request again.
//
// As with [RequestTimeout], the attempt's context lives until its response
// body is closed or read to its end, so the timeout also bounds the reading
// of the body: set it well above the time a node takes to answer. Errors
// caused by the timeout wrap [context.DeadlineExceeded].
func AttemptTimeout(d time.Duration) (rt.Middleware, error) {
	return deadlineMiddleware(deadlineAttempt, d)
}

// deadlineKind tells the two timeouts apart: where their per-request value
// comes from and what their errors say.
type deadlineKind int

const (
	deadlineRequest deadlineKind = iota
	deadlineAttempt
)

func (k deadlineKind) String() string {
	if k == deadlineAttempt {
		return "attempt"
	}
	return "request"
}

// override returns the per-request timeout carried by ctx.
func (k deadlineKind) override(ctx context.Context) (time.Duration, bool) {
	if k == deadlineAttempt {
		return rt.AttemptTimeoutFrom(ctx)
	}
	return rt.RequestTimeoutFrom(ctx)
}

func (k deadlineKind) option() string {
	if k == deadlineAttempt {
		return "rt.WithAttemptTimeout"
	}
	return "rt.WithRequestTimeout"
}

func deadlineMiddleware(kind deadlineKind, d time.Duration) (rt.Middleware, error) {
	field := "RequestTimeout"
	if kind == deadlineAttempt {
		field = "AttemptTimeout"
	}
	if err := check.Duration(field, d); err != nil {
		return nil, err
	}
	t := deadlineTransport{kind: kind, d: d, cause: &deadlineError{kind: kind, d: d}}
	return func(next http.RoundTripper) http.RoundTripper {
		tt := t
		tt.next = next
		return &tt
	}, nil
}

type deadlineTransport struct {
	next  http.RoundTripper
	kind  deadlineKind
	d     time.Duration
	cause *deadlineError // the cause of the default timeout, built once
}

var _ http.RoundTripper = (*deadlineTransport)(nil)

func (t *deadlineTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	callerCtx := req.Context()
	d, cause := t.d, t.cause
	if v, ok := t.kind.override(callerCtx); ok && v != d {
		if v < 0 {
			if req.Body != nil {
				req.Body.Close()
			}
			// The request's own option, never the node's fault: a
			// LocalError, so that neither the router nor a breaker
			// counts it against a node or the cluster.
			return nil, &rt.LocalError{Err: check.Duration(t.kind.option(), v)}
		}
		d, cause = v, &deadlineError{kind: t.kind, d: v}
	}
	if d == 0 {
		return t.next.RoundTrip(req)
	}
	ctx, cancel := context.WithTimeoutCause(callerCtx, d, cause)
	res, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		err = deadlineErr(ctx, cause, err)
		cancel()
		return nil, err
	}
	res.Body = newDeadlineBody(res.Body, ctx, cancel, cause)
	return res, nil
}

// deadlineErr returns err, wrapped in a deadlineError when the timeout of
// ctx, whose cause is cause, is what ended the request.
func deadlineErr(ctx context.Context, cause *deadlineError, err error) error {
	if err == error(cause) || context.Cause(ctx) != error(cause) {
		// Already the cause itself (net/http returns it), or not this
		// timeout: the caller's context, or a failure of its own.
		return err
	}
	return &deadlineError{kind: cause.kind, d: cause.d, err: err}
}

// deadlineError is the error of a request or attempt ended by its timeout.
// Without err, it is the cause of the timeout's context, which net/http
// returns as the error.
type deadlineError struct {
	kind deadlineKind
	d    time.Duration
	err  error // what the layer below returned, if anything
}

func (e *deadlineError) Error() string {
	msg := "esrt: " + e.kind.String() + " timeout of " + e.d.String() + " exceeded"
	if e.err != nil && e.err != context.DeadlineExceeded {
		msg += ": " + e.err.Error()
	}
	return msg
}

// Unwrap makes errors.Is(err, context.DeadlineExceeded) true, and keeps
// the error of the layer below visible to errors.Is and errors.As.
func (e *deadlineError) Unwrap() []error {
	if e.err == nil {
		return []error{context.DeadlineExceeded}
	}
	return []error{context.DeadlineExceeded, e.err}
}

// Timeout reports true, as the net.Error of a timeout does.
func (e *deadlineError) Timeout() bool { return true }

// deadlineBody keeps a timeout's context alive while the response body is
// read: it cancels the context when the body is done with (see
// [bodyhook.Observer]), and turns a read error caused by the timeout into
// a deadlineError.
type deadlineBody struct {
	hook   bodyhook.Hook
	ctx    context.Context
	cancel context.CancelFunc
	cause  *deadlineError
}

func newDeadlineBody(rc io.ReadCloser, ctx context.Context, cancel context.CancelFunc, cause *deadlineError) io.ReadCloser {
	b := &deadlineBody{ctx: ctx, cancel: cancel, cause: cause}
	return b.hook.Wrap(rc, b)
}

// BodyDone ends the timeout's context.
func (b *deadlineBody) BodyDone(error) { b.cancel() }

// MapError says which timeout ended a read.
func (b *deadlineBody) MapError(err error) error { return deadlineErr(b.ctx, b.cause, err) }

// Unwrap returns the next RoundTripper.
func (t *deadlineTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to the next RoundTripper.
func (t *deadlineTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }

// String names the layer, so that printing it shows no configuration.
func (t *deadlineTransport) String() string {
	if t.kind == deadlineAttempt {
		return "attempt timeout"
	}
	return "request timeout"
}
