package middleware

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/esrt-dev/esrt/internal/check"
	"github.com/esrt-dev/esrt/rt"
)

// Defaults of the breaker configurations.
const (
	defaultBreakerFailures = 5
	defaultBreakerTimeout  = 10 * time.Second
	defaultClusterRatio    = 0.5
	defaultClusterMin      = 20
	defaultClusterWindow   = 10 * time.Second
	// breakerBuckets is how many buckets the cluster breaker's window
	// rolls over.
	breakerBuckets = 10
)

// BreakerConfig configures the per-node circuit breakers of [NewBreakers].
// The zero value opens a node's breaker after 5 consecutive failures, keeps
// it open for 10 s, then lets one probe attempt through.
//
// What counts, per attempt, at the time its response headers arrive:
// 502, 503 and 504 and every transport error (connection refused or reset,
// TLS handshake, an attempt timeout below the breaker) are failures; any
// other status, 4xx and 500 included, is a success; 429 (the node is busy,
// not broken), a context that is done when the attempt ends (the caller
// gave up, or the attempt lost a hedged race), a cancellation from below,
// a refusal by another breaker below and an [*rt.LocalError] (an attempt
// that failed in the client before it was sent, whatever the error wraps)
// count as nothing.
//
// An attempt that started before the node's last counted failure counts as
// nothing either: that failure already told what it could. So the attempts
// in flight when a node dies, which fail together, count as one failure,
// and Failures counts failures one after another, each of an attempt sent
// after the previous one failed (in the routing middleware's chain, the
// dead node's probes). A late success from before the failure does not end
// the run.
//
// An attempt the breaker would refuse but lets through as a last resort
// ([rt.WithLastResort]: the router had no other node, the node is pinned,
// or the attempt probes a dead node on the pool's schedule) is not counted
// when it fails, and closes the breaker when it succeeds: the node is back,
// and its breaker does not keep it out until Timeout runs out.
type BreakerConfig struct {
	// Failures is how many consecutive failures (see above) of a node open
	// its breaker. If 0, 5.
	Failures int

	// Timeout is the cool-down: how long a breaker stays open before it
	// lets probe attempts through (half-open). If 0, 10 s.
	Timeout time.Duration

	// HalfOpenRequests is how many probe attempts a half-open breaker lets
	// through at once. That many consecutive successes close it; one
	// failure opens it again for another Timeout. If 0, 1.
	HalfOpenRequests int

	// Hooks receive every state change of every breaker, in order per
	// breaker, before the hooks carried by the request during which the
	// change happened ([rt.WithHooks]). If nil, only those. A change seen
	// outside a request (an open breaker turning half-open when Open asks
	// about it) reaches these only; while two requests through one breaker
	// race, a change may reach the request hooks of the other one.
	Hooks *rt.Hooks
}

// ClusterBreakerConfig configures [ClusterBreaker]. The zero value opens
// the breaker when at least half of the requests of the last 10 s failed,
// once 20 of them counted; it stays open for 10 s, then lets one probe
// request through.
//
// Requests count as in [BreakerConfig], with one difference: a request
// refused by the per-node breakers below ([rt.ErrBreakerOpen]) or for lack
// of a node ([rt.ErrNoNode]) is a failure, since every node is then
// failing. Only the caller's own cancellation or deadline counts as
// nothing; a deadline set by a middleware inside the breaker (the
// overall request timeout) is a failure. An [*rt.LocalError] counts as
// nothing here too; it is found with [errors.As], so a request whose last
// attempt failed with one ([*rt.RetryError] wraps the last attempt's
// error) counts as nothing even when earlier attempts failed.
type ClusterBreakerConfig struct {
	// Ratio is the share of failed requests, among those that counted in
	// the window, that opens the breaker; it must be in (0, 1]. If 0, 0.5.
	Ratio float64

	// MinRequests is how many requests must have counted in the window
	// before Ratio is judged, so that a quiet client does not trip on two
	// failures. If 0, 20.
	MinRequests int

	// Window is the period over which the ratio is measured; it rolls in
	// ten steps. If 0, 10 s.
	Window time.Duration

	// Timeout is the cool-down: how long the breaker stays open, failing
	// every request at once, before it lets probe requests through
	// (half-open). If 0, 10 s.
	Timeout time.Duration

	// HalfOpenRequests is how many probe requests the half-open breaker
	// lets through at once. That many consecutive successes close it; one
	// failure opens it again. If 0, 1.
	HalfOpenRequests int

	// Hooks receive every state change, before the hooks carried by the
	// request during which it happened ([rt.WithHooks]). If nil, only
	// those. The breaker's name is "cluster" and its node nil.
	Hooks *rt.Hooks
}

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
// due, the router sends the attempt as a last resort ([rt.WithLastResort])
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
// cancelled or next panics. (One shortcut: while a breaker is closed and
// remembers no failure, a success would change nothing in it, and is not
// reported: the attempt then costs a map lookup and a few atomic loads.)
type Breakers struct {
	cfg   breakerSettings
	table atomic.Pointer[breakerTable]

	mu      sync.Mutex // serialises writers of table
	size    int        // entries in table
	pruneAt int        // size at which add forgets idle breakers
}

// breakerTable maps a host to the breakers of the nodes there, longest
// path prefix first; the scheme is told apart in the entries. (A string
// key takes the map's fast path for strings: one hash of the host, where a
// struct of scheme and host took the generic hash of two strings and a
// generated comparison. The lookup is on every attempt's path.) It is
// never modified once published.
type breakerTable map[string][]*breakerEntry

// breakerPruneMin is the smallest table size at which idle breakers are
// forgotten.
const breakerPruneMin = 64

// breakerSettings is what every breaker of a set, or the cluster breaker,
// is built with.
type breakerSettings struct {
	st            gobreaker.Settings // without the callbacks
	trip          func(gobreaker.Counts) bool
	countRefusals bool // rt.ErrBreakerOpen and rt.ErrNoNode from below are failures
	// consecutive: the breaker trips on consecutive failures only, so a
	// success changes nothing in a breaker that is closed and remembers no
	// failure (see breakerEntry.roundTripClean).
	consecutive bool
	// lastResort: attempts marked with rt.WithLastResort pass when the
	// breaker would refuse them (per-node breakers only).
	lastResort bool
	hooks      *rt.Hooks
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
	half, err := breakerHalfOpen(cfg.HalfOpenRequests)
	if err != nil {
		return nil, err
	}
	failures := uint32(min(cmp.Or(cfg.Failures, defaultBreakerFailures), math.MaxUint32))
	b := &Breakers{
		cfg: breakerSettings{
			st: gobreaker.Settings{
				MaxRequests: half,
				Timeout:     cmp.Or(cfg.Timeout, defaultBreakerTimeout),
			},
			trip:        func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= failures },
			consecutive: true,
			lastResort:  true,
			hooks:       cfg.Hooks,
		},
		pruneAt: breakerPruneMin,
	}
	b.table.Store(&breakerTable{})
	return b, nil
}

func breakerHalfOpen(n int) (uint32, error) {
	if n < 0 || n > math.MaxUint32 {
		return 0, &rt.ConfigError{Field: "HalfOpenRequests", Err: fmt.Errorf("%d is out of range", n)}
	}
	return uint32(max(n, 1)), nil
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
// with [rt.WithLastResort], which the router sends when every node is
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
	e := b.forNode(n, true)
	if e == nil || gobreaker.State(e.state.Load()) == gobreaker.StateClosed {
		return false
	}
	defer e.flush(nil)
	cb := e.cb.Load()
	switch cb.State() {
	case gobreaker.StateOpen:
		return true
	case gobreaker.StateHalfOpen:
		c := cb.Counts()
		return c.Requests >= c.TotalExclusions && c.Requests-c.TotalExclusions >= e.max
	}
	return false
}

// State returns the state of n's breaker: [rt.BreakerClosed] for a node
// that has none yet.
func (b *Breakers) State(n *rt.Node) rt.BreakerState {
	e := b.forNode(n, false)
	if e == nil {
		return rt.BreakerClosed
	}
	defer e.flush(nil)
	return breakerStateOf(e.cb.Load().State())
}

// forNode returns n's breaker, creating it if create is set; nil for a nil
// node, or when there is none and create is not set.
func (b *Breakers) forNode(n *rt.Node, create bool) *breakerEntry {
	if n == nil || n.URL == nil {
		return nil
	}
	prefix := n.URL.Path
	if prefix != "" {
		prefix = strings.TrimRight(prefix, "/")
	}
	for _, e := range (*b.table.Load())[n.URL.Host] {
		if e.scheme == n.URL.Scheme && e.prefix == prefix {
			return e
		}
	}
	if !create {
		return nil
	}
	return b.add(n.URL.Scheme, n.URL.Host, prefix, n)
}

// forURL returns the breaker of the node u is addressed to, creating a
// breaker for u's host if there is none.
func (b *Breakers) forURL(u *url.URL) *breakerEntry {
	for _, e := range (*b.table.Load())[u.Host] {
		if e.scheme != u.Scheme {
			continue
		}
		if p := e.prefix; p == "" || strings.HasPrefix(u.Path, p) && (len(u.Path) == len(p) || u.Path[len(p)] == '/') {
			return e
		}
	}
	return b.add(u.Scheme, u.Host, "", nil)
}

// add returns the breaker for scheme, host and prefix, creating it (for
// node n, or a node made from them when n is nil) if there is none. When the
// table has grown to pruneAt entries, breakers that are closed without
// failures are left out of the new table: they hold nothing a new breaker
// would not.
func (b *Breakers) add(scheme, host, prefix string, n *rt.Node) *breakerEntry {
	b.mu.Lock()
	defer b.mu.Unlock()
	old := *b.table.Load()
	for _, e := range old[host] {
		if e.scheme == scheme && e.prefix == prefix {
			return e
		}
	}
	if n == nil {
		n = &rt.Node{URL: &url.URL{Scheme: scheme, Host: host, Path: prefix}}
	}
	e := newBreakerEntry(n.Key(), n, scheme, prefix, b.cfg)
	prune := b.size+1 > b.pruneAt
	t := make(breakerTable, len(old)+1)
	size := 0
	for hk, es := range old {
		var kept []*breakerEntry
		for _, x := range es {
			if !prune || !x.idle() {
				kept = append(kept, x)
			}
		}
		if len(kept) > 0 {
			t[hk] = kept
			size += len(kept)
		}
	}
	es := append(slices.Clip(t[host]), e)
	slices.SortStableFunc(es, func(x, y *breakerEntry) int { return len(y.prefix) - len(x.prefix) })
	t[host] = es
	b.size = size + 1
	if prune {
		b.pruneAt = max(breakerPruneMin, 2*b.size)
	}
	b.table.Store(&t)
	return e
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

// ClusterBreaker returns a middleware with one circuit breaker for the
// whole cluster, which opens when the share of failed requests is too high
// (see [ClusterBreakerConfig]) and then fails every request at once, within
// microseconds, with an error wrapping [rt.ErrBreakerOpen], without
// sending anything (the request body is closed). After the cool-down it
// lets probe requests through, and closes when they succeed.
//
// Place it outside the retry middleware, so that it judges requests rather
// than attempts and an open breaker skips the retry loop and its backoff,
// and outside the overall request timeout, so that requests that run out
// of it count as failures: in the canonical order, just inside tracing.
//
// Each RoundTripper the middleware builds has its own breaker. It returns
// a [*rt.ConfigError] for a Ratio outside (0, 1] or a negative value.
func ClusterBreaker(cfg ClusterBreakerConfig) (rt.Middleware, error) {
	switch {
	case cfg.Ratio < 0 || cfg.Ratio > 1 || math.IsNaN(cfg.Ratio):
		return nil, &rt.ConfigError{Field: "Ratio", Err: fmt.Errorf("%v is not in (0, 1]", cfg.Ratio)}
	case cfg.MinRequests < 0:
		return nil, check.Count("MinRequests", cfg.MinRequests)
	case cfg.Window < 0:
		return nil, check.Duration("Window", cfg.Window)
	case cfg.Timeout < 0:
		return nil, check.Duration("Timeout", cfg.Timeout)
	}
	half, err := breakerHalfOpen(cfg.HalfOpenRequests)
	if err != nil {
		return nil, err
	}
	ratio := cmp.Or(cfg.Ratio, defaultClusterRatio)
	minimum := uint64(cmp.Or(cfg.MinRequests, defaultClusterMin))
	window := cmp.Or(cfg.Window, defaultClusterWindow)
	s := breakerSettings{
		st: gobreaker.Settings{
			MaxRequests:  half,
			Interval:     window,
			BucketPeriod: max(window/breakerBuckets, 1),
			Timeout:      cmp.Or(cfg.Timeout, defaultBreakerTimeout),
		},
		trip: func(c gobreaker.Counts) bool {
			counted := uint64(c.TotalSuccesses) + uint64(c.TotalFailures)
			return counted >= minimum && float64(c.TotalFailures) >= ratio*float64(counted)
		},
		countRefusals: true,
		hooks:         cfg.Hooks,
	}
	return func(next http.RoundTripper) http.RoundTripper {
		if next == nil {
			next = http.DefaultTransport
		}
		return &clusterBreakerTransport{e: newBreakerEntry("cluster", nil, "", "", s), next: next}
	}, nil
}

// clusterBreakerTransport is the RoundTripper of [ClusterBreaker].
type clusterBreakerTransport struct {
	e    *breakerEntry
	next http.RoundTripper
}

var _ http.RoundTripper = (*clusterBreakerTransport)(nil)

func (t *clusterBreakerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return t.e.roundTrip(t.next, req)
}

// Unwrap returns the next RoundTripper.
func (t *clusterBreakerTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to the next RoundTripper.
func (t *clusterBreakerTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }

// breakerEntry is one circuit breaker with what esrt adds to gobreaker: a
// lock-free copy of its state, a fast path for the attempts that need
// nothing from it, its refusal errors built once, and the queue of state
// changes waiting to reach the hooks.
type breakerEntry struct {
	name   string
	node   *rt.Node // nil for the cluster breaker
	scheme string   // the node's scheme
	prefix string   // the node's path prefix, without trailing slash
	// cb is the breaker; closeNow replaces it (see there).
	cb            atomic.Pointer[gobreaker.CircuitBreaker[struct{}]]
	settings      gobreaker.Settings // cb's, without the callbacks
	max           uint32             // half-open probe slots
	trip          func(gobreaker.Counts) bool
	countRefusals bool
	consecutive   bool
	lastResort    bool
	hooks         *rt.Hooks

	// Mirrors of gobreaker's state, written while it holds its lock (in
	// its callbacks), read without it: the state, the number of state
	// changes, and whether the breaker is closed without a failure to
	// remember.
	state atomic.Int32
	gen   atomic.Uint64
	clean atomic.Bool

	// failures counts the failures counted in the closed or half-open
	// state (consecutive breakers only). An attempt notes it when it
	// starts; if it has changed when the attempt ends, a failure was
	// counted meanwhile, and the attempt says nothing new.
	failures atomic.Uint64

	errOpen, errBusy error

	// State changes happen under gobreaker's lock, where calling hooks
	// could deadlock (a hook that asks Open); they queue here and are
	// delivered, in order, by whoever gets deliver. evMu also serialises
	// the mirrors' updates with closeNow.
	evMu    sync.Mutex
	events  []rt.BreakerInfo
	pending atomic.Int32
	deliver sync.Mutex
}

func newBreakerEntry(name string, n *rt.Node, scheme, prefix string, s breakerSettings) *breakerEntry {
	e := &breakerEntry{
		name:          name,
		node:          n,
		scheme:        scheme,
		prefix:        prefix,
		max:           s.st.MaxRequests,
		trip:          s.trip,
		countRefusals: s.countRefusals,
		consecutive:   s.consecutive,
		lastResort:    s.lastResort,
		hooks:         s.hooks,
		errOpen:       fmt.Errorf("%w: %s", rt.ErrBreakerOpen, name),
		errBusy:       fmt.Errorf("%w: %s is half-open and its probes are in flight", rt.ErrBreakerOpen, name),
	}
	e.settings = s.st
	e.settings.Name = name
	e.clean.Store(true)
	e.cb.Store(e.newBreaker())
	return e
}

// newBreaker returns a closed gobreaker for e. Its callbacks act only while
// it is e's current breaker: once closeNow has replaced it, outcomes still
// due to it count as nothing and its state changes are not e's.
func (e *breakerEntry) newBreaker() *gobreaker.CircuitBreaker[struct{}] {
	var cb *gobreaker.CircuitBreaker[struct{}]
	st := e.settings
	st.ReadyToTrip = e.readyToTrip
	st.IsExcluded = func(err error) bool { return e.cb.Load() != cb || e.isExcluded(err) }
	st.IsSuccessful = e.isSuccessful
	st.OnStateChange = func(_ string, from, to gobreaker.State) { e.changed(cb, from, to) }
	cb = gobreaker.NewCircuitBreaker[struct{}](st)
	return cb
}

// closeNow closes the breaker, for a last resort that succeeded while it
// was open or half-open. gobreaker/v2 has no way to close a breaker from
// outside: its only way to closed is through half-open, once Timeout has
// run out. So closeNow replaces the breaker with a new, closed one, with
// the state change a transition would have: outcomes of attempts that
// the old breaker admitted count as nothing, as gobreaker drops outcomes
// from before a state change.
func (e *breakerEntry) closeNow() {
	e.evMu.Lock()
	defer e.evMu.Unlock()
	from := gobreaker.State(e.state.Load())
	if from == gobreaker.StateClosed {
		return // closed meanwhile
	}
	e.cb.Store(e.newBreaker())
	e.gen.Add(1)
	e.state.Store(int32(gobreaker.StateClosed))
	e.clean.Store(true)
	e.events = append(e.events, rt.BreakerInfo{Name: e.name, Node: e.node, From: breakerStateOf(from), To: rt.BreakerClosed})
	e.pending.Add(1)
}

// Verdicts of an attempt, as gobreaker sees them: nil is a success.
var (
	errBreakerFailure  = errors.New("esrt: breaker: failure")
	errBreakerExcluded = errors.New("esrt: breaker: not counted")
)

// breakerLate is the verdict of an attempt that gobreaker did not admit
// (see roundTripClean), with the number of state changes when it started.
type breakerLate struct {
	gen     uint64
	verdict error
}

func (l *breakerLate) Error() string { return "esrt: breaker: late verdict" }

// The callbacks below run under gobreaker's lock, in this order for each
// outcome: isExcluded, then isSuccessful, then readyToTrip on a failure
// in the closed state. Outcomes of an earlier generation never reach them.

func (e *breakerEntry) isExcluded(err error) bool {
	if l, ok := err.(*breakerLate); ok {
		if l.gen != e.gen.Load() {
			return true // the breaker changed state since: gobreaker would drop it
		}
		err = l.verdict
	}
	return err == errBreakerExcluded
}

func (e *breakerEntry) isSuccessful(err error) bool {
	if l, ok := err.(*breakerLate); ok {
		err = l.verdict
	}
	if err != nil {
		return false
	}
	if gobreaker.State(e.state.Load()) == gobreaker.StateClosed {
		e.clean.Store(true) // a success in the closed state ends a run of failures
	}
	return true
}

func (e *breakerEntry) readyToTrip(c gobreaker.Counts) bool {
	e.clean.Store(false)
	return e.trip(c)
}

// fresh returns the verdict v of an attempt that started when e.failures
// was seen, for a consecutive breaker: nothing when a failure was counted
// since the attempt started, which tells all it could (the attempts in
// flight when a node dies fail together, as one event); and for a
// failure, it claims the count, so that of several attempts that started
// together and fail together, one counts.
func (e *breakerEntry) fresh(v error, seen uint64) error {
	if !e.consecutive || v == errBreakerExcluded {
		return v
	}
	if v == nil {
		if e.failures.Load() != seen {
			return errBreakerExcluded
		}
		return nil
	}
	if !e.failures.CompareAndSwap(seen, seen+1) {
		return errBreakerExcluded
	}
	return v
}

// roundTrip sends req through next if the breaker allows it, and reports
// the outcome exactly once, when next returns.
func (e *breakerEntry) roundTrip(next http.RoundTripper, req *http.Request) (*http.Response, error) {
	if e.consecutive && e.clean.Load() {
		return e.roundTripClean(next, req)
	}
	ctx := req.Context()
	var (
		res  *http.Response
		err  error
		sent bool
	)
	seen := e.failures.Load()
	// Execute reports the verdict when the function returns, or panics;
	// the function does not escape, so none of this allocates.
	_, refused := e.cb.Load().Execute(func() (struct{}, error) {
		sent = true
		res, err = next.RoundTrip(req)
		return struct{}{}, e.fresh(e.verdict(ctx, res, err), seen)
	})
	if e.pending.Load() != 0 {
		e.flush(rt.HooksFrom(ctx))
	}
	if !sent {
		if e.lastResort && rt.LastResortFrom(ctx) {
			// The router had no other node to send it to, or probes a
			// dead node. A failure is not counted: the breaker did not
			// admit it, and gobreaker drops the outcomes of an open
			// breaker anyway. A success means the node is back, unless
			// a failure was counted while it was on its way: that
			// failure is newer news.
			seen := e.failures.Load()
			res, err = next.RoundTrip(req)
			if e.verdict(ctx, res, err) == nil && e.failures.Load() == seen {
				e.closeNow()
				e.flush(rt.HooksFrom(ctx))
			}
			return res, err
		}
		if req.Body != nil {
			req.Body.Close()
		}
		if errors.Is(refused, gobreaker.ErrTooManyRequests) {
			return nil, e.errBusy
		}
		return nil, e.errOpen
	}
	return res, err
}

// roundTripClean sends an attempt through a breaker that is closed and
// remembers no failure, without asking gobreaker (which reads the clock
// twice and takes its lock twice): closed, it admits every attempt, and a
// success would change nothing in it. Any other outcome, or a success when
// a failure was counted meanwhile, is reported when next returns (or
// panics), with the generation it started in, so that gobreaker drops it
// if the breaker changed state meanwhile, as it drops late outcomes of its
// own.
func (e *breakerEntry) roundTripClean(next http.RoundTripper, req *http.Request) (res *http.Response, err error) {
	ctx := req.Context()
	gen := e.gen.Load()
	seen := e.failures.Load()
	returned := false
	defer func() {
		if !returned {
			e.report(ctx, gen, errBreakerFailure) // next panicked; the panic goes on
		}
	}()
	res, err = next.RoundTrip(req)
	returned = true
	if v := e.fresh(e.verdict(ctx, res, err), seen); v != nil || !e.clean.Load() {
		e.report(ctx, gen, v)
	}
	return res, err
}

// report counts the verdict of an attempt that started in generation gen
// without being admitted by gobreaker.
func (e *breakerEntry) report(ctx context.Context, gen uint64, verdict error) {
	late := &breakerLate{gen: gen, verdict: verdict}
	e.cb.Load().Execute(func() (struct{}, error) { return struct{}{}, late })
	if e.pending.Load() != 0 {
		e.flush(rt.HooksFrom(ctx))
	}
}

// verdict classifies an attempt for the breaker. ctx is the context the
// attempt was sent with.
func (e *breakerEntry) verdict(ctx context.Context, res *http.Response, err error) error {
	if ctx.Err() != nil {
		return errBreakerExcluded // the caller gave up, or a hedge lost
	}
	if err != nil {
		var le *rt.LocalError
		switch {
		case errors.As(err, &le):
			return errBreakerExcluded // failed in the client, before sending
		case errors.Is(err, context.Canceled):
			return errBreakerExcluded // cancelled from below, not failed
		case errors.Is(err, rt.ErrBreakerOpen), errors.Is(err, rt.ErrNoNode):
			if e.countRefusals {
				return errBreakerFailure
			}
			return errBreakerExcluded
		}
		return errBreakerFailure
	}
	if res == nil {
		return errBreakerFailure // a broken next
	}
	switch res.StatusCode {
	case http.StatusTooManyRequests:
		return errBreakerExcluded
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return errBreakerFailure
	}
	return nil
}

// changed is cb's OnStateChange; it runs under cb's lock.
func (e *breakerEntry) changed(cb *gobreaker.CircuitBreaker[struct{}], from, to gobreaker.State) {
	e.evMu.Lock()
	defer e.evMu.Unlock()
	if e.cb.Load() != cb {
		return // replaced by closeNow
	}
	e.gen.Add(1)
	e.state.Store(int32(to))
	e.clean.Store(to == gobreaker.StateClosed) // a new generation starts without counts
	e.events = append(e.events, rt.BreakerInfo{Name: e.name, Node: e.node, From: breakerStateOf(from), To: breakerStateOf(to)})
	e.pending.Add(1)
}

// flush delivers the queued state changes to the configured hooks, then
// to hooks (the current request's, or nil). Changes of one breaker are
// delivered in order and never concurrently. When another goroutine is
// delivering, flush leaves the queue to it (without waiting, so a hook
// that calls back into the breaker cannot deadlock): the changes then
// reach that goroutine's request hooks rather than this one's.
func (e *breakerEntry) flush(hooks *rt.Hooks) {
	for e.pending.Load() != 0 && e.deliver.TryLock() {
		for {
			e.evMu.Lock()
			evs := e.events
			e.events = nil
			e.pending.Add(-int32(len(evs)))
			e.evMu.Unlock()
			if len(evs) == 0 {
				break
			}
			for _, ev := range evs {
				e.hooks.BreakerChange(ev)
				hooks.BreakerChange(ev)
			}
		}
		e.deliver.Unlock()
	}
}

// idle reports whether the breaker is closed, remembers no failure and
// has no state change waiting for the hooks.
func (e *breakerEntry) idle() bool { return e.clean.Load() && e.pending.Load() == 0 }

func breakerStateOf(s gobreaker.State) rt.BreakerState {
	switch s {
	case gobreaker.StateOpen:
		return rt.BreakerOpen
	case gobreaker.StateHalfOpen:
		return rt.BreakerHalfOpen
	}
	return rt.BreakerClosed
}
