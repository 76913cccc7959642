package rt

import (
	"context"
	"net/http"
	"time"
)

// Per-request options ride in the request's context under typed keys, so that
// they reach every middleware of a chain through any client, including a plain
// [http.Client]:
//
//	ctx := rt.WithRequestTimeout(req.Context(), 2*time.Second)
//	ctx = rt.WithOpaqueID(ctx, "checkout-42")
//	res, err := httpClient.Do(req.WithContext(ctx))
//
// Each With function returns a derived context; each From function reports
// the value and whether it was set. Middlewares that do not use an option
// ignore it.

type ctxKey int

const (
	requestTimeoutKey ctxKey = iota
	attemptTimeoutKey
	opaqueIDKey
	headerKey
	authKey
	idempotentKey
	maxRetriesKey
	nodeKey
	hooksKey
	hedgeKey
	lastResortKey
)

// WithRequestTimeout sets the overall timeout of a request, covering every
// attempt and every backoff in between. It replaces the configured default
// for this request only.
func WithRequestTimeout(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, requestTimeoutKey, d)
}

// RequestTimeoutFrom returns the timeout set by [WithRequestTimeout].
func RequestTimeoutFrom(ctx context.Context) (time.Duration, bool) {
	d, ok := ctx.Value(requestTimeoutKey).(time.Duration)
	return d, ok
}

// WithAttemptTimeout sets the timeout of each attempt of a request. It
// replaces the configured default for this request only.
func WithAttemptTimeout(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, attemptTimeoutKey, d)
}

// AttemptTimeoutFrom returns the timeout set by [WithAttemptTimeout].
func AttemptTimeoutFrom(ctx context.Context) (time.Duration, bool) {
	d, ok := ctx.Value(attemptTimeoutKey).(time.Duration)
	return d, ok
}

// WithOpaqueID sets the X-Opaque-Id of a request, which Elasticsearch
// echoes in its slow logs, task list and deprecation logs.
func WithOpaqueID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, opaqueIDKey, id)
}

// OpaqueIDFrom returns the id set by [WithOpaqueID].
func OpaqueIDFrom(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(opaqueIDKey).(string)
	return id, ok
}

// WithHeader adds extra headers to a request. Headers set by earlier calls on
// the same context chain are kept unless h sets the same key, in which case
// h's values replace them. h is copied; the caller may reuse it.
func WithHeader(ctx context.Context, h http.Header) context.Context {
	merged := h.Clone()
	if prev, ok := HeaderFrom(ctx); ok {
		merged = prev.Clone()
		for k, v := range h {
			merged[k] = append([]string(nil), v...)
		}
	}
	return context.WithValue(ctx, headerKey, merged)
}

// HeaderFrom returns the headers set by [WithHeader]. The returned header is
// shared: it must not be modified.
func HeaderFrom(ctx context.Context) (http.Header, bool) {
	h, ok := ctx.Value(headerKey).(http.Header)
	return h, ok
}

// WithAuth sets the credential of a request, overriding the configured one
// (but not an Authorization header set on the request itself).
func WithAuth(ctx context.Context, a Auth) context.Context {
	return context.WithValue(ctx, authKey, a)
}

// AuthFrom returns the credential set by [WithAuth].
func AuthFrom(ctx context.Context) (Auth, bool) {
	a, ok := ctx.Value(authKey).(Auth)
	return a, ok
}

// WithIdempotent overrides the retry middleware's judgement of whether a
// request is safe to send again after it reached the server: true allows
// retries of, say, a bulk request whose actions all carry ids; false forbids
// them for a request the middleware would otherwise retry. Failures before
// the request was written are retried either way.
func WithIdempotent(ctx context.Context, idempotent bool) context.Context {
	return context.WithValue(ctx, idempotentKey, idempotent)
}

// IdempotentFrom returns the value set by [WithIdempotent].
func IdempotentFrom(ctx context.Context) (idempotent, ok bool) {
	idempotent, ok = ctx.Value(idempotentKey).(bool)
	return idempotent, ok
}

// WithMaxRetries sets how many times a request may be retried, replacing the
// configured number for this request only; 0 means one attempt.
func WithMaxRetries(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, maxRetriesKey, n)
}

// MaxRetriesFrom returns the number set by [WithMaxRetries].
func MaxRetriesFrom(ctx context.Context) (int, bool) {
	n, ok := ctx.Value(maxRetriesKey).(int)
	return n, ok
}

// WithNode pins a request to one node: the routing middleware sends every
// attempt there, whatever its health, instead of choosing. Useful for
// node-local APIs (_nodes/_local, hot threads) and for probing one node.
func WithNode(ctx context.Context, n *Node) context.Context {
	return context.WithValue(ctx, nodeKey, n)
}

// NodeFrom returns the node set by [WithNode].
func NodeFrom(ctx context.Context) (*Node, bool) {
	n, ok := ctx.Value(nodeKey).(*Node)
	return n, ok && n != nil
}

// WithHedge marks the attempts sent with ctx as hedges: extra attempts sent
// while an earlier attempt of the same request is still in flight. The
// hedging middleware sets it; the routing middleware reports it in
// [AttemptInfo.Hedge].
func WithHedge(ctx context.Context) context.Context {
	return context.WithValue(ctx, hedgeKey, true)
}

// HedgeFrom reports whether ctx was marked by [WithHedge].
func HedgeFrom(ctx context.Context) bool {
	hedge, _ := ctx.Value(hedgeKey).(bool)
	return hedge
}

// WithLastResort marks the attempts sent with ctx as last resorts: attempts
// the routing middleware sends to a node that it would otherwise avoid,
// because no other node could take them (every node is excluded, as when
// every node's circuit breaker is open) or because the caller pinned that
// node with [WithNode]. A request never fails for lack of a node; a per-node
// circuit breaker that would refuse a last-resort attempt lets it through
// instead, without counting its outcome. The routing middleware sets it.
func WithLastResort(ctx context.Context) context.Context {
	return context.WithValue(ctx, lastResortKey, true)
}

// LastResortFrom reports whether ctx was marked by [WithLastResort].
func LastResortFrom(ctx context.Context) bool {
	last, _ := ctx.Value(lastResortKey).(bool)
	return last
}
