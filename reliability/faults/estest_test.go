package faults_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/estest"
)

// TestFaultMatrixOperations runs each operation kind (opKinds) through
// esrt.New against a two-node estest cluster whose first attempt of the
// request meets each fault, and checks what the caller saw, what the nodes
// received (how often, bodies intact) and what the store holds.
func TestFaultMatrixOperations(t *testing.T) {
	for _, f := range []fault{refusedOne, resetBeforeApply, resetAfterRead, status502, status503, status504,
		status429, status429RetryAfter, hangTimeout, slow} {
		t.Run(f.String(), func(t *testing.T) {
			t.Parallel()
			cl := estest.New(t, estest.Config{Nodes: 2, RequestLogSize: 1000})
			tr := newTransport(t, esrt.Config{Addresses: cl.URLs(), Pool: esrt.PoolConfig{Selector: preferHost(cl.Node(0).Addr())},
				Limits: esrt.LimitsConfig{AttemptTimeout: attemptTimeout(f)}})
			inject(cl, f)
			var wg sync.WaitGroup
			for i, op := range opKinds {
				wg.Go(func() { runOp(t, cl, tr, f, op, strconv.Itoa(i)) })
			}
			wg.Wait()
		})
	}
}

// attemptTimeout is the matrix's AttemptTimeout: for a node that hangs,
// long enough that a healthy node on a busy machine answers within it.
func attemptTimeout(f fault) time.Duration {
	if f == hangTimeout {
		return 5 * time.Second
	}
	return 0
}

// inject arms fault f on every node of cl for the first attempt of each
// case: the first request that carries a case header, wherever it goes.
func inject(cl *estest.Cluster, f fault) {
	var mu sync.Mutex
	seen := map[string]bool{}
	first := func(r *http.Request) bool {
		c := r.Header.Get(caseHeader)
		mu.Lock()
		defer mu.Unlock()
		if c == "" || seen[c] {
			return false
		}
		seen[c] = true
		return true
	}
	if f == refusedOne {
		cl.Node(0).Kill()
		return
	}
	for _, n := range cl.Nodes() {
		switch f {
		case resetBeforeApply, resetAfterRead:
			mode := map[fault]estest.ResetMode{resetBeforeApply: estest.ResetBeforeApply, resetAfterRead: estest.ResetAfterApply}[f]
			n.SetResetFunc(func(r *http.Request) estest.ResetMode {
				if first(r) {
					return mode
				}
				return estest.NoReset
			})
		case status502, status503, status504, status429, status429RetryAfter:
			failure := estest.Failure{Status: statusOf[f]}
			if f == status429RetryAfter {
				failure.Header = http.Header{"Retry-After": {"1"}}
			}
			n.SetFailFunc(func(r *http.Request) *estest.Failure {
				if first(r) {
					return &failure
				}
				return nil
			})
		case hangTimeout, slow:
			d := map[fault]time.Duration{hangTimeout: time.Hour, slow: 20 * time.Millisecond}[f]
			n.SetLatencyFunc(func(r *http.Request) time.Duration {
				if first(r) {
					return d
				}
				return 0
			})
		}
	}
}

// runOp runs op as case c through tr with fault f, and checks it.
func runOp(t *testing.T, cl *estest.Cluster, tr http.RoundTripper, f fault, op opKind, c string) {
	name := op.name
	index := "fm-" + c
	var body string
	if op.seed != nil {
		body = op.seed(t, cl, index)
	}
	if op.body != nil {
		body = op.body(index)
	}
	path := op.path
	if strings.Contains(path, "%s") {
		path = fmt.Sprintf(path, index)
	}
	req, _ := http.NewRequest(op.method, "http://es"+path, strings.NewReader(body))
	req.Header.Set(caseHeader, c)
	req.Header.Set("Content-Type", "application/json")
	want := onCluster(f, opOf(op.method, path, []byte(body)))
	res, err := tr.RoundTrip(req)
	if f == hangTimeout && err != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("%s: %v does not match context.DeadlineExceeded", name, err)
	}
	checkOutcome(t, name, want, res, err)
	got, intact := received(cl, c, body)
	if got != want.received || !intact {
		t.Errorf("%s: the cluster received it %d times (bodies intact: %v), want %d", name, got, intact, want.received)
	}
	wantEffect := op.unapplied
	if applied(f, want) {
		wantEffect = op.applied
	}
	if e := op.effect(cl, index, body); e != wantEffect {
		t.Errorf("%s: effect in the store %d, want %d (applied once: %v)", name, e, wantEffect, applied(f, want))
	}
}

// onCluster is the rule's outcome on a real cluster, where an operation
// repeated after it was applied answers as repeated: a create 409 and a
// delete 404 (the cases rt.RetriedWriteHeader documents).
func onCluster(f fault, op operation) outcome {
	want := expect(f, op)
	if f == resetAfterRead && want.received == 2 {
		switch {
		case op.id == "create":
			want.status = http.StatusConflict
		case op.method == http.MethodDelete:
			want.status = http.StatusNotFound
		}
	}
	return want
}

// applied reports whether the operation was applied once: it succeeded,
// or its only attempt was reset after the cluster applied it.
func applied(f fault, want outcome) bool {
	return want.status != 0 && want.status < 500 || f == resetAfterRead
}

// received returns how many requests of case c the nodes of cl logged, and
// whether each body was body.
func received(cl *estest.Cluster, c, body string) (n int, intact bool) {
	intact = true
	for _, node := range cl.Nodes() {
		for _, r := range node.Requests() {
			if r.Header.Get(caseHeader) == c {
				n++
				intact = intact && string(r.Body) == body
			}
		}
	}
	return n, intact
}
