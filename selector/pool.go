package selector

import (
	"cmp"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esrt-dev/esrt/rt"
)

// PoolConfig configures a [Pool]. The zero value is a valid, empty
// configuration: a pool without seeds, which routes nowhere until
// [Pool.Update] gives it nodes.
type PoolConfig struct {
	// Seeds are the configured nodes (the addresses the user wrote down).
	// The pool starts with them, and falls back to them whenever no node of
	// the set last given to [Pool.Update] is live. Seeds are never filtered.
	// If nil, the pool has no fallback.
	Seeds []*rt.Node

	// Selector chooses one of the live nodes for each attempt. If nil,
	// [LatencyAware].
	Selector Selector

	// Filter, if not nil, keeps only the nodes given to Update for which it
	// returns true (for instance [Attribute] for zone-pinned routing). When
	// it keeps none, the pool uses the seeds. If nil, every node is kept.
	Filter func(*rt.Node) bool

	// Exclude, if not nil, is asked at every pick whether a node must be
	// skipped for now, typically because its circuit breaker is open
	// (middleware.Breakers.Open). An excluded node is passed over as long
	// as another node can be chosen: another live node (preferred ones
	// first), else a dead node that is not excluded. When every node is
	// excluded the choice stands as a last resort, since a request never
	// fails for lack of a node: the router marks the attempt as a
	// last resort, and the breaker that excluded the node lets it
	// through. Nodes pinned with [rt.WithNode] are never passed over, and
	// are last resorts when excluded; so is the probe of a dead node that
	// is due, so that a breaker never keeps a node out longer than the
	// dead-node schedule (see [Pool]). Exclude is called on the request
	// path, concurrently: it must be fast and must not block. If nil, no
	// node is excluded.
	Exclude func(*rt.Node) bool

	// Prefer, if not nil, marks preferred nodes, typically those in the
	// caller's zone ([Attribute]). While any preferred node is live, the
	// selector chooses among preferred nodes only. If nil, no preference.
	Prefer func(*rt.Node) bool

	// DeadTimeout is how long a node stays out of rotation after it fails
	// (see [Pool] for the schedule of its probes), and the shortest wait
	// between two probes of a dead node. If 0, 1 s.
	DeadTimeout time.Duration

	// MaxDeadTimeout is the longest wait between two probes of a dead
	// node. If 0, 60 s; a value below DeadTimeout counts as DeadTimeout.
	MaxDeadTimeout time.Duration

	// Jitter spreads each wait by up to this fraction either way, so that
	// many clients do not probe a returning node at once. If 0, 0.2
	// (±20 %); a negative value disables jitter.
	Jitter float64

	// TimeoutFailures is how many consecutive attempt timeouts count as one
	// failure of a node. A single slow response only feeds the latency
	// estimate. If 0, 3.
	TimeoutFailures int

	// LatencyDecay is the time constant of the latency estimate: a sample's
	// weight falls to 1/e after this long. If 0, 10 s.
	LatencyDecay time.Duration

	// Now returns the current time; tests inject a fake clock. It drives
	// the dead-node schedule, latency decay and attempt durations. If nil,
	// the system clock, read through its monotonic reading so that a
	// wall-clock step does not distort attempt durations.
	Now func() time.Time

	// Rand returns a number in [0, 1) for jitter; it must be safe for
	// concurrent use. If nil, math/rand/v2.Float64.
	Rand func() float64

	// Hooks receive node down/up and attempt start/done events of every
	// request, in addition to (and before) the hooks carried by each
	// request's context ([rt.WithHooks]). If nil, only those.
	Hooks *rt.Hooks
}

// Attribute returns a node predicate that is true for nodes whose
// attribute name has the given value, as discovery reports node.attr.*
// settings. Use it as PoolConfig.Prefer for zone-aware routing
// (Attribute("zone", "eu-west-1a")) or as PoolConfig.Filter to restrict a
// pool to some nodes.
func Attribute(name, value string) func(*rt.Node) bool {
	return func(n *rt.Node) bool {
		v, ok := n.Attributes[name]
		return ok && v == value
	}
}

// Pool is a set of nodes with their health and load. Selection reads an
// immutable snapshot through an atomic pointer: it never blocks and never
// takes a lock. Health transitions (a node going down or coming back) and
// [Pool.Update] build a new snapshot under a mutex that only writers take.
// Counters that change on every request (in-flight count, latency estimate)
// are atomics in per-node state that snapshots share, so that a request
// does not cost a snapshot.
//
// A node that fails (see [Router] for what counts) is dead: out of
// rotation until its probe. A node that has been dead for T is probed
// after waiting T/2, at least DeadTimeout and at most MaxDeadTimeout,
// ±Jitter: with the defaults at about 1, 2, 3, 4.5, 6.8, 10 s... into an
// outage, then every 60 s once it has lasted two minutes. So a node that
// comes back after an outage of T is found within max(DeadTimeout, T/2)
// ±Jitter, at most MaxDeadTimeout ±Jitter: within 1.8 s of its return
// after a 3 s outage. Exactly one request at a time probes (single
// flight); a successful probe brings the node back.
//
// A Pool is safe for concurrent use. It starts no goroutine: dead nodes are
// brought back by the requests themselves (see the package documentation).
type Pool struct {
	sel             Selector
	filter, prefer  func(*rt.Node) bool
	exclude         func(*rt.Node) bool
	base, maxDead   time.Duration
	jitter          float64
	timeoutFailures int32
	tau             float64          // LatencyDecay in nanoseconds
	clock           func() time.Time // PoolConfig.Now; nil: the monotonic clock
	rand            func() float64
	hooks           *rt.Hooks

	snap atomic.Pointer[snapshot]

	mu    sync.Mutex  // serialises writers: Update and health transitions
	set   []Candidate // the current set, filtered
	seeds []Candidate // every seed; seeds in set share its health
}

// NewPool returns a pool of cfg.Seeds. It returns an error wrapping
// [rt.ErrInvalidConfig] (a [*rt.ConfigError]) for a negative duration, a
// jitter over 1, a negative TimeoutFailures or a nil seed.
func NewPool(cfg PoolConfig) (*Pool, error) {
	switch {
	case cfg.DeadTimeout < 0:
		return nil, &rt.ConfigError{Field: "DeadTimeout", Err: errNegative}
	case cfg.MaxDeadTimeout < 0:
		return nil, &rt.ConfigError{Field: "MaxDeadTimeout", Err: errNegative}
	case cfg.LatencyDecay < 0:
		return nil, &rt.ConfigError{Field: "LatencyDecay", Err: errNegative}
	case cfg.TimeoutFailures < 0:
		return nil, &rt.ConfigError{Field: "TimeoutFailures", Err: errNegative}
	case cfg.Jitter > 1:
		return nil, &rt.ConfigError{Field: "Jitter", Err: errors.New("over 1")}
	}
	p := &Pool{
		sel:             cfg.Selector,
		filter:          cfg.Filter,
		prefer:          cfg.Prefer,
		exclude:         cfg.Exclude,
		base:            cmp.Or(cfg.DeadTimeout, time.Second),
		maxDead:         cmp.Or(cfg.MaxDeadTimeout, 60*time.Second),
		jitter:          cmp.Or(cfg.Jitter, 0.2),
		timeoutFailures: int32(cmp.Or(cfg.TimeoutFailures, 3)),
		tau:             float64(cmp.Or(cfg.LatencyDecay, 10*time.Second)),
		clock:           cfg.Now,
		rand:            cfg.Rand,
		hooks:           cfg.Hooks,
	}
	if p.sel == nil {
		p.sel = LatencyAware()
	}
	if p.rand == nil {
		p.rand = rand.Float64
	}
	if p.maxDead < p.base {
		p.maxDead = p.base
	}
	seen := make(map[string]bool)
	for i, n := range cfg.Seeds {
		if n == nil || n.URL == nil {
			return nil, &rt.ConfigError{Field: "Seeds[" + strconv.Itoa(i) + "]", Err: errors.New("nil node")}
		}
		if k := n.Key(); !seen[k] {
			seen[k] = true
			p.seeds = append(p.seeds, Candidate{Node: n, h: &health{p: p}})
		}
	}
	p.set = p.seeds
	p.mu.Lock()
	p.publishLocked()
	p.mu.Unlock()
	return p, nil
}

var errNegative = errors.New("negative")

// Update replaces the pool's node set with nodes, as discovery found them.
// Nodes that stay (same [rt.Node.Key]) keep their health and latency
// state; new nodes start with the pool's median latency. Nodes that leave
// are forgotten: an attempt still in flight to one of them reports nothing.
// Nil nodes and duplicates (by key) are skipped, as are nodes that the
// configured Filter rejects. An empty set makes the pool use its seeds.
// The caller must not modify nodes or the nodes it holds afterwards.
func (p *Pool) Update(nodes []*rt.Node) {
	now := p.nowNanos()
	p.mu.Lock()
	defer p.mu.Unlock()
	known := make(map[string]*health, len(p.set)+len(p.seeds))
	for _, c := range p.seeds {
		known[c.Node.Key()] = c.h
	}
	for _, c := range p.set {
		known[c.Node.Key()] = c.h
	}
	med := p.medianLocked(now)
	set := make([]Candidate, 0, len(nodes))
	kept := make(map[*health]bool, len(nodes))
	for _, n := range nodes {
		if n == nil || n.URL == nil || (p.filter != nil && !p.filter(n)) {
			continue
		}
		h := known[n.Key()]
		if h == nil {
			h = &health{p: p}
			h.lat.Reset(med, now)
			known[n.Key()] = h
		}
		if kept[h] {
			continue
		}
		kept[h] = true
		set = append(set, Candidate{Node: n, h: h})
	}
	for _, c := range p.seeds {
		kept[c.h] = true
	}
	for _, c := range p.set {
		if !kept[c.h] {
			c.h.removed.Store(true)
		}
	}
	p.set = set
	p.publishLocked()
}

// medianLocked returns the median latency estimate of the live nodes that
// have one, in nanoseconds, or 0.
func (p *Pool) medianLocked(now int64) float64 {
	var lats []float64
	add := func(cs []Candidate) {
		for _, c := range cs {
			if v, ok := c.h.lat.Value(now, p.tau); ok && !c.h.dead.Load() {
				lats = append(lats, v)
			}
		}
	}
	add(p.set)
	add(p.seeds)
	if len(lats) == 0 {
		return 0
	}
	slices.Sort(lats)
	return lats[len(lats)/2]
}
