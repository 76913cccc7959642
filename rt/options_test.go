package rt

import (
	"context"
	"net/http"
	"reflect"
	"testing"
	"time"
)

// TestOptionsUnset: every From function reports nothing set on a context
// without options.
func TestOptionsUnset(t *testing.T) {
	ctx := context.Background()
	if _, ok := RequestTimeoutFrom(ctx); ok {
		t.Error("RequestTimeoutFrom reports a value on an empty context")
	}
	if _, ok := AttemptTimeoutFrom(ctx); ok {
		t.Error("AttemptTimeoutFrom reports a value")
	}
	if _, ok := OpaqueIDFrom(ctx); ok {
		t.Error("OpaqueIDFrom reports a value")
	}
	if _, ok := HeaderFrom(ctx); ok {
		t.Error("HeaderFrom reports a value")
	}
	if _, ok := AuthFrom(ctx); ok {
		t.Error("AuthFrom reports a value")
	}
	if _, ok := IdempotentFrom(ctx); ok {
		t.Error("IdempotentFrom reports a value")
	}
	if _, ok := MaxRetriesFrom(ctx); ok {
		t.Error("MaxRetriesFrom reports a value")
	}
	if _, ok := NodeFrom(ctx); ok {
		t.Error("NodeFrom reports a value")
	}
	if _, ok := NodeFrom(WithNode(ctx, nil)); ok {
		t.Error("NodeFrom reports a nil node as set")
	}
	if HooksFrom(ctx) != nil {
		t.Error("HooksFrom returns hooks")
	}
}

func TestOptionsRoundTrip(t *testing.T) {
	n := &Node{ID: "n1"}
	ctx := context.Background()
	ctx = WithRequestTimeout(ctx, 3*time.Second)
	ctx = WithAttemptTimeout(ctx, time.Second)
	ctx = WithOpaqueID(ctx, "op-1")
	ctx = WithAuth(ctx, BearerAuth("t"))
	ctx = WithIdempotent(ctx, false)
	ctx = WithMaxRetries(ctx, 0)
	ctx = WithNode(ctx, n)

	if d, ok := RequestTimeoutFrom(ctx); !ok || d != 3*time.Second {
		t.Errorf("RequestTimeoutFrom = %v, %v", d, ok)
	}
	if d, ok := AttemptTimeoutFrom(ctx); !ok || d != time.Second {
		t.Errorf("AttemptTimeoutFrom = %v, %v", d, ok)
	}
	if id, ok := OpaqueIDFrom(ctx); !ok || id != "op-1" {
		t.Errorf("OpaqueIDFrom = %q, %v", id, ok)
	}
	if a, ok := AuthFrom(ctx); !ok || a.Header() != "Bearer t" {
		t.Errorf("AuthFrom = %v, %v", a, ok)
	}
	if v, ok := IdempotentFrom(ctx); !ok || v {
		t.Errorf("IdempotentFrom = %v, %v; want false, true", v, ok)
	}
	if v, ok := MaxRetriesFrom(ctx); !ok || v != 0 {
		t.Errorf("MaxRetriesFrom = %v, %v; want 0, true", v, ok)
	}
	if got, ok := NodeFrom(ctx); !ok || got != n {
		t.Errorf("NodeFrom = %v, %v", got, ok)
	}
	// A zero credential is a value too: set, with no Authorization.
	if a, ok := AuthFrom(WithAuth(ctx, Auth{})); !ok || !a.IsZero() || a.Header() != "" {
		t.Errorf("AuthFrom after WithAuth(Auth{}) = %v, %v; want the zero Auth, true", a, ok)
	}
	if a, _ := AuthFrom(WithAuth(ctx, BasicAuth("elastic", "pw"))); a != BasicAuth("elastic", "pw") {
		t.Errorf("AuthFrom = %v, want the Auth given to WithAuth", a)
	}
}

func TestWithHeaderMerges(t *testing.T) {
	first := http.Header{"A": {"1"}, "B": {"1"}}
	ctx := WithHeader(context.Background(), first)
	first.Set("A", "changed later") // the context holds a copy
	ctx = WithHeader(ctx, http.Header{"B": {"2", "3"}, "C": {"2"}})

	got, _ := HeaderFrom(ctx)
	want := http.Header{"A": {"1"}, "B": {"2", "3"}, "C": {"2"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("merged header = %v, want %v", got, want)
	}
	parent, _ := HeaderFrom(WithHeader(context.Background(), http.Header{"B": {"1"}}))
	if !reflect.DeepEqual(parent, http.Header{"B": {"1"}}) {
		t.Fatalf("a later WithHeader changed the parent's header: %v", parent)
	}
}

func TestHooksCompose(t *testing.T) {
	var calls []string
	rec := func(name string) *Hooks {
		return &Hooks{
			OnAttemptStart:  func(AttemptInfo) { calls = append(calls, name+".start") },
			OnAttemptDone:   func(AttemptDoneInfo) { calls = append(calls, name+".done") },
			OnRetry:         func(RetryInfo) { calls = append(calls, name+".retry") },
			OnNodeDown:      func(NodeInfo) { calls = append(calls, name+".down") },
			OnNodeUp:        func(NodeInfo) { calls = append(calls, name+".up") },
			OnBreakerChange: func(BreakerInfo) { calls = append(calls, name+".breaker") },
		}
	}
	partial := &Hooks{OnRetry: func(RetryInfo) { calls = append(calls, "p.retry") }}

	h := ComposeHooks(nil, rec("a"), partial, nil, rec("b"))
	h.AttemptStart(AttemptInfo{})
	h.AttemptDone(AttemptDoneInfo{})
	h.Retry(RetryInfo{})
	h.NodeDown(NodeInfo{})
	h.NodeUp(NodeInfo{})
	h.BreakerChange(BreakerInfo{})
	want := []string{
		"a.start", "b.start", "a.done", "b.done", "a.retry", "p.retry", "b.retry",
		"a.down", "b.down", "a.up", "b.up", "a.breaker", "b.breaker",
	}
	if !reflect.DeepEqual(calls, want) {
		t.Fatalf("calls = %v\nwant    %v", calls, want)
	}
	if ComposeHooks(nil, nil) != nil {
		t.Error("ComposeHooks of nils is not nil")
	}
	if ComposeHooks(partial) != partial {
		t.Error("ComposeHooks of one is not that one")
	}

	// Nil receivers and nil fields are no-ops.
	var none *Hooks
	none.AttemptStart(AttemptInfo{})
	none.BreakerChange(BreakerInfo{})
	(&Hooks{}).Retry(RetryInfo{})

	// WithHooks: newest first, parent unchanged, nil ignored.
	calls = nil
	parent := WithHooks(context.Background(), rec("old"))
	child := WithHooks(WithHooks(parent, nil), rec("new"))
	HooksFrom(child).NodeUp(NodeInfo{})
	HooksFrom(parent).NodeUp(NodeInfo{})
	if want := []string{"new.up", "old.up", "old.up"}; !reflect.DeepEqual(calls, want) {
		t.Fatalf("calls = %v, want %v", calls, want)
	}
}

func TestOptionsKeptAcrossLayers(t *testing.T) {
	type key struct{}
	n := &Node{ID: "n1"}
	ctx := WithOpaqueID(context.Background(), "op-1")
	ctx = context.WithValue(ctx, key{}, "v") // layers of other packages in between
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ctx = WithNode(ctx, n)
	ctx = WithMaxRetries(ctx, 2)

	if id, ok := OpaqueIDFrom(ctx); !ok || id != "op-1" {
		t.Errorf("OpaqueIDFrom = %q, %v", id, ok)
	}
	if got, ok := NodeFrom(ctx); !ok || got != n {
		t.Errorf("NodeFrom = %v, %v", got, ok)
	}
	if got, ok := MaxRetriesFrom(ctx); !ok || got != 2 {
		t.Errorf("MaxRetriesFrom = %v, %v", got, ok)
	}
	if ctx.Value(key{}) != "v" {
		t.Error("a value of another package is lost")
	}
	cancel()
	if ctx.Err() != context.Canceled {
		t.Errorf("Err = %v after the parent's cancel, want context.Canceled", ctx.Err())
	}
}

func TestOptionsImmutable(t *testing.T) {
	parent := WithMaxRetries(context.Background(), 1)
	a := WithMaxRetries(parent, 2)
	b := WithIdempotent(parent, true)
	if n, _ := MaxRetriesFrom(parent); n != 1 {
		t.Errorf("parent MaxRetries = %d after a child changed it, want 1", n)
	}
	if n, _ := MaxRetriesFrom(a); n != 2 {
		t.Errorf("child MaxRetries = %d, want 2", n)
	}
	if _, ok := IdempotentFrom(a); ok {
		t.Error("a sibling's option leaked into another child")
	}
	if n, _ := MaxRetriesFrom(b); n != 1 {
		t.Errorf("sibling MaxRetries = %d, want the parent's 1", n)
	}
	pinned := WithNode(parent, &Node{ID: "n1"})
	if _, ok := NodeFrom(WithNode(pinned, nil)); ok {
		t.Error("WithNode(nil) does not remove the pin")
	}
}
