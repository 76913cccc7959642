package rt

import (
	"context"
	"net/http"
	"time"

	"github.com/esrt-dev/esrt/internal/options"
)

// Per-request options ride in the request's context, so that they reach
// every middleware of a chain through any client, including a plain
// [http.Client]:
//
//	ctx := rt.WithRequestTimeout(req.Context(), 2*time.Second)
//	ctx = rt.WithOpaqueID(ctx, "checkout-42")
//	res, err := httpClient.Do(req.WithContext(ctx))
//
// Each With function returns a derived context and leaves its argument as
// it was; each From function reports the value and whether it was set.
// Middlewares that do not use an option ignore it. esrt's own middlewares
// read every option they need with one walk of the context, however many
// options are set and however deep the context is.

// WithRequestTimeout sets the overall timeout of a request, covering every
// attempt and every backoff in between. It replaces the configured default
// for this request only.
func WithRequestTimeout(ctx context.Context, d time.Duration) context.Context {
	return options.With(ctx, func(o *options.Options) { o.RequestTimeout, o.HasRequestTimeout = d, true })
}

// RequestTimeoutFrom returns the timeout set by [WithRequestTimeout].
func RequestTimeoutFrom(ctx context.Context) (time.Duration, bool) {
	o := options.From(ctx)
	return o.RequestTimeout, o.HasRequestTimeout
}

// WithAttemptTimeout sets the timeout of each attempt of a request. It
// replaces the configured default for this request only.
func WithAttemptTimeout(ctx context.Context, d time.Duration) context.Context {
	return options.With(ctx, func(o *options.Options) { o.AttemptTimeout, o.HasAttemptTimeout = d, true })
}

// AttemptTimeoutFrom returns the timeout set by [WithAttemptTimeout].
func AttemptTimeoutFrom(ctx context.Context) (time.Duration, bool) {
	o := options.From(ctx)
	return o.AttemptTimeout, o.HasAttemptTimeout
}

// WithOpaqueID sets the X-Opaque-Id of a request, which Elasticsearch
// echoes in its slow logs, task list and deprecation logs.
func WithOpaqueID(ctx context.Context, id string) context.Context {
	return options.With(ctx, func(o *options.Options) { o.OpaqueID, o.HasOpaqueID = id, true })
}

// OpaqueIDFrom returns the id set by [WithOpaqueID].
func OpaqueIDFrom(ctx context.Context) (string, bool) {
	o := options.From(ctx)
	return o.OpaqueID, o.HasOpaqueID
}

// WithHeader adds extra headers to a request. Headers set by earlier calls on
// the same context chain are kept unless h sets the same key, in which case
// h's values replace them. h is copied; the caller may reuse it.
func WithHeader(ctx context.Context, h http.Header) context.Context {
	return options.With(ctx, func(o *options.Options) {
		merged := h.Clone()
		if o.HasHeader {
			merged = o.Header.Clone()
			for k, v := range h {
				merged[k] = append([]string(nil), v...)
			}
		}
		o.Header, o.HasHeader = merged, true
	})
}

// HeaderFrom returns the headers set by [WithHeader]. The returned header is
// shared: it must not be modified.
func HeaderFrom(ctx context.Context) (http.Header, bool) {
	o := options.From(ctx)
	return o.Header, o.HasHeader
}

// WithAuth sets the credential of a request, overriding the configured one
// (but not an Authorization header set on the request itself).
func WithAuth(ctx context.Context, a Auth) context.Context {
	return options.With(ctx, func(o *options.Options) {
		o.AuthScheme, o.AuthSecret, o.HasAuth = a.scheme, a.secret, true
	})
}

// AuthFrom returns the credential set by [WithAuth].
func AuthFrom(ctx context.Context) (Auth, bool) {
	o := options.From(ctx)
	return Auth{scheme: o.AuthScheme, secret: o.AuthSecret}, o.HasAuth
}

// WithIdempotent overrides the retry middleware's judgement of whether a
// request is safe to send again after it reached the server: true allows
// retries of, say, a bulk request whose actions all carry ids; false forbids
// them for a request the middleware would otherwise retry. Failures before
// the request was written are retried either way.
func WithIdempotent(ctx context.Context, idempotent bool) context.Context {
	return options.With(ctx, func(o *options.Options) { o.Idempotent, o.HasIdempotent = idempotent, true })
}

// IdempotentFrom returns the value set by [WithIdempotent].
func IdempotentFrom(ctx context.Context) (idempotent, ok bool) {
	o := options.From(ctx)
	return o.Idempotent, o.HasIdempotent
}

// WithMaxRetries sets how many times a request may be retried, replacing the
// configured number for this request only; 0 means one attempt.
func WithMaxRetries(ctx context.Context, n int) context.Context {
	return options.With(ctx, func(o *options.Options) { o.MaxRetries, o.HasMaxRetries = n, true })
}

// MaxRetriesFrom returns the number set by [WithMaxRetries].
func MaxRetriesFrom(ctx context.Context) (int, bool) {
	o := options.From(ctx)
	return o.MaxRetries, o.HasMaxRetries
}

// WithNode pins a request to one node: the routing middleware sends every
// attempt there, whatever its health, instead of choosing. Useful for
// node-local APIs (_nodes/_local, hot threads) and for probing one node. A
// nil n removes a pin set earlier.
func WithNode(ctx context.Context, n *Node) context.Context {
	return options.With(ctx, func(o *options.Options) {
		o.Node = nil
		if n != nil {
			o.Node = n
		}
	})
}

// NodeFrom returns the node set by [WithNode].
func NodeFrom(ctx context.Context) (*Node, bool) {
	n, ok := options.From(ctx).Node.(*Node)
	return n, ok
}
