package routing

import (
	"context"
	"reflect"
	"sync"
	"testing"

	"github.com/esrt-dev/esrt/internal/options"
	"github.com/esrt-dev/esrt/rt"
)

func TestAttempts(t *testing.T) {
	if AttemptsFrom(context.Background()) != nil {
		t.Fatal("AttemptsFrom on an empty context is not nil")
	}
	ctx, a := WithAttempts(context.Background())
	if AttemptsFrom(ctx) != a || AttemptsOf(options.From(ctx)) != a {
		t.Fatal("AttemptsFrom or AttemptsOf does not return the Attempts")
	}
	n1, n2 := &rt.Node{ID: "1"}, &rt.Node{ID: "2"}

	n, tried := a.Begin()
	if n != 1 || tried != nil {
		t.Fatalf("first Begin = %d, %v", n, tried)
	}
	a.SetNode(1, n1)
	n, _ = a.Begin() // attempt 2 found no node
	if n != 2 {
		t.Fatalf("second Begin = %d", n)
	}
	n, tried = a.Begin()
	if n != 3 || !reflect.DeepEqual(tried, []*rt.Node{n1}) {
		t.Fatalf("third Begin = %d, %v; want 3, [n1]", n, tried)
	}
	a.SetNode(3, n2)
	a.SetNode(9, n2) // out of range: ignored
	if got := a.Nodes(); !reflect.DeepEqual(got, []*rt.Node{n1, nil, n2}) || a.Count() != 3 {
		t.Fatalf("Nodes = %v, Count = %d", got, a.Count())
	}
}

func TestAttemptsConcurrent(t *testing.T) {
	_, a := WithAttempts(context.Background())
	var wg sync.WaitGroup
	seen := make([]bool, 101)
	var mu sync.Mutex
	for range 100 {
		wg.Go(func() {
			n, _ := a.Begin()
			a.SetNode(n, &rt.Node{})
			mu.Lock()
			seen[n] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	for n := 1; n <= 100; n++ {
		if !seen[n] {
			t.Fatalf("attempt number %d never handed out", n)
		}
	}
}

// The record joins the caller's options rather than replacing them, and
// the context keeps its parent's values and cancellation.
func TestAttemptsContextKeepsParent(t *testing.T) {
	type key struct{}
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	parent = rt.WithOpaqueID(parent, "op-1")
	ctx, _ := WithAttempts(parent)
	if ctx.Value(key{}) != "v" {
		t.Fatal("the parent's values are lost")
	}
	if id, ok := rt.OpaqueIDFrom(ctx); !ok || id != "op-1" {
		t.Fatalf("OpaqueIDFrom = %q, %v: the caller's options are lost", id, ok)
	}
	if AttemptsFrom(parent) != nil {
		t.Fatal("WithAttempts changed its parent's options")
	}
	child, stop := context.WithCancel(ctx) // derived contexts still see the parent's cancel
	defer stop()
	cancel()
	<-child.Done()
	if ctx.Err() != context.Canceled || child.Err() != context.Canceled {
		t.Fatalf("Err = %v, %v", ctx.Err(), child.Err())
	}
}

// WithAttempts runs once per retried request, never for a request that
// succeeds at its first attempt: the record, the options that carry it
// and their context node, and nothing per attempt up to four.
func TestAttemptsAllocations(t *testing.T) {
	ctx := context.Background()
	allocs := testing.AllocsPerRun(100, func() {
		_, a := WithAttempts(ctx)
		for range 4 {
			n, _ := a.Begin()
			a.SetNode(n, nil)
		}
	})
	if allocs != 3 {
		t.Fatalf("WithAttempts and four attempts allocate %v times, want 3", allocs)
	}
}
