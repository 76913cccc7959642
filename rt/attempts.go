package rt

import (
	"context"
	"net/http"
	"sync"
)

// Attempts records the attempts of one logical request. A middleware that
// sends a request more than once (retry, hedging) puts an Attempts in the
// context once per logical request with [WithAttempts] and sends every
// attempt with that context; the routing middleware numbers each attempt,
// avoids the nodes already tried, and records where each attempt went.
//
// Without an Attempts in the context, every attempt is attempt 1 and may go
// to any node.
//
// An Attempts is safe for concurrent use, so that hedged attempts can share
// one.
type Attempts struct {
	mu    sync.Mutex
	nodes []*Node
	buf   [4]*Node // nodes' first backing array: most requests stop here
}

// attemptsCtx is a context carrying an Attempts among its options, built in
// one allocation: WithAttempts runs once per retried request.
type attemptsCtx struct {
	optionsCtx
	a Attempts
}

// WithAttempts returns a context carrying a new, empty [Attempts], and the
// Attempts.
func WithAttempts(ctx context.Context) (context.Context, *Attempts) {
	c := &attemptsCtx{optionsCtx: optionsCtx{Context: ctx}}
	if o := OptionsFrom(ctx); o != nil {
		c.o = *o
	}
	c.a.nodes = c.a.buf[:0]
	c.o.attempts = &c.a
	return &c.optionsCtx, &c.a
}

// AttemptsFrom returns the [Attempts] carried by ctx, or nil.
func AttemptsFrom(ctx context.Context) *Attempts {
	return OptionsFrom(ctx).Attempts()
}

// Begin reserves the next attempt and returns its number, counting from 1,
// and the nodes of the earlier attempts that had one, oldest first. The
// returned slice is the caller's.
func (a *Attempts) Begin() (n int, tried []*Node) {
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
func (a *Attempts) SetNode(n int, node *Node) {
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
func (a *Attempts) Nodes() []*Node {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]*Node(nil), a.nodes...)
}

// NodeOf returns the node that answered res, as the routing middleware that
// sent the attempt recorded it: the router's response bodies have a
// Node() *Node method. It returns nil when that is not known: no router
// below, a body replaced by another middleware, or an empty body.
//
// Together with the [*AttemptError] a router returns for a failed attempt
// sent without an [Attempts] in its context, it lets a retrying middleware
// learn where its first attempt went without building the record before it
// knows it will retry.
func NodeOf(res *http.Response) *Node {
	if res == nil {
		return nil
	}
	if b, ok := res.Body.(interface{ Node() *Node }); ok {
		return b.Node()
	}
	return nil
}
