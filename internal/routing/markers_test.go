package routing

import (
	"context"
	"testing"

	"github.com/esrt-dev/esrt/internal/options"
	"github.com/esrt-dev/esrt/rt"
)

func TestMarkers(t *testing.T) {
	ctx := context.Background()
	if HedgeFrom(ctx) || LastResortFrom(ctx) {
		t.Fatal("an empty context is marked")
	}
	hedge := WithHedge(ctx)
	last := WithLastResort(ctx)
	if !HedgeFrom(hedge) || LastResortFrom(hedge) {
		t.Errorf("after WithHedge: hedge %v, last resort %v; want true, false", HedgeFrom(hedge), LastResortFrom(hedge))
	}
	if HedgeFrom(last) || !LastResortFrom(last) {
		t.Errorf("after WithLastResort: hedge %v, last resort %v; want false, true", HedgeFrom(last), LastResortFrom(last))
	}
	if both := WithLastResort(hedge); !HedgeFrom(both) || !LastResortFrom(both) {
		t.Error("a second marker drops the first")
	}
}

// The markers and the record join the caller's options, which a middleware
// then reads with them in one lookup, across layers of other packages.
func TestMarkersKeptAcrossLayers(t *testing.T) {
	type key struct{}
	n := &rt.Node{ID: "n1"}
	ctx := rt.WithOpaqueID(context.Background(), "op-1")
	ctx = context.WithValue(ctx, key{}, "v")
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ctx = rt.WithNode(ctx, n)
	ctx, att := WithAttempts(ctx)
	ctx = WithHedge(ctx)

	o := options.From(ctx)
	if !o.HasOpaqueID || o.OpaqueID != "op-1" || o.Node != n {
		t.Errorf("the caller's options are lost: %v", o)
	}
	if AttemptsOf(o) != att {
		t.Error("AttemptsOf is not the record WithAttempts returned")
	}
	if !o.Hedge || o.LastResort {
		t.Errorf("Hedge, LastResort = %v, %v; want true, false", o.Hedge, o.LastResort)
	}
	if ctx.Value(key{}) != "v" {
		t.Error("a value of another package is lost")
	}
}
