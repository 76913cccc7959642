package discovery

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esrt-dev/esrt/internal/check"
	"github.com/esrt-dev/esrt/rt"
)

// Defaults of [Config].
const (
	// DefaultMinDelay is the shortest time between the start of one sniff and
	// a sniff triggered by [Sniffer.NodeFailed].
	DefaultMinDelay = 10 * time.Second
	// DefaultRequestTimeout bounds one sniff request to one node.
	DefaultRequestTimeout = 5 * time.Second
	// DefaultMaxNodes is the most nodes a nodes info answer may list. The
	// largest Elasticsearch and OpenSearch clusters run a few hundred
	// nodes; an answer beyond this is broken or hostile, not a cluster.
	DefaultMaxNodes = 5000
)

// maxFailed caps the node failures remembered between two sniffs.
const maxFailed = 1024

var (
	// ErrStopped is returned by [Sniffer.Sniff] and [Sniffer.Run] once a
	// node answered the nodes info request with 401, 403 or 404: the cluster
	// (an AWS domain, a SaaS offering, a proxy) does not let this client
	// discover nodes, and asking again would not change that.
	ErrStopped = errors.New("esrt: discovery stopped: nodes info refused")

	// ErrNoNodes is returned by [Sniffer.Sniff] when the nodes info answer
	// held no node to publish (after the filter); the published set stays as
	// it was.
	ErrNoNodes = errors.New("esrt: sniff found no usable node")

	// ErrTooManyNodes is returned by [Sniffer.Sniff] when the nodes info
	// answer listed more nodes than Config.MaxNodes; the published set
	// stays as it was.
	ErrTooManyNodes = errors.New("esrt: sniff refused: the answer lists more nodes than MaxNodes")

	// ErrUnreachable is returned by [Sniffer.Sniff] when none of the
	// nodes of a new set that were asked answered (addresses published
	// for another network: Docker, a proxy, a load balancer); the
	// published set stays as it was.
	ErrUnreachable = errors.New("esrt: sniff: published addresses do not answer")
)

// Config configures a [Sniffer]. The zero value of every field except Seeds
// is a documented default.
type Config struct {
	// Seeds are the configured nodes (see [Seeds] and [ParseCloudID]). A
	// sniff asks them when no published node answers. At least one is
	// required.
	Seeds []*rt.Node

	// Transport sends the sniff requests. Pass the base transport (TLS
	// settings, connection pool), not the middleware chain: a sniff goes to
	// one given node and must not be retried elsewhere or routed. If nil,
	// [http.DefaultTransport].
	Transport http.RoundTripper

	// Publish receives every new node set, sorted by [rt.Node.Key]: it is
	// called after a sniff whose result differs from the last one published,
	// never concurrently, from the goroutine that sniffs. It owns the slice;
	// the nodes are shared and immutable. It should return quickly (replace
	// a pool snapshot). If nil, the set is only available from
	// [Sniffer.Nodes].
	Publish func([]*rt.Node)

	// Interval is the time between periodic sniffs in [Sniffer.Run], varied
	// by up to ±10 % so that many clients do not sniff in step. Any sniff
	// restarts the interval. If zero, Run sniffs only after
	// [Sniffer.NodeFailed].
	Interval time.Duration

	// MinDelay is the shortest time from the start of one sniff to a sniff
	// triggered by [Sniffer.NodeFailed]. If zero, [DefaultMinDelay].
	MinDelay time.Duration

	// RequestTimeout bounds each sniff request to one node. If zero,
	// [DefaultRequestTimeout].
	RequestTimeout time.Duration

	// Header is sent with every sniff request (User-Agent, ...). If nil, no
	// extra headers.
	Header http.Header

	// Auth is the credential of sniff requests to nodes whose URL has no
	// userinfo; userinfo, turned into basic auth, wins, and Auth wins over
	// an Authorization in Header. If zero, none.
	Auth rt.Auth

	// Filter narrows the discovered nodes that are kept: a node is kept if
	// it is not a dedicated master ([IsDedicatedMaster]) and Filter
	// reports true. Dedicated masters are skipped whatever Filter says. If
	// nil, every node but dedicated masters is kept.
	Filter func(*rt.Node) bool

	// MaxNodes is the most nodes one nodes info answer may list (entries
	// of its "nodes" object, before Filter). An answer that lists more is
	// refused whole, with a Warn log line: the published set stays as it
	// was ([ErrTooManyNodes]). If zero, [DefaultMaxNodes]; negative is an
	// error.
	MaxNodes int

	// Logger receives the sniff outcomes: published sets at Info, failures
	// and the stop at Warn, each failed request at Debug. Credentials and
	// userinfo are never logged. If nil, nothing is logged.
	Logger *slog.Logger
}

// Sniffer discovers the nodes of a cluster by asking one node at a time for
// GET /_nodes/http, and publishes the node set it finds.
//
// Creating a Sniffer does no I/O and starts no goroutine. [Sniffer.Sniff]
// sniffs once, synchronously (the sniff on start); [Sniffer.Run] sniffs
// periodically and after [Sniffer.NodeFailed] until its context is done.
// All methods are safe for concurrent use; sniffs never overlap.
type Sniffer struct {
	seeds     []*rt.Node
	transport http.RoundTripper
	publish   func([]*rt.Node)
	interval  time.Duration
	minDelay  time.Duration
	timeout   time.Duration
	header    http.Header
	auth      rt.Auth
	keep      func(*rt.Node) bool // not a dedicated master, and Filter
	maxNodes  int
	log       *slog.Logger

	sem     chan struct{} // holds one token while a sniff runs
	trigger chan struct{} // NodeFailed → Run, coalesced (capacity 1)
	running atomic.Bool
	stopped atomic.Bool

	mu        sync.Mutex
	published []*rt.Node
	last      time.Time       // start of the latest sniff
	failed    map[string]bool // keys of nodes reported failed since then
	rotate    int             // first published node to ask, rotating
}

// NewSniffer checks cfg and returns a Sniffer. It does no I/O and starts no
// goroutine. Errors are [*rt.ConfigError] values.
func NewSniffer(cfg Config) (*Sniffer, error) {
	if len(cfg.Seeds) == 0 {
		return nil, &rt.ConfigError{Field: "Seeds", Err: errors.New("no seed node")}
	}
	for i, n := range cfg.Seeds {
		if n == nil || n.URL == nil || n.URL.Host == "" {
			return nil, &rt.ConfigError{Field: fmt.Sprintf("Seeds[%d]", i), Err: errors.New("nil node or node without host")}
		}
	}
	if err := cmp.Or(check.Duration("Interval", cfg.Interval), check.Duration("MinDelay", cfg.MinDelay),
		check.Duration("RequestTimeout", cfg.RequestTimeout), check.Count("MaxNodes", cfg.MaxNodes)); err != nil {
		return nil, err
	}
	keep := func(n *rt.Node) bool { return !IsDedicatedMaster(n) }
	if f := cfg.Filter; f != nil {
		keep = func(n *rt.Node) bool { return !IsDedicatedMaster(n) && f(n) }
	}
	s := &Sniffer{
		seeds:     slices.Clone(cfg.Seeds),
		transport: cfg.Transport,
		publish:   cfg.Publish,
		interval:  cfg.Interval,
		minDelay:  cmp.Or(cfg.MinDelay, DefaultMinDelay),
		timeout:   cmp.Or(cfg.RequestTimeout, DefaultRequestTimeout),
		header:    cfg.Header.Clone(),
		auth:      cfg.Auth,
		keep:      keep,
		maxNodes:  cmp.Or(cfg.MaxNodes, DefaultMaxNodes),
		log:       cfg.Logger,
		sem:       make(chan struct{}, 1),
		trigger:   make(chan struct{}, 1),
		failed:    make(map[string]bool),
	}
	if s.transport == nil {
		s.transport = http.DefaultTransport
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// Nodes returns the last published node set, or nil before the first one.
// The caller owns the slice; the nodes are shared and immutable.
func (s *Sniffer) Nodes() []*rt.Node {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.published)
}

// Stopped reports whether discovery has stopped after a 401, 403 or 404
// answer (see [ErrStopped]).
func (s *Sniffer) Stopped() bool { return s.stopped.Load() }

// NodeFailed reports that a request to n failed in a way that suggests the
// cluster changed (connection refused, 502/503/504). It never blocks: it asks
// a running [Sniffer.Run] to sniff, no sooner than MinDelay after the start
// of the previous sniff; reports that arrive before that sniff starts are
// served by it. The next sniff asks n last. Without a running Run the
// request waits for the next one; after discovery stopped NodeFailed does
// nothing. n may be nil. The root package calls it from a hook such as
// [rt.Hooks] OnNodeDown.
func (s *Sniffer) NodeFailed(n *rt.Node) {
	if s.stopped.Load() {
		return
	}
	if n != nil && n.URL != nil {
		s.mu.Lock()
		if len(s.failed) < maxFailed {
			s.failed[n.Key()] = true
		}
		s.mu.Unlock()
	}
	select {
	case s.trigger <- struct{}{}:
	default:
	}
}
