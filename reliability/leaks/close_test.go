package leaks_test

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/estest"
)

// limit bounds every wait of these tests: for Close to return, for
// callers to finish, and for connections and goroutines to end, which
// happens asynchronously but promptly. It only catches a hang.
const limit = 10 * time.Second

// within runs f and fails the test if it has not returned within limit.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("%s blocked", what)
	}
}

// poll calls cond every few milliseconds until it holds or limit passes.
func poll(cond func() bool) bool {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// checkNothingLeft fails the test unless every node of c sees its
// connections closed and no goroutine runs but those ignored (the
// cluster's own, taken with goleak.IgnoreCurrent before esrt started).
func checkNothingLeft(t *testing.T, c *estest.Cluster, ignore goleak.Option) {
	t.Helper()
	for i, n := range c.Nodes() {
		if !poll(func() bool { return n.Open() == 0 }) {
			t.Errorf("node %d: %d connections still open after Close", i, n.Open())
		}
	}
	poll(func() bool { return goleak.Find(ignore) == nil })
	goleak.VerifyNone(t, ignore)
}

// roundTrip sends GET path through tr with ctx, and reads and closes the
// answer's body.
func roundTrip(ctx context.Context, tr http.RoundTripper, path string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", "http://es"+path, nil)
	if err != nil {
		return 0, err
	}
	res, err := tr.RoundTrip(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return 0, err
	}
	return res.StatusCode, nil
}

// Requests hung on every node at Close finish their attempt (when the
// nodes answer) or end (when their callers give up); either way Close does
// not wait for them, and then no connection and no goroutine is left:
// neither the hung requests' nor the idle ones' of earlier requests.
func TestCloseWithRequestsInFlight(t *testing.T) {
	for _, cancel := range []bool{false, true} {
		t.Run(map[bool]string{false: "answered", true: "canceled"}[cancel], func(t *testing.T) {
			testCloseWithRequestsInFlight(t, cancel)
		})
	}
}

func testCloseWithRequestsInFlight(t *testing.T, cancel bool) {
	const callers = 6
	c := estest.New(t, estest.Config{Nodes: 3})
	ignore := goleak.IgnoreCurrent()
	tr := newTransport(t, c, esrt.Config{})
	for range 3 {
		if _, err := roundTrip(context.Background(), tr, "/"); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range c.Nodes() {
		n.Hang()
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	statuses := make([]int, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { statuses[i], errs[i] = roundTrip(ctx, tr, "/") })
	}
	if !poll(func() bool { return inFlight(c) == callers }) {
		t.Fatalf("%d of %d requests arrived", inFlight(c), callers)
	}
	within(t, "Close", func() { tr.Close() })
	if cancel {
		stop()
	} else {
		for _, n := range c.Nodes() {
			n.Unhang()
		}
	}
	within(t, "the callers", wg.Wait)
	for i := range callers {
		switch {
		case cancel && errs[i] == nil:
			t.Errorf("caller %d: answered %d after it gave up", i, statuses[i])
		case !cancel && (errs[i] != nil || statuses[i] != http.StatusOK):
			t.Errorf("caller %d: %d, %v; want its attempt in flight at Close answered 200", i, statuses[i], errs[i])
		}
	}
	checkNothingLeft(t, c, ignore)
}

// inFlight returns the number of requests c's nodes are handling.
func inFlight(c *estest.Cluster) int {
	sum := 0
	for _, n := range c.Nodes() {
		sum += n.InFlight()
	}
	return sum
}

// With discovery on (a sniff in New and then periodically), Close stops it
// and leaves no connection and no goroutine, also when a sniff hangs on
// an unresponsive node at Close.
func TestCloseWithDiscoveryRunning(t *testing.T) {
	for _, hang := range []bool{false, true} {
		t.Run(map[bool]string{false: "idle", true: "sniff hanging"}[hang], func(t *testing.T) {
			c := estest.New(t, estest.Config{Nodes: 3})
			ignore := goleak.IgnoreCurrent()
			tr := newTransport(t, c, esrt.Config{DiscoverNodesOnStart: true, DiscoverNodesInterval: 5 * time.Millisecond})
			for i := range 30 {
				if _, err := roundTrip(context.Background(), tr, "/"); err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
			}
			if !poll(func() bool { return sniffs(c) >= 2 }) {
				t.Fatalf("%d sniffs, want one in New and periodic ones", sniffs(c))
			}
			if hang {
				for _, n := range c.Nodes() {
					n.Hang()
				}
				if !poll(func() bool { return inFlight(c) > 0 }) {
					t.Fatal("no sniff arrived at the hanging nodes")
				}
			}
			within(t, "Close", func() { tr.Close() })
			checkNothingLeft(t, c, ignore)
		})
	}
}

// sniffs counts the node discovery requests c's nodes got.
func sniffs(c *estest.Cluster) int {
	sum := 0
	for _, n := range c.Nodes() {
		for _, r := range n.Requests() {
			if r.Method == "GET" && r.Path == "/_nodes/http" {
				sum++
			}
		}
	}
	return sum
}
