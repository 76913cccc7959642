package esrt

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

// ErrClosed is returned by RoundTrip after [Transport.Close]. An attempt
// of a request that was in flight at Close and is retried or hedged after
// it fails with an [*rt.LocalError] wrapping ErrClosed: match it with
// [errors.Is].
var ErrClosed = errors.New("esrt: transport closed")

// Transport is esrt's default transport: the middleware chain built by [New]
// in front of a node pool. It is an [http.RoundTripper], safe for concurrent
// use; build it once and share it. Close it when done: that stops discovery,
// stops new attempts and closes every connection.
type Transport struct {
	chain   http.RoundTripper
	base    http.RoundTripper // cfg.Transport or esrt's, under the guard
	pool    *selector.Pool
	limiter *middleware.Limiter // nil without Limits.Limiter
	closed  chan struct{}

	closeOnce sync.Once
	stop      context.CancelFunc // stops discovery; nil without it
	done      chan struct{}      // closed when discovery has stopped
}

var _ http.RoundTripper = (*Transport)(nil)

// New builds a transport from cfg: a chain of middlewares in front of a
// node pool, in the order that the package's example "Chain" shows. Layers
// that are off in cfg are not in the chain.
//
// Invalid configuration is an error wrapping [rt.ErrInvalidConfig] (a
// [*rt.ConfigError] naming the field by its path in Config), never a panic
// or a silent default. With DiscoverNodesOnStart, New sniffs the cluster
// before it returns (bounded by Pool.DiscoverNodesTimeout; a failed sniff
// is logged and the configured addresses are used). With sniffing on, New
// starts one goroutine for discovery, which Close stops; otherwise it
// starts none.
func New(cfg Config) (*Transport, error) {
	seeds, field, err := seedNodes(cfg)
	if err != nil {
		return nil, err
	}
	p := parts{}
	if p.creds, err = staticCredentials(cfg, seeds, field); err != nil {
		return nil, err
	}
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	base, err := baseTransport(cfg)
	if err != nil {
		return nil, err
	}
	if p.breakers, err = nodeBreakers(cfg); err != nil {
		return nil, err
	}
	if p.limiter, err = newLimiter(cfg); err != nil {
		return nil, err
	}
	d := &discoverer{}
	if p.pool, err = newPool(cfg, seeds, p.breakers, d.hooks(cfg)); err != nil {
		return nil, err
	}
	l, err := buildLayers(cfg, p)
	if err != nil {
		return nil, err
	}
	t := &Transport{base: base, pool: p.pool, limiter: p.limiter, closed: make(chan struct{})}
	l.guard = guard(t.closed, cfg.Transport == nil)
	chain, sniff := l.chain(base)
	t.chain = chain
	if sniffing(cfg) {
		if err := d.start(t, cfg, seeds, sniff, p.creds.Credential()); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// RoundTrip sends req through the chain. Per-request options ride in req's
// context (see package rt).
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	select {
	case <-t.closed:
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, ErrClosed
	default:
	}
	return t.chain.RoundTrip(req)
}

// String returns "esrt.Transport".
func (t *Transport) String() string { return "esrt.Transport" }

// Format prints [Transport.String] for every verb, %#v and %d included:
// the layers of the chain hold credentials, which fmt would otherwise
// print field by field.
func (t *Transport) Format(f fmt.State, _ rune) { fmt.Fprint(f, t.String()) }

// Pool returns the node pool, for its status ([selector.Pool.Status]).
func (t *Transport) Pool() *selector.Pool { return t.pool }

// Limiter returns the adaptive concurrency limiter of Config.Limits, for
// its [middleware.Limiter.Stats], or nil when it is off.
func (t *Transport) Limiter() *middleware.Limiter { return t.limiter }

// Unwrap returns the outermost layer of the chain. Every layer esrt builds
// has an Unwrap method that returns the next one, down to the base
// transport, so that the chain can be inspected (see the example
// "Chain"); a caller's middleware without one ends the walk.
func (t *Transport) Unwrap() http.RoundTripper { return t.chain }

// CloseIdleConnections closes the idle connections of the base transport,
// and of any middleware in the chain that forwards the call. It reaches
// the base transport even through a middleware that does not forward it,
// such as an [rt.Func] in Config.Middleware.
func (t *Transport) CloseIdleConnections() {
	rt.CloseIdleConnections(t.chain)
	rt.CloseIdleConnections(t.base)
}

// Close stops discovery, waits for its goroutine to end, and closes every
// connection of the base transport. Requests after Close fail with
// [ErrClosed]. Requests in flight finish their current attempt, but start
// no other (no retry, no hedge): such an attempt fails with an
// [*rt.LocalError] wrapping ErrClosed. The connection of an attempt in
// flight at Close is closed when the attempt ends: when its response body
// has been read to the end or closed. It always returns nil and may be
// called more than once.
func (t *Transport) Close() error {
	t.closeOnce.Do(func() {
		close(t.closed)
		if t.stop != nil {
			t.stop()
			<-t.done
		}
		t.CloseIdleConnections()
	})
	return nil
}
