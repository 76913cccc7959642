package selector

import (
	"cmp"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esrt-dev/esrt/internal/latency"
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
	// fails for lack of a node: the router marks the attempt with
	// [rt.WithLastResort], and the breaker that excluded the node lets it
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

// never is the nextDue of a snapshot without dead nodes.
const never = math.MaxInt64

// snapshot is one immutable view of the pool. Its slices are never
// modified after publication, so selectors may keep them.
type snapshot struct {
	set   []Candidate // current set (Status, pins)
	seeds []Candidate // seeds that are not in set
	live  []Candidate // live nodes of the active group: set, or seeds when no node of set is live
	pref  []Candidate // preferred subset of live
	dead  []Candidate // dead nodes that may be probed or forced
	// nextDue is the earliest retryAt of dead, in Unix nanoseconds.
	nextDue int64
}

// health is the state of one node, shared by every snapshot the node is
// in. Fields written on health transitions are written under Pool.mu and
// read atomically without it.
type health struct {
	p *Pool // nil for candidates built by NewCandidate

	dead     atomic.Bool
	failures atomic.Int32 // consecutive failures; reset by a success
	retryAt  atomic.Int64 // Unix nanoseconds; while dead, when it may be probed
	deadAt   atomic.Int64 // Unix nanoseconds; while dead, when it went down
	// downs counts the node's transitions from live to dead. A pick
	// records it, so that the outcome of an attempt that started before
	// the node last went down is known to be stale.
	downs    atomic.Uint32
	removed  atomic.Bool  // left the pool: reports are ignored
	probing  atomic.Bool  // a probe is in flight (single-flight resurrection)
	timeouts atomic.Int32 // consecutive attempt timeouts
	inflight atomic.Int64
	// picked is when the latency-aware selector last chose the node, in
	// Unix nanoseconds; next to inflight, which an attempt writes anyway.
	picked   atomic.Int64
	lat      latency.Average
	explored atomic.Int64 // Unix nanoseconds of the last exploration pick
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

// publishLocked builds and publishes a snapshot of the current state.
func (p *Pool) publishLocked() {
	s := &snapshot{set: p.set, nextDue: never}
	inSet := make(map[*health]bool, len(p.set))
	for _, c := range p.set {
		inSet[c.h] = true
	}
	for _, c := range p.seeds {
		if !inSet[c.h] {
			s.seeds = append(s.seeds, c)
		}
	}
	split := func(cs []Candidate) {
		for _, c := range cs {
			if c.h.dead.Load() {
				s.dead = append(s.dead, c)
			} else {
				s.live = append(s.live, c)
			}
		}
	}
	split(s.set)
	if len(s.live) == 0 {
		// Every node of the set is dead (or the set is empty): fall back
		// to the seeds, and keep probing the set's dead nodes.
		split(s.seeds)
	}
	if p.prefer != nil {
		for _, c := range s.live {
			if p.prefer(c.Node) {
				s.pref = append(s.pref, c)
			}
		}
	}
	for _, c := range s.dead {
		s.nextDue = min(s.nextDue, c.h.retryAt.Load())
	}
	p.snap.Store(s)
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

// nowNanos returns the current time in Unix nanoseconds. Without an
// injected clock it reads only the monotonic clock (about half the cost of
// time.Now), offset so that it reads as Unix time: the router reads the
// time twice per attempt.
func (p *Pool) nowNanos() int64 {
	if p.clock != nil {
		return p.clock().UnixNano()
	}
	return epochUnix + int64(time.Since(epoch))
}

// epoch anchors the monotonic clock to Unix time once per process.
var (
	epoch     = time.Now()
	epochUnix = epoch.UnixNano()
)

// deadWait returns how long a node that has been dead for down waits for
// its next probe: down/2, at least the DeadTimeout and at most the
// MaxDeadTimeout, then jittered. Waiting half the outage so far bounds the
// time between a node's return and its discovery by half the outage,
// whatever its length, where doubling the wait after each failed probe
// (min(base·2^(n-1), max), the schedule of most clients) can leave a node
// that is back unused for as long as it was away; and the waits still
// grow geometrically (×1.5 a probe), so a long outage costs few probes.
func (p *Pool) deadWait(down time.Duration) time.Duration {
	d := min(max(down/2, p.base), p.maxDead)
	if p.jitter > 0 {
		d = time.Duration(float64(d) * (1 + p.jitter*(2*p.rand()-1)))
	}
	return d
}

// Len returns how many nodes the pool knows: the current set and the seeds
// that are not in it, as [Pool.Status] lists them. It does not allocate.
func (p *Pool) Len() int {
	s := p.snap.Load()
	return len(s.set) + len(s.seeds)
}

// NodeStatus is the state of one node of a pool, as [Pool.Status] reports
// it.
type NodeStatus struct {
	Node *rt.Node
	// Seed reports whether the node is a seed that is not part of the set
	// last given to Update: it is used only as a fallback.
	Seed bool
	// Dead reports whether the node is out of rotation.
	Dead bool
	// Failures is the number of consecutive failures.
	Failures int
	// RetryAt is when a dead node may be probed; zero for a live node.
	RetryAt time.Time
	// DeadSince is when a dead node went down; zero for a live node.
	DeadSince time.Time
	// InFlight is the number of attempts sent to the node whose response
	// body is not yet closed or read to the end.
	InFlight int
	// Latency is the node's latency estimate, or 0 before any sample.
	Latency time.Duration
}

// Status returns the state of every node of the pool: the current set,
// then the seeds that are not in it.
func (p *Pool) Status() []NodeStatus {
	s := p.snap.Load()
	now := p.nowNanos()
	out := make([]NodeStatus, 0, len(s.set)+len(s.seeds))
	add := func(cs []Candidate, seed bool) {
		for _, c := range cs {
			st := NodeStatus{
				Node:     c.Node,
				Seed:     seed,
				Dead:     c.h.dead.Load(),
				Failures: int(c.h.failures.Load()),
				InFlight: int(c.h.inflight.Load()),
			}
			if st.Dead {
				st.RetryAt = time.Unix(0, c.h.retryAt.Load())
				st.DeadSince = time.Unix(0, c.h.deadAt.Load())
			}
			if v, ok := c.h.lat.Value(now, p.tau); ok {
				st.Latency = time.Duration(v)
			}
			out = append(out, st)
		}
	}
	add(s.set, false)
	add(s.seeds, true)
	return out
}
