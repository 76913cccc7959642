package esrt

import (
	"cmp"
	"context"
	"net/http"
	"time"

	"github.com/esrt-dev/esrt/discovery"
	"github.com/esrt-dev/esrt/rt"
)

// sniffing reports whether cfg turns node discovery on.
func sniffing(cfg Config) bool { return cfg.DiscoverNodesOnStart || cfg.DiscoverNodesInterval > 0 }

// discoverer ties the sniffer to the pool in both directions: sniffs
// publish node sets to the pool, and a node going down asks for a sniff.
// The pool is built first, with hooks that read the sniffer set later.
type discoverer struct {
	sniffer *discovery.Sniffer
}

// hooks returns the hooks of the pool: cfg.Hooks and, with sniffing on,
// one that reports each node that goes down to the sniffer.
func (d *discoverer) hooks(cfg Config) *rt.Hooks {
	if !sniffing(cfg) {
		return cfg.Hooks
	}
	return rt.ComposeHooks(cfg.Hooks, &rt.Hooks{OnNodeDown: func(i rt.NodeInfo) { d.sniffer.NodeFailed(i.Node) }})
}

// start builds the sniffer, which sends its requests through via to the
// seeds and the nodes it found, sniffs once with DiscoverNodesOnStart, and
// runs it in a goroutine that t.Close stops.
func (d *discoverer) start(t *Transport, cfg Config, seeds []*rt.Node, via http.RoundTripper, auth rt.Auth) error {
	sniffer, err := discovery.NewSniffer(discovery.Config{
		Seeds:     seeds,
		Transport: via,
		Publish:   t.pool.Update,
		Interval:  cfg.DiscoverNodesInterval,
		Header:    http.Header{"User-Agent": {userAgent(cfg)}},
		Auth:      auth,
		Filter:    cfg.Pool.Filter,
		Logger:    cfg.Logger,
	})
	if err != nil {
		return err
	}
	d.sniffer = sniffer
	if cfg.DiscoverNodesOnStart {
		timeout := cmp.Or(cfg.Pool.DiscoverNodesTimeout, 10*time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		// The sniff logs its own outcome, but for the end of its context,
		// which is ours to tell; the seeds serve if it fails.
		if err := sniffer.Sniff(ctx); err != nil && ctx.Err() != nil && cfg.Logger != nil {
			cfg.Logger.Warn("esrt: sniff on start ended at Pool.DiscoverNodesTimeout; using the configured addresses",
				"timeout", timeout)
		}
		cancel()
	}
	ctx, stop := context.WithCancel(context.Background())
	t.stop, t.done = stop, make(chan struct{})
	go func() {
		defer close(t.done)
		sniffer.Run(ctx)
	}()
	return nil
}
