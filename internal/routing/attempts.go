package routing

import (
	"context"
	"sync"

	"github.com/esrt-dev/esrt/internal/options"
	"github.com/esrt-dev/esrt/rt"
)

// Attempts records the attempts of one logical request. A middleware that
// sends a request more than once (retry, hedging) puts an Attempts in the
// context once per logical request with [WithAttempts] and sends every
// attempt with that context; the router numbers each attempt, avoids the
// nodes already tried, and records where each attempt went.
//
// Without an Attempts in the context, every attempt is attempt 1 and may go
// to any node.
//
// An Attempts is safe for concurrent use, so that hedged attempts can share
// one.
type Attempts struct {
	mu    sync.Mutex
	nodes []*rt.Node
	buf   [4]*rt.Node // nodes' first backing array: most requests stop here
}

// WithAttempts returns a context carrying a new, empty [Attempts], and the
// Attempts.
func WithAttempts(ctx context.Context) (context.Context, *Attempts) {
	a := new(Attempts)
	a.nodes = a.buf[:0]
	return options.With(ctx, func(o *options.Options) { o.Attempts = a }), a
}

// AttemptsFrom returns the [Attempts] carried by ctx, or nil.
func AttemptsFrom(ctx context.Context) *Attempts {
	return AttemptsOf(options.From(ctx))
}

// AttemptsOf returns the [Attempts] among options read from a context, or
// nil: for a middleware that reads other options in the same lookup.
func AttemptsOf(o options.Options) *Attempts {
	a, _ := o.Attempts.(*Attempts)
	return a
}

// Begin reserves the next attempt and returns its number, counting from 1,
// and the nodes of the earlier attempts that had one, oldest first. The
// returned slice is the caller's.
func (a *Attempts) Begin() (n int, tried []*rt.Node) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, node := range a.nodes {
		if node != nil {
			tried = append(tried, node)
		}
	}
	a.nodes = append(a.nodes, nil)
	return len(a.nodes), tried
}

// SetNode records the node of attempt n.
func (a *Attempts) SetNode(n int, node *rt.Node) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if n >= 1 && n <= len(a.nodes) {
		a.nodes[n-1] = node
	}
}

// Count returns the number of attempts begun so far.
func (a *Attempts) Count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.nodes)
}

// Nodes returns the node of each attempt so far, oldest first; nil for an
// attempt that has no node (yet, or because none could be chosen).
func (a *Attempts) Nodes() []*rt.Node {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]*rt.Node(nil), a.nodes...)
}
