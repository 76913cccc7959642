package rt

import (
	"context"
	"net/http"
	"time"
)

// Per-request options ride in the request's context, so that they reach
// every middleware of a chain through any client, including a plain
// [http.Client]:
//
//	ctx := rt.WithRequestTimeout(req.Context(), 2*time.Second)
//	ctx = rt.WithOpaqueID(ctx, "checkout-42")
//	res, err := httpClient.Do(req.WithContext(ctx))
//
// Each With function returns a derived context; each From function reports
// the value and whether it was set. Middlewares that do not use an option
// ignore it.
//
// Every option of a context lives in one [Options] value under one context
// key, so that a middleware reads all the options it needs with a single
// lookup ([OptionsFrom]). A lookup walks the context chain up to the nearest
// options, or to its root when there are none: on a request made while
// serving another, with a context many layers deep, one walk instead of one
// per option is a saving on every request.

// Options is the set of per-request options a context carries. The With
// functions build it: each copies the options it finds in its context and
// changes one, so an Options, once in a context, never changes. Read it
// with [OptionsFrom] and its methods, which are safe on a nil *Options (no
// options set).
type Options struct {
	set            optionBits
	requestTimeout time.Duration
	attemptTimeout time.Duration
	maxRetries     int
	opaqueID       string
	header         http.Header
	auth           Auth
	node           *Node
	hooks          *Hooks
	attempts       *Attempts
	idempotent     bool
	hedge          bool
	lastResort     bool
}

// optionBits records which options were set, for the options whose zero
// value is also a value a caller may set.
type optionBits uint8

const (
	hasRequestTimeout optionBits = 1 << iota
	hasAttemptTimeout
	hasMaxRetries
	hasOpaqueID
	hasHeader
	hasAuth
	hasIdempotent
)

type optionsKey struct{}

// optionsCtx is a context carrying options, built in one allocation.
type optionsCtx struct {
	context.Context
	o Options
}

func (c *optionsCtx) Value(key any) any {
	if key == (optionsKey{}) {
		return &c.o
	}
	return c.Context.Value(key)
}

// OptionsFrom returns the options ctx carries, or nil when it carries none.
// The result is shared: it must not be modified.
func OptionsFrom(ctx context.Context) *Options {
	o, _ := ctx.Value(optionsKey{}).(*Options)
	return o
}

// withOptions returns a context carrying a copy of ctx's options changed
// by set.
func withOptions(ctx context.Context, set func(*Options)) context.Context {
	c := &optionsCtx{Context: ctx}
	if o := OptionsFrom(ctx); o != nil {
		c.o = *o
	}
	set(&c.o)
	return c
}

// RequestTimeout returns the timeout set by [WithRequestTimeout].
func (o *Options) RequestTimeout() (time.Duration, bool) {
	if o == nil || o.set&hasRequestTimeout == 0 {
		return 0, false
	}
	return o.requestTimeout, true
}

// AttemptTimeout returns the timeout set by [WithAttemptTimeout].
func (o *Options) AttemptTimeout() (time.Duration, bool) {
	if o == nil || o.set&hasAttemptTimeout == 0 {
		return 0, false
	}
	return o.attemptTimeout, true
}

// OpaqueID returns the id set by [WithOpaqueID].
func (o *Options) OpaqueID() (string, bool) {
	if o == nil || o.set&hasOpaqueID == 0 {
		return "", false
	}
	return o.opaqueID, true
}

// Header returns the headers set by [WithHeader]. The returned header is
// shared: it must not be modified.
func (o *Options) Header() (http.Header, bool) {
	if o == nil || o.set&hasHeader == 0 {
		return nil, false
	}
	return o.header, true
}

// Auth returns the credential set by [WithAuth].
func (o *Options) Auth() (Auth, bool) {
	if o == nil || o.set&hasAuth == 0 {
		return Auth{}, false
	}
	return o.auth, true
}

// Idempotent returns the value set by [WithIdempotent].
func (o *Options) Idempotent() (idempotent, ok bool) {
	if o == nil || o.set&hasIdempotent == 0 {
		return false, false
	}
	return o.idempotent, true
}

// MaxRetries returns the number set by [WithMaxRetries].
func (o *Options) MaxRetries() (int, bool) {
	if o == nil || o.set&hasMaxRetries == 0 {
		return 0, false
	}
	return o.maxRetries, true
}

// Node returns the node set by [WithNode].
func (o *Options) Node() (*Node, bool) {
	if o == nil || o.node == nil {
		return nil, false
	}
	return o.node, true
}

// Hooks returns the hooks set by [WithHooks], or nil. Its methods are safe
// to call on nil.
func (o *Options) Hooks() *Hooks {
	if o == nil {
		return nil
	}
	return o.hooks
}

// Hedge reports whether the options were marked by [WithHedge].
func (o *Options) Hedge() bool { return o != nil && o.hedge }

// LastResort reports whether the options were marked by [WithLastResort].
func (o *Options) LastResort() bool { return o != nil && o.lastResort }

// Attempts returns the record set by [WithAttempts], or nil.
func (o *Options) Attempts() *Attempts {
	if o == nil {
		return nil
	}
	return o.attempts
}

// WithRequestTimeout sets the overall timeout of a request, covering every
// attempt and every backoff in between. It replaces the configured default
// for this request only.
func WithRequestTimeout(ctx context.Context, d time.Duration) context.Context {
	return withOptions(ctx, func(o *Options) { o.requestTimeout, o.set = d, o.set|hasRequestTimeout })
}

// RequestTimeoutFrom returns the timeout set by [WithRequestTimeout].
func RequestTimeoutFrom(ctx context.Context) (time.Duration, bool) {
	return OptionsFrom(ctx).RequestTimeout()
}

// WithAttemptTimeout sets the timeout of each attempt of a request. It
// replaces the configured default for this request only.
func WithAttemptTimeout(ctx context.Context, d time.Duration) context.Context {
	return withOptions(ctx, func(o *Options) { o.attemptTimeout, o.set = d, o.set|hasAttemptTimeout })
}

// AttemptTimeoutFrom returns the timeout set by [WithAttemptTimeout].
func AttemptTimeoutFrom(ctx context.Context) (time.Duration, bool) {
	return OptionsFrom(ctx).AttemptTimeout()
}

// WithOpaqueID sets the X-Opaque-Id of a request, which Elasticsearch
// echoes in its slow logs, task list and deprecation logs.
func WithOpaqueID(ctx context.Context, id string) context.Context {
	return withOptions(ctx, func(o *Options) { o.opaqueID, o.set = id, o.set|hasOpaqueID })
}

// OpaqueIDFrom returns the id set by [WithOpaqueID].
func OpaqueIDFrom(ctx context.Context) (string, bool) {
	return OptionsFrom(ctx).OpaqueID()
}

// WithHeader adds extra headers to a request. Headers set by earlier calls on
// the same context chain are kept unless h sets the same key, in which case
// h's values replace them. h is copied; the caller may reuse it.
func WithHeader(ctx context.Context, h http.Header) context.Context {
	return withOptions(ctx, func(o *Options) {
		merged := h.Clone()
		if o.set&hasHeader != 0 {
			merged = o.header.Clone()
			for k, v := range h {
				merged[k] = append([]string(nil), v...)
			}
		}
		o.header, o.set = merged, o.set|hasHeader
	})
}

// HeaderFrom returns the headers set by [WithHeader]. The returned header is
// shared: it must not be modified.
func HeaderFrom(ctx context.Context) (http.Header, bool) {
	return OptionsFrom(ctx).Header()
}

// WithAuth sets the credential of a request, overriding the configured one
// (but not an Authorization header set on the request itself).
func WithAuth(ctx context.Context, a Auth) context.Context {
	return withOptions(ctx, func(o *Options) { o.auth, o.set = a, o.set|hasAuth })
}

// AuthFrom returns the credential set by [WithAuth].
func AuthFrom(ctx context.Context) (Auth, bool) {
	return OptionsFrom(ctx).Auth()
}

// WithIdempotent overrides the retry middleware's judgement of whether a
// request is safe to send again after it reached the server: true allows
// retries of, say, a bulk request whose actions all carry ids; false forbids
// them for a request the middleware would otherwise retry. Failures before
// the request was written are retried either way.
func WithIdempotent(ctx context.Context, idempotent bool) context.Context {
	return withOptions(ctx, func(o *Options) { o.idempotent, o.set = idempotent, o.set|hasIdempotent })
}

// IdempotentFrom returns the value set by [WithIdempotent].
func IdempotentFrom(ctx context.Context) (idempotent, ok bool) {
	return OptionsFrom(ctx).Idempotent()
}

// WithMaxRetries sets how many times a request may be retried, replacing the
// configured number for this request only; 0 means one attempt.
func WithMaxRetries(ctx context.Context, n int) context.Context {
	return withOptions(ctx, func(o *Options) { o.maxRetries, o.set = n, o.set|hasMaxRetries })
}

// MaxRetriesFrom returns the number set by [WithMaxRetries].
func MaxRetriesFrom(ctx context.Context) (int, bool) {
	return OptionsFrom(ctx).MaxRetries()
}

// WithNode pins a request to one node: the routing middleware sends every
// attempt there, whatever its health, instead of choosing. Useful for
// node-local APIs (_nodes/_local, hot threads) and for probing one node. A
// nil n removes a pin set earlier.
func WithNode(ctx context.Context, n *Node) context.Context {
	return withOptions(ctx, func(o *Options) { o.node = n })
}

// NodeFrom returns the node set by [WithNode].
func NodeFrom(ctx context.Context) (*Node, bool) {
	return OptionsFrom(ctx).Node()
}

// WithHedge marks the attempts sent with ctx as hedges: extra attempts sent
// while an earlier attempt of the same request is still in flight. The
// hedging middleware sets it; the routing middleware reports it in
// [AttemptInfo.Hedge].
func WithHedge(ctx context.Context) context.Context {
	return withOptions(ctx, func(o *Options) { o.hedge = true })
}

// HedgeFrom reports whether ctx was marked by [WithHedge].
func HedgeFrom(ctx context.Context) bool {
	return OptionsFrom(ctx).Hedge()
}

// WithLastResort marks the attempts sent with ctx as last resorts: attempts
// the routing middleware sends to a node that it would otherwise avoid,
// because no other node could take them (every node is excluded, as when
// every node's circuit breaker is open), because the caller pinned that
// node with [WithNode], or because the attempt probes a dead node on the
// pool's schedule. A request never fails for lack of a node; a per-node
// circuit breaker that would refuse a last-resort attempt lets it through
// instead, does not count it if it fails, and closes if it succeeds. The
// routing middleware sets it.
func WithLastResort(ctx context.Context) context.Context {
	return withOptions(ctx, func(o *Options) { o.lastResort = true })
}

// LastResortFrom reports whether ctx was marked by [WithLastResort].
func LastResortFrom(ctx context.Context) bool {
	return OptionsFrom(ctx).LastResort()
}
