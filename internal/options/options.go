// Package options holds the per-request options that package rt's With
// functions put in a request's context: all of them in one [Options] value
// under one context key, so that a middleware reads every option it needs
// with one lookup. A lookup walks the context chain up to the nearest
// options, or to its root when there are none; on a context many layers
// deep (a request made while serving another), one walk instead of one per
// option is a saving on every request.
//
// Package rt is the only writer of the options a caller sets, through
// [With]; esrt's own middlewares read them with [From]. Package
// internal/routing adds the markers esrt's middlewares set for each other.
package options

import (
	"context"
	"net/http"
	"time"
)

// Options is the set of per-request options a context carries. An Options,
// once in a context, never changes: [With] copies it and changes the copy.
//
// Node, Hooks and Attempts hold values of types declared by packages that
// import this one (a *rt.Node, a *rt.Hooks, a *routing.Attempts), so they
// are typed any; each is nil when unset, never a typed nil.
//
// Its String, Format and LogValue never show the credential nor the value
// of a secret-looking header.
type Options struct {
	RequestTimeout time.Duration
	AttemptTimeout time.Duration
	MaxRetries     int
	OpaqueID       string
	// Header is shared by every context derived from the one it was set
	// on: it must not be modified.
	Header http.Header
	// AuthScheme and AuthSecret are an rt.Auth's two halves.
	AuthScheme, AuthSecret string

	Node     any // *rt.Node: the pin of rt.WithNode
	Hooks    any // *rt.Hooks: the hooks of rt.WithHooks
	Attempts any // *routing.Attempts: the record of the request's attempts

	// The Has fields say whether the option of the same name was set, for
	// the options whose zero value is also a value a caller may set.
	HasRequestTimeout, HasAttemptTimeout, HasMaxRetries, HasOpaqueID bool
	HasHeader, HasAuth, HasIdempotent                                bool

	Idempotent bool
	// Hedge marks the attempts of a hedge; LastResort the attempts the
	// router sends to a node it would otherwise avoid.
	Hedge, LastResort bool
}

type key struct{}

// From returns a copy of the options ctx carries; the zero Options when it
// carries none.
func From(ctx context.Context) Options {
	if o, ok := ctx.Value(key{}).(*Options); ok {
		return *o
	}
	return Options{}
}

// With returns a context carrying a copy of ctx's options changed by set.
// It leaves ctx's options as they are.
func With(ctx context.Context, set func(*Options)) context.Context {
	o := new(Options)
	*o = From(ctx)
	set(o)
	return context.WithValue(ctx, key{}, o)
}
