package middleware

import (
	"cmp"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sony/gobreaker/v2"

	"github.com/esrt-dev/esrt/internal/check"
	"github.com/esrt-dev/esrt/rt"
)

// Breakers is a set of circuit breakers, one per node, built on
// github.com/sony/gobreaker/v2. Its [Breakers.Middleware] refuses attempts
// to a node whose breaker is open; its [Breakers.Open] tells the routing
// middleware to choose another node in the first place:
//
//	breakers, err := middleware.NewBreakers(middleware.BreakerConfig{})
//	pool, err := selector.NewPool(selector.PoolConfig{Seeds: seeds, Exclude: breakers.Open})
//	tr := rt.Chain(base, retry, selector.Middleware(pool), breakers.Middleware())
//
// So an open breaker means "pick another node", not a failed request; when
// no other node can be picked, or to probe a dead node when its probe is
// due, the router sends the attempt as a last resort ([routing.WithLastResort])
// and the middleware lets it through; when it succeeds, the breaker
// closes. A node that the pool found dead and that comes back is thus
// found on the pool's schedule, whatever its breaker's Timeout.
//
// Which node an attempt is for: the router rewrites each attempt's URL to
// its node's scheme, host and path prefix, and the middleware finds the
// breaker by them: the breaker of a node with the same scheme and host
// whose path prefix is the longest one that begins the path. (Package rt
// does not hand the node object to the layers below the router; a context
// value would cost the router an allocation per attempt.) A node gets its
// breaker when Open first asks about it, or, for an address Open was
// never asked about (a request pinned with [rt.WithNode] before any pick,
// or a chain without the router), when the middleware first sees it; such
// a breaker covers the whole host. Breakers that are closed and have no
// failure to remember are forgotten when many nodes have come and gone, so
// that discovery churn does not grow the set without bound.
//
// A Breakers is safe for concurrent use; it starts no goroutine. The
// outcome of every attempt is reported to its breaker exactly once, when
// next returns (at response headers, so that a response body that is
// never closed cannot hold a half-open breaker), also when the attempt is
// cancelled or next panics. (While a breaker is closed and remembers no
// failure, a success would change nothing in it, and is not reported.)
type Breakers struct {
	cfg   *settings
	table atomic.Pointer[nodeTable]

	mu      sync.Mutex // serialises writers of table
	size    int        // circuits in table
	pruneAt int        // size at which add forgets idle circuits
}

// NewBreakers returns an empty set of per-node breakers. It returns a
// [*rt.ConfigError] for a negative Failures, Timeout or HalfOpenRequests.
func NewBreakers(cfg BreakerConfig) (*Breakers, error) {
	switch {
	case cfg.Failures < 0:
		return nil, check.Count("Failures", cfg.Failures)
	case cfg.Timeout < 0:
		return nil, check.Duration("Timeout", cfg.Timeout)
	}
	half, err := halfOpenSlots(cfg.HalfOpenRequests)
	if err != nil {
		return nil, err
	}
	failures := uint32(min(cmp.Or(cfg.Failures, defaultBreakerFailures), math.MaxUint32))
	b := &Breakers{
		cfg: &settings{
			st: gobreaker.Settings{
				MaxRequests: half,
				Timeout:     cmp.Or(cfg.Timeout, defaultBreakerTimeout),
			},
			trip:        func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= failures },
			consecutive: true,
			lastResort:  true,
			hooks:       cfg.Hooks,
		},
		pruneAt: pruneMin,
	}
	b.table.Store(&nodeTable{})
	return b, nil
}

// Middleware returns the middleware that guards each attempt with its
// node's breaker. Place it directly inside the routing middleware
// (selector.Middleware), so that each attempt it sees is addressed to one
// node, and outside the per-attempt timeout, so that an attempt that
// timed out counts as a failure.
//
// When the node's breaker is open, or half-open with all its probe slots
// taken, the attempt is refused without sending anything: the request body
// is closed and the error wraps [rt.ErrBreakerOpen] (the router counts
// that as nothing against the node). The exception is an attempt marked
// with [routing.WithLastResort], which the router sends when every node is
// excluded, when the node is pinned, or to probe a dead node: it goes to
// next all the same; a failure is not counted, and a success closes the
// breaker. So a request never fails for lack of a node, and a node whose
// breaker opened is used again as soon as it answers. Otherwise the
// attempt goes to next and next's response or error is returned as it
// is. Every RoundTripper the middleware builds shares the set's breakers.
func (b *Breakers) Middleware() rt.Middleware {
	return func(next http.RoundTripper) http.RoundTripper {
		if next == nil {
			next = http.DefaultTransport
		}
		return &breakersTransport{b: b, next: next}
	}
}

// Open reports whether attempts to n should go elsewhere for now: n's
// breaker is open, or half-open with all its probe slots taken. Use it as
// selector.PoolConfig.Exclude. An open breaker whose cool-down is over
// becomes half-open when Open asks about it. Open is cheap while n's
// breaker is closed (a map lookup and an atomic load) and never blocks for
// long; a nil node is never excluded.
func (b *Breakers) Open(n *rt.Node) bool {
	c := b.forNode(n, true)
	return c != nil && c.inPool().refuses()
}

// State returns the state of n's breaker: [rt.BreakerClosed] for a node
// that has none yet.
func (b *Breakers) State(n *rt.Node) rt.BreakerState {
	c := b.forNode(n, false)
	if c == nil {
		return rt.BreakerClosed
	}
	return c.currentState()
}

// breakersTransport is the RoundTripper of [Breakers.Middleware].
type breakersTransport struct {
	b    *Breakers
	next http.RoundTripper
}

var _ http.RoundTripper = (*breakersTransport)(nil)

func (t *breakersTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL == nil {
		return t.next.RoundTrip(req) // next reports the broken request
	}
	return t.b.forURL(req.URL).roundTrip(t.next, req)
}

// Unwrap returns the next RoundTripper.
func (t *breakersTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to the next RoundTripper.
func (t *breakersTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }

// nodeTable maps a host to the circuits of the nodes there, longest path
// prefix first; the scheme is told apart in the circuits. It is keyed by
// the host alone, a string, so that the lookup on every attempt hashes one
// string. It is never modified once published.
type nodeTable map[string][]*circuit

// pruneMin is the smallest table size at which idle circuits are
// forgotten.
const pruneMin = 64

// poolMax is the table size up to which the idle circuits of nodes a pool
// routes to are kept when the table is pruned: a pool of more nodes than
// pruneMin would otherwise have its circuits forgotten and made again on
// every pick. Past it, they are forgotten like the others.
const poolMax = 4096

// forNode returns n's circuit, creating it if create is set; nil for a nil
// node, or when there is none and create is not set.
func (b *Breakers) forNode(n *rt.Node, create bool) *circuit {
	if n == nil || n.URL == nil {
		return nil
	}
	prefix := n.URL.Path
	if prefix != "" {
		prefix = strings.TrimRight(prefix, "/")
	}
	for _, c := range (*b.table.Load())[n.URL.Host] {
		if c.scheme == n.URL.Scheme && c.prefix == prefix {
			return c
		}
	}
	if !create {
		return nil
	}
	return b.add(n.URL.Scheme, n.URL.Host, prefix, n)
}

// forURL returns the circuit of the node u is addressed to: of a node with
// u's scheme and host whose path prefix is the longest that begins u's
// path. It creates one for u's host if there is none.
func (b *Breakers) forURL(u *url.URL) *circuit {
	for _, c := range (*b.table.Load())[u.Host] {
		if c.scheme != u.Scheme {
			continue
		}
		if p := c.prefix; p == "" || strings.HasPrefix(u.Path, p) && (len(u.Path) == len(p) || u.Path[len(p)] == '/') {
			return c
		}
	}
	return b.add(u.Scheme, u.Host, "", nil)
}

// add returns the circuit for scheme, host and prefix, creating it (for
// node n, or a node made from them when n is nil) if there is none. When
// the table has grown to pruneAt circuits, those that are closed without
// failures are left out of the new table, they hold nothing a new circuit
// would not, unless a pool routes to their node and the table holds fewer
// than poolMax circuits.
func (b *Breakers) add(scheme, host, prefix string, n *rt.Node) *circuit {
	b.mu.Lock()
	defer b.mu.Unlock()
	old := *b.table.Load()
	for _, c := range old[host] {
		if c.scheme == scheme && c.prefix == prefix {
			return c
		}
	}
	if n == nil {
		n = &rt.Node{URL: &url.URL{Scheme: scheme, Host: host, Path: prefix}}
	}
	c := newCircuit(n.Key(), n, b.cfg)
	c.scheme, c.prefix = scheme, prefix
	prune := b.size+1 > b.pruneAt
	keepPool := b.size < poolMax
	t := make(nodeTable, len(old)+1)
	size := 0
	for h, cs := range old {
		var kept []*circuit
		for _, x := range cs {
			if !prune || !x.idle() || keepPool && x.pool.Load() {
				kept = append(kept, x)
			}
		}
		if len(kept) > 0 {
			t[h] = kept
			size += len(kept)
		}
	}
	cs := append(slices.Clip(t[host]), c)
	slices.SortStableFunc(cs, func(x, y *circuit) int { return len(y.prefix) - len(x.prefix) })
	t[host] = cs
	b.size = size + 1
	if prune {
		b.pruneAt = max(pruneMin, 2*b.size)
	}
	b.table.Store(&t)
	return c
}

// String names the layer, so that printing it shows no configuration.
func (t *breakersTransport) String() string { return "node breakers" }
