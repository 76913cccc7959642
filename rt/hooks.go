package rt

import (
	"context"
	"net/http"
	"time"

	"github.com/esrt-dev/esrt/internal/options"
)

// Hooks are callbacks through which middlewares report what they do, so that
// logging, metrics and tracing can hang on a chain without the chain
// importing any of them. Every field may be nil. Callbacks may be called
// concurrently from many requests and must not block; they must not modify
// the values they are given.
//
// Hooks reach middlewares through the request context ([WithHooks]) and
// compose like [net/http/httptrace.ClientTrace]: adding hooks to a context
// that already has some runs both.
//
// Calling a method on a nil *Hooks, or a method whose field is nil, does
// nothing, so middlewares call them without checks:
//
//	rt.HooksFrom(req.Context()).AttemptStart(info)
type Hooks struct {
	// OnAttemptStart is called when the routing middleware has chosen a node
	// for an attempt and is about to send it.
	OnAttemptStart func(AttemptInfo)
	// OnAttemptDone is called when that attempt has a response or an error.
	OnAttemptDone func(AttemptDoneInfo)
	// OnRetry is called when the retry middleware decides to try again,
	// before it waits.
	OnRetry func(RetryInfo)
	// OnNodeDown is called when a node is taken out of rotation.
	OnNodeDown func(NodeInfo)
	// OnNodeUp is called when a node returns to rotation.
	OnNodeUp func(NodeInfo)
	// OnBreakerChange is called when a circuit breaker changes state.
	OnBreakerChange func(BreakerInfo)
}

// AttemptInfo describes one attempt of a request.
type AttemptInfo struct {
	// Request is the attempt's request as it goes to the node. Read only.
	Request *http.Request
	// Node is the node the attempt goes to.
	Node *Node
	// Attempt counts attempts of one request from 1.
	Attempt int
	// Hedge reports whether the attempt is a hedge, sent while an earlier
	// attempt is still in flight.
	Hedge bool
}

// AttemptDoneInfo describes how an attempt ended.
type AttemptDoneInfo struct {
	AttemptInfo
	// Response is the attempt's response, or nil. Its body belongs to the
	// caller: hooks must not read or close it.
	Response *http.Response
	// Err is the attempt's error, or nil.
	Err error
	// Duration is the time from sending the attempt to its response headers
	// or its error.
	Duration time.Duration
}

// RetryInfo describes a decision to retry.
type RetryInfo struct {
	// Request is the caller's request. Read only.
	Request *http.Request
	// Attempt is the number of the attempt that is about to start.
	Attempt int
	// Delay is how long the retry middleware waits before it.
	Delay time.Duration
	// StatusCode is the failed attempt's status, or 0 if it had none.
	StatusCode int
	// Err is the failed attempt's error, or nil if it had a response.
	Err error
}

// NodeInfo describes a change of a node's health.
type NodeInfo struct {
	Node *Node
	// Failures is the number of consecutive failures; 0 when a node comes up.
	Failures int
	// RetryAt is when a node taken down may be tried again; zero when a node
	// comes up.
	RetryAt time.Time
	// Err is the failure that took the node down, or nil.
	Err error
}

// BreakerState is the state of a circuit breaker.
type BreakerState string

// The states of a circuit breaker.
const (
	BreakerClosed   BreakerState = "closed"
	BreakerHalfOpen BreakerState = "half-open"
	BreakerOpen     BreakerState = "open"
)

// BreakerInfo describes a circuit breaker's change of state.
type BreakerInfo struct {
	// Name names the breaker: the node's key for a per-node breaker,
	// "cluster" for the cluster-wide one.
	Name string
	// Node is the breaker's node, or nil for the cluster-wide breaker.
	Node     *Node
	From, To BreakerState
}

// AttemptStart calls h.OnAttemptStart if h and it are not nil.
func (h *Hooks) AttemptStart(i AttemptInfo) {
	if h != nil && h.OnAttemptStart != nil {
		h.OnAttemptStart(i)
	}
}

// AttemptDone calls h.OnAttemptDone if h and it are not nil.
func (h *Hooks) AttemptDone(i AttemptDoneInfo) {
	if h != nil && h.OnAttemptDone != nil {
		h.OnAttemptDone(i)
	}
}

// Retry calls h.OnRetry if h and it are not nil.
func (h *Hooks) Retry(i RetryInfo) {
	if h != nil && h.OnRetry != nil {
		h.OnRetry(i)
	}
}

// NodeDown calls h.OnNodeDown if h and it are not nil.
func (h *Hooks) NodeDown(i NodeInfo) {
	if h != nil && h.OnNodeDown != nil {
		h.OnNodeDown(i)
	}
}

// NodeUp calls h.OnNodeUp if h and it are not nil.
func (h *Hooks) NodeUp(i NodeInfo) {
	if h != nil && h.OnNodeUp != nil {
		h.OnNodeUp(i)
	}
}

// BreakerChange calls h.OnBreakerChange if h and it are not nil.
func (h *Hooks) BreakerChange(i BreakerInfo) {
	if h != nil && h.OnBreakerChange != nil {
		h.OnBreakerChange(i)
	}
}

// ComposeHooks returns hooks that call each of hs in order, skipping nil
// ones. It returns nil when every entry is nil, and the entry itself when
// there is only one.
func ComposeHooks(hs ...*Hooks) *Hooks {
	var live []*Hooks
	for _, h := range hs {
		if h != nil {
			live = append(live, h)
		}
	}
	switch len(live) {
	case 0:
		return nil
	case 1:
		return live[0]
	}
	return &Hooks{
		OnAttemptStart:  compose(live, func(h *Hooks) func(AttemptInfo) { return h.OnAttemptStart }),
		OnAttemptDone:   compose(live, func(h *Hooks) func(AttemptDoneInfo) { return h.OnAttemptDone }),
		OnRetry:         compose(live, func(h *Hooks) func(RetryInfo) { return h.OnRetry }),
		OnNodeDown:      compose(live, func(h *Hooks) func(NodeInfo) { return h.OnNodeDown }),
		OnNodeUp:        compose(live, func(h *Hooks) func(NodeInfo) { return h.OnNodeUp }),
		OnBreakerChange: compose(live, func(h *Hooks) func(BreakerInfo) { return h.OnBreakerChange }),
	}
}

// compose returns a callback that calls field(h) of every h that has one, or
// nil when none has.
func compose[T any](hs []*Hooks, field func(*Hooks) func(T)) func(T) {
	var fns []func(T)
	for _, h := range hs {
		if f := field(h); f != nil {
			fns = append(fns, f)
		}
	}
	switch len(fns) {
	case 0:
		return nil
	case 1:
		return fns[0]
	}
	return func(v T) {
		for _, f := range fns {
			f(v)
		}
	}
}

// WithHooks returns a context that carries h in addition to any hooks ctx
// already carries; h's callbacks are called first.
func WithHooks(ctx context.Context, h *Hooks) context.Context {
	if h == nil {
		return ctx
	}
	return options.With(ctx, func(o *options.Options) {
		older, _ := o.Hooks.(*Hooks)
		o.Hooks = ComposeHooks(h, older)
	})
}

// HooksFrom returns the hooks carried by ctx, or nil. Its methods are safe to
// call on nil.
func HooksFrom(ctx context.Context) *Hooks {
	h, _ := options.From(ctx).Hooks.(*Hooks)
	return h
}
