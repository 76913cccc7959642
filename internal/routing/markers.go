package routing

import (
	"context"

	"github.com/esrt-dev/esrt/internal/options"
)

// WithHedge marks the attempts sent with ctx as hedges: extra attempts sent
// while an earlier attempt of the same request is still in flight. The
// hedging middleware sets it; the router reports it in
// [rt.AttemptInfo.Hedge].
func WithHedge(ctx context.Context) context.Context {
	return options.With(ctx, func(o *options.Options) { o.Hedge = true })
}

// HedgeFrom reports whether ctx was marked by [WithHedge].
func HedgeFrom(ctx context.Context) bool {
	return options.From(ctx).Hedge
}

// WithLastResort marks the attempts sent with ctx as last resorts: attempts
// the router sends to a node that it would otherwise avoid, because no
// other node could take them (every node is excluded, as when every node's
// circuit breaker is open), because the caller pinned that node with
// [rt.WithNode], or because the attempt probes a dead node on the pool's
// schedule. A request never fails for lack of a node; a per-node circuit
// breaker that would refuse a last-resort attempt lets it through instead,
// does not count it if it fails, and closes if it succeeds. The router sets
// it.
func WithLastResort(ctx context.Context) context.Context {
	return options.With(ctx, func(o *options.Options) { o.LastResort = true })
}

// LastResortFrom reports whether ctx was marked by [WithLastResort].
func LastResortFrom(ctx context.Context) bool {
	return options.From(ctx).LastResort
}
