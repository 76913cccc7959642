package discovery

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

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

const (
	// sniffPath is the nodes info endpoint, relative to a node's path
	// prefix.
	sniffPath = "/_nodes/http"
	// maxPublishedTries is how many published nodes one sniff asks before it
	// turns to the seeds, so that a sniff reaches the seeds quickly when the
	// published nodes hang.
	maxPublishedTries = 3
	// maxBodySize caps the nodes info body (about 1 KiB per node).
	maxBodySize = 32 << 20
	// maxFailed caps the node failures remembered between two sniffs.
	maxFailed = 1024
	// maxChecks is how many nodes of a new set are asked whether they
	// answer before the set is published.
	maxChecks = 3
	// maxCheckTimeout bounds that check (RequestTimeout bounds it too, if
	// shorter): a node that answers at all does so within milliseconds.
	maxCheckTimeout = 2 * time.Second
)

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
	for _, d := range []struct {
		field string
		v     time.Duration
	}{{"Interval", cfg.Interval}, {"MinDelay", cfg.MinDelay}, {"RequestTimeout", cfg.RequestTimeout}} {
		if d.v < 0 {
			return nil, &rt.ConfigError{Field: d.field, Err: fmt.Errorf("negative duration %v", d.v)}
		}
	}
	if cfg.MaxNodes < 0 {
		return nil, &rt.ConfigError{Field: "MaxNodes", Err: fmt.Errorf("negative count %d", cfg.MaxNodes)}
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

// Run sniffs every Interval (if set) and after [Sniffer.NodeFailed], until
// ctx is done, when it returns ctx.Err(), or until discovery stops, when it
// returns [ErrStopped]. It does not sniff at once: call [Sniffer.Sniff]
// first for a sniff on start. Failed sniffs are logged and tried again at the
// next trigger. Run leaves no goroutine behind. Only one Run may be active at
// a time; a second one returns an error at once.
func (s *Sniffer) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("esrt: discovery: Run is already running")
	}
	defer s.running.Store(false)

	var tick <-chan time.Time
	var periodic *time.Timer
	if s.interval > 0 {
		periodic = time.NewTimer(s.jitter())
		defer periodic.Stop()
		tick = periodic.C
	}
	for {
		if s.stopped.Load() {
			return ErrStopped
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick:
		case <-s.trigger:
			if err := s.waitMinDelay(ctx); err != nil {
				return err
			}
			// Failures reported while waiting are served by this sniff.
			select {
			case <-s.trigger:
			default:
			}
		}
		// The outcome is logged by Sniff; a failure is retried at the next
		// trigger.
		_ = s.Sniff(ctx)
		if periodic != nil {
			periodic.Reset(s.jitter())
		}
	}
}

// jitter returns Interval varied by up to ±10 %.
func (s *Sniffer) jitter() time.Duration {
	spread := s.interval / 5
	if spread <= 0 {
		return s.interval
	}
	return s.interval - spread/2 + rand.N(spread+1)
}

// waitMinDelay waits until MinDelay has passed since the start of the last
// sniff.
func (s *Sniffer) waitMinDelay(ctx context.Context) error {
	s.mu.Lock()
	last := s.last
	s.mu.Unlock()
	if last.IsZero() {
		return nil
	}
	d := time.Until(last.Add(s.minDelay))
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Sniff asks the cluster for its nodes once and publishes the result. It is
// the sniff on start: bound it with a context deadline. It asks up to three
// of the last published nodes (those reported failed last), then the seeds
// that were not already asked, one at a time, each request bounded by
// RequestTimeout, and uses the first answer. Before a new set is published,
// Sniff checks that it can be reached: if the set does not hold the node
// that answered, up to three of its nodes are sent HEAD / at once, bounded
// by RequestTimeout and at most 2 s, and the set is published only if one
// of them answers (any HTTP status). So even without a deadline a sniff
// lasts at most (4 + len(Seeds)) × RequestTimeout. Sniffs never overlap: a
// Sniff called while another runs waits for it.
//
// Sniff logs its outcome; the error is for control flow. It returns nil when
// the answer was published or equal to the published set; [ErrNoNodes] when
// the answer held no usable node, an error matching [ErrTooManyNodes] when
// it listed more than MaxNodes, or one matching [ErrUnreachable] when the
// new set could not be reached (in these three cases the published set
// stays); an error matching [ErrStopped] when a node answered 401, 403 or
// 404, after which discovery is stopped for good; ctx's error; or an error
// joining each node's failure when no node answered.
func (s *Sniffer) Sniff(ctx context.Context) error {
	if s.stopped.Load() {
		return ErrStopped
	}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.sem }()
	if s.stopped.Load() {
		return ErrStopped
	}

	candidates := s.begin()
	var errs []error
	for _, n := range candidates {
		if err := ctx.Err(); err != nil {
			return err
		}
		body, status, err := s.ask(ctx, n)
		if err == nil {
			var nodes []*rt.Node
			nodes, err = parseNodes(body, n, s.keep, s.maxNodes)
			if err == nil {
				return s.accept(ctx, n, nodes)
			}
			if errors.Is(err, ErrTooManyNodes) {
				// Another node of the cluster would list the same nodes.
				s.log.Warn("esrt: sniff refused: the nodes info answer lists more nodes than MaxNodes; "+s.keeping(),
					"node", safeAddr(n), "error", err)
				return err
			}
		}
		if refused(status) {
			if s.stopped.CompareAndSwap(false, true) {
				s.log.Warn("esrt: discovery stopped: the cluster refused the nodes info request; keeping the current nodes",
					"node", safeAddr(n), "status", status)
			}
			return fmt.Errorf("%w: HTTP %d from %s", ErrStopped, status, safeAddr(n))
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.log.Debug("esrt: sniff request failed", "node", safeAddr(n), "error", err)
		errs = append(errs, fmt.Errorf("%s: %w", safeAddr(n), err))
	}
	err := fmt.Errorf("esrt: sniff: no node answered: %w", errors.Join(errs...))
	s.log.Warn("esrt: sniff failed; keeping the current nodes", "error", err)
	return err
}

// begin records the start of a sniff and returns the nodes to ask, in order.
func (s *Sniffer) begin() []*rt.Node {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last = time.Now()
	failed := s.failed
	s.failed = make(map[string]bool)

	var healthy, sick []*rt.Node
	if k := len(s.published); k > 0 {
		start := s.rotate % k
		s.rotate++
		for i := range k {
			n := s.published[(start+i)%k]
			if failed[n.Key()] {
				sick = append(sick, n)
			} else {
				healthy = append(healthy, n)
			}
		}
	}
	tried := append(healthy, sick...)
	if len(tried) > maxPublishedTries {
		tried = tried[:maxPublishedTries]
	}
	asked := make(map[string]bool, len(tried))
	for _, n := range tried {
		asked[n.Key()] = true
	}
	candidates := slices.Clip(tried)
	for _, n := range s.seeds {
		if !asked[n.Key()] {
			asked[n.Key()] = true
			candidates = append(candidates, n)
		}
	}
	return candidates
}

// accept publishes nodes, the answer of from, unless it is empty, equal to
// the published set, or cannot be reached. Only the sniff holding s.sem
// calls it, so s.published changes only here.
func (s *Sniffer) accept(ctx context.Context, from *rt.Node, nodes []*rt.Node) error {
	if len(nodes) == 0 {
		s.log.Warn("esrt: sniff found no usable node; keeping the current nodes", "node", safeAddr(from))
		return ErrNoNodes
	}
	s.mu.Lock()
	same := sameNodes(s.published, nodes)
	s.mu.Unlock()
	if same {
		s.log.Debug("esrt: sniff found no change", "node", safeAddr(from), "nodes", len(nodes))
		return nil
	}
	if err := s.check(ctx, from, nodes); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.log.Warn("esrt: sniff: published addresses do not answer; "+s.keeping()+"; sniffing is not for clusters behind Docker or a proxy",
			"from", safeAddr(from), "nodes", len(nodes), "error", err)
		return fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	s.mu.Lock()
	s.published = nodes
	s.mu.Unlock()
	addrs := make([]string, len(nodes))
	for i, n := range nodes {
		addrs[i] = safeAddr(n)
	}
	s.log.Info("esrt: discovered nodes", "from", safeAddr(from), "nodes", addrs)
	if s.publish != nil {
		s.publish(slices.Clone(nodes))
	}
	return nil
}

// keeping says, for a log line, which nodes stay in use after a sniff that
// publishes nothing.
func (s *Sniffer) keeping() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.published == nil {
		return "using the configured addresses"
	}
	return "keeping the current nodes"
}

// check returns nil if nodes can be reached: they hold from, which just
// answered, or one of up to maxChecks of them, chosen at random and asked at
// once, answers HEAD / within the check timeout. Otherwise it returns the
// failures of the nodes asked, joined. It leaves no goroutine behind.
func (s *Sniffer) check(ctx context.Context, from *rt.Node, nodes []*rt.Node) error {
	key := from.Key()
	if slices.ContainsFunc(nodes, func(n *rt.Node) bool { return n.Key() == key }) {
		return nil
	}
	sample := nodes
	if len(sample) > maxChecks {
		sample = make([]*rt.Node, 0, maxChecks)
		for _, i := range rand.Perm(len(nodes))[:maxChecks] {
			sample = append(sample, nodes[i])
		}
	}
	ctx, cancel := context.WithTimeout(ctx, min(s.timeout, maxCheckTimeout))
	defer cancel()
	results := make(chan error, len(sample))
	for _, n := range sample {
		go func() {
			if err := s.probe(ctx, n); err != nil {
				results <- fmt.Errorf("%s: %w", safeAddr(n), err)
				return
			}
			results <- nil
		}()
	}
	var errs []error
	answered := false
	for range sample {
		if err := <-results; err != nil {
			errs = append(errs, err)
		} else if !answered {
			answered = true
			cancel() // the others need not finish
		}
	}
	if answered {
		return nil
	}
	return errors.Join(errs...)
}

// probe sends HEAD / to n; any HTTP answer means n can be reached.
func (s *Sniffer) probe(ctx context.Context, n *rt.Node) error {
	req, err := s.newRequest(ctx, http.MethodHead, n, "/")
	if err != nil {
		return err
	}
	res, err := s.transport.RoundTrip(req)
	if err != nil {
		return err
	}
	return res.Body.Close()
}

// ask sends GET /_nodes/http to n and returns the body of a 200 answer, or
// the status (0 without a response) and an error.
func (s *Sniffer) ask(ctx context.Context, n *rt.Node) ([]byte, int, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()

	req, err := s.newRequest(ctx, http.MethodGet, n, sniffPath)
	if err != nil {
		return nil, 0, err
	}
	res, err := s.transport.RoundTrip(req)
	if err != nil {
		return nil, 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		// Drain a little so that the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4<<10))
		return nil, res.StatusCode, fmt.Errorf("HTTP %d", res.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBodySize+1))
	if err != nil {
		return nil, res.StatusCode, fmt.Errorf("read body: %w", err)
	}
	if len(body) > maxBodySize {
		return nil, res.StatusCode, &rt.ResponseTooLargeError{Limit: maxBodySize}
	}
	return body, res.StatusCode, nil
}

// newRequest returns a request for path under n's path prefix, with the
// configured headers and credentials; the URL carries no userinfo.
func (s *Sniffer) newRequest(ctx context.Context, method string, n *rt.Node, path string) (*http.Request, error) {
	u := *n.URL
	u.User = nil
	u.Path += path
	if u.RawPath != "" {
		u.RawPath += path
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, err
	}
	for k, v := range s.header {
		req.Header[k] = slices.Clone(v)
	}
	if !s.auth.IsZero() {
		req.Header.Set("Authorization", s.auth.Header())
	}
	if ui := n.URL.User; ui != nil {
		password, _ := ui.Password()
		req.Header.Set("Authorization", rt.BasicAuth(ui.Username(), password).Header())
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	return req, nil
}

// refused reports whether status means "this cluster does not let you
// discover nodes".
func refused(status int) bool {
	return status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusNotFound
}

// safeAddr returns n's URL without userinfo, for logs and errors.
func safeAddr(n *rt.Node) string {
	u := *n.URL
	u.User = nil
	return u.String()
}

// sameNodes reports whether a and b, both sorted by key, describe the same
// nodes.
func sameNodes(a, b []*rt.Node) bool {
	return slices.EqualFunc(a, b, func(x, y *rt.Node) bool {
		return x.URL.String() == y.URL.String() && x.ID == y.ID && x.Name == y.Name &&
			slices.Equal(x.Roles, y.Roles) && (x.Roles == nil) == (y.Roles == nil) &&
			maps.Equal(x.Attributes, y.Attributes)
	})
}
