// Package dropin holds what the drop-in tests of the example packages
// share: an esrt transport over an estest cluster with settings that make
// the tests independent of the machine's speed, a count of the transport's
// attempts per node, and the ways a node can fail.
package dropin

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/rt"
)

// Attempts counts the attempts an esrt transport sent, per node. It is safe
// for concurrent use.
type Attempts struct {
	mu     sync.Mutex
	byNode map[string]int // by node URL
	total  int
}

func (a *Attempts) hooks() *rt.Hooks {
	return &rt.Hooks{OnAttemptStart: func(info rt.AttemptInfo) {
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.byNode == nil {
			a.byNode = map[string]int{}
		}
		a.byNode[info.Node.URL.String()]++
		a.total++
	}}
}

// To returns the number of attempts sent to the node with base URL u.
func (a *Attempts) To(u string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.byNode[u]
}

// Total returns the number of attempts sent to any node.
func (a *Attempts) Total() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.total
}

// Transport returns esrt.New(cfg) for a test against c, closed when the
// test ends, and the count of its attempts. Unset fields get test values:
//
//   - Addresses: every node of c.
//   - RetryBackoff: none, so retries go out at once; the tests are about
//     where attempts go, not when.
//   - Pool.DeadTimeout: a minute, so a node that failed stays out of
//     rotation for the whole test however slow the machine is, and "the
//     failed node got at most one attempt" is exact.
//
// cfg.Hooks must be nil: the count uses them.
func Transport(t testing.TB, c *estest.Cluster, cfg esrt.Config) (*esrt.Transport, *Attempts) {
	t.Helper()
	if cfg.Hooks != nil {
		t.Fatal("dropin.Transport: cfg.Hooks must be nil")
	}
	if cfg.Addresses == nil {
		cfg.Addresses = c.URLs()
	}
	if cfg.RetryBackoff == nil {
		cfg.RetryBackoff = func(int) time.Duration { return 0 }
	}
	if cfg.Pool.DeadTimeout == 0 {
		cfg.Pool.DeadTimeout = time.Minute
		cfg.Pool.MaxDeadTimeout = time.Minute
	}
	attempts := &Attempts{}
	cfg.Hooks = attempts.hooks()
	tr, err := esrt.New(cfg)
	if err != nil {
		t.Fatalf("esrt.New: %v", err)
	}
	t.Cleanup(func() {
		if err := tr.Close(); err != nil {
			t.Errorf("close transport: %v", err)
		}
	})
	return tr, attempts
}

// Fault is one way for a node to fail.
type Fault struct {
	Name  string
	Apply func(*estest.Node)
	// Receives reports whether requests still reach the node and its
	// request log (false for a node that refuses connections).
	Receives bool
}

// Faults returns the node failures the failover tests cover: a crashed
// node, a node that answers every request with 503, and a node that resets
// every connection before applying the request. Only the first refuses
// connections; the other two receive requests, so their request logs show
// how many reached them.
func Faults() []Fault {
	return []Fault{
		{Name: "killed", Apply: (*estest.Node).Kill},
		{Name: "503", Receives: true, Apply: func(n *estest.Node) {
			n.SetFailFunc(func(*http.Request) *estest.Failure { return &estest.Failure{Status: http.StatusServiceUnavailable} })
		}},
		{Name: "reset", Receives: true, Apply: func(n *estest.Node) {
			n.SetResetFunc(func(*http.Request) estest.ResetMode { return estest.ResetBeforeApply })
		}},
	}
}

// ResetFirstAutoIDWrite makes the first auto-id index request (POST
// /{index}/_doc, or /{index}/_doc/) that reaches any node of c apply the write and then reset
// the connection instead of answering: the client cannot know that the
// write happened, so sending it again creates a duplicate document.
func ResetFirstAutoIDWrite(c *estest.Cluster) {
	var done atomic.Bool
	for _, n := range c.Nodes() {
		n.SetResetFunc(func(r *http.Request) estest.ResetMode {
			if r.Method == http.MethodPost && isAutoIDPath(r.URL.Path) && done.CompareAndSwap(false, true) {
				return estest.ResetAfterApply
			}
			return estest.NoReset
		})
	}
}

// isAutoIDPath reports whether p is /{index}/_doc, with or without the
// trailing slash olivere sends.
func isAutoIDPath(p string) bool {
	p = strings.TrimSuffix(p, "/")
	return strings.HasSuffix(p, "/_doc") && strings.Count(p, "/") == 2 && p != "/_doc"
}

// CheckFailover checks what every client's failover test expects after
// writes index requests, each followed by a search, with the node sick
// failing as f says: the sick node got exactly one attempt (and received it
// only when f.Receives), every other attempt went elsewhere, and index
// "books" holds every document once.
func CheckFailover(t testing.TB, cluster *estest.Cluster, sick *estest.Node, attempts *Attempts, f Fault, writes int) {
	t.Helper()
	if got := attempts.To(sick.URL()); got != 1 {
		t.Errorf("attempts to the failing node = %d, want 1", got)
	}
	if got, want := attempts.Total(), 2*writes+1; got != want {
		t.Errorf("attempts = %d, want %d: one per request plus the one retried away from the failing node", got, want)
	}
	wantLogged := 0
	if f.Receives {
		wantLogged = 1
	}
	if got := len(sick.Requests()); got != wantLogged {
		t.Errorf("requests the failing node received = %d, want %d", got, wantLogged)
	}
	if got := cluster.DocCount("books"); got != writes {
		t.Errorf("documents = %d, want %d", got, writes)
	}
}
