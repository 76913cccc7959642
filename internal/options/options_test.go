package options_test

import (
	"context"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/internal/options"
	"github.com/esrt-dev/esrt/rt"
)

func TestFromEmpty(t *testing.T) {
	o := options.From(context.Background())
	if o.HasRequestTimeout || o.HasHeader || o.HasAuth || o.Node != nil || o.Hooks != nil || o.Attempts != nil || o.Hedge || o.LastResort {
		t.Fatalf("From(Background) = %v, want nothing set", o)
	}
}

// Every option rt sets lands in the one value From returns.
func TestFromSeesRTOptions(t *testing.T) {
	n, h := &rt.Node{ID: "n1"}, &rt.Hooks{}
	ctx := rt.WithRequestTimeout(context.Background(), time.Second)
	ctx = rt.WithAttemptTimeout(ctx, time.Millisecond)
	ctx = rt.WithMaxRetries(ctx, 0)
	ctx = rt.WithOpaqueID(ctx, "op-1")
	ctx = rt.WithAuth(ctx, rt.BearerAuth("tok"))
	ctx = rt.WithIdempotent(ctx, false)
	ctx = rt.WithNode(ctx, n)
	ctx = rt.WithHooks(ctx, h)
	o := options.From(ctx)
	switch {
	case !o.HasRequestTimeout || o.RequestTimeout != time.Second,
		!o.HasAttemptTimeout || o.AttemptTimeout != time.Millisecond,
		!o.HasMaxRetries || o.MaxRetries != 0,
		!o.HasOpaqueID || o.OpaqueID != "op-1",
		!o.HasAuth || o.AuthScheme != "Bearer" || o.AuthSecret != "tok",
		!o.HasIdempotent || o.Idempotent,
		o.Node != n, o.Hooks != h:
		t.Fatalf("From = %+v", o)
	}
	if o := options.From(rt.WithNode(ctx, nil)); o.Node != nil {
		t.Errorf("Node after WithNode(nil) = %#v, want a nil interface", o.Node)
	}
}

func TestWithLeavesParent(t *testing.T) {
	parent := options.With(context.Background(), func(o *options.Options) { o.MaxRetries, o.HasMaxRetries = 1, true })
	child := options.With(parent, func(o *options.Options) { o.MaxRetries, o.Hedge = 2, true })
	if o := options.From(parent); o.MaxRetries != 1 || o.Hedge {
		t.Errorf("parent = %v after a child changed it", o)
	}
	if o := options.From(child); o.MaxRetries != 2 || !o.Hedge || !o.HasMaxRetries {
		t.Errorf("child = %v, want MaxRetries 2 and Hedge", o)
	}
}

// countingCtx counts the lookups that reach it: the root of a context,
// every lookup of a key nobody set ends there.
type countingCtx struct {
	context.Context
	n int
}

func (c *countingCtx) Value(key any) any {
	c.n++
	return c.Context.Value(key)
}

func TestFromOneLookup(t *testing.T) {
	root := &countingCtx{Context: context.Background()}
	ctx := rt.WithRequestTimeout(root, time.Second)
	ctx = rt.WithHooks(ctx, &rt.Hooks{})
	ctx = context.WithValue(ctx, struct{}{}, 1)
	root.n = 0 // building the options looked for earlier ones
	if o := options.From(ctx); !o.HasRequestTimeout || o.Hooks == nil {
		t.Fatalf("From = %v", o)
	}
	if root.n != 0 {
		t.Errorf("reading options set above the root looked up the root %d times", root.n)
	}
	options.From(root)
	if root.n != 1 {
		t.Errorf("From with no options looked up the root %d times, want 1", root.n)
	}
}

// BenchmarkFrom measures reading three options of a request whose context
// is eight layers deep and carries none, the common case: one lookup with
// From, three with rt's From functions.
func BenchmarkFrom(b *testing.B) {
	type key int
	ctx := context.Background()
	for i := range 4 {
		ctx = context.WithValue(ctx, key(i), i)
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		b.Cleanup(cancel)
	}
	b.Run("options.From", func(b *testing.B) {
		for b.Loop() {
			o := options.From(ctx)
			_, _, _ = o.MaxRetries, o.Idempotent, o.Hooks
		}
	})
	b.Run("rt", func(b *testing.B) {
		for b.Loop() {
			rt.MaxRetriesFrom(ctx)
			rt.IdempotentFrom(ctx)
			rt.HooksFrom(ctx)
		}
	})
}
