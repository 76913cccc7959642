package discovery

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/esrt-dev/esrt/rt"
)

// maxPublishedTries is how many published nodes one sniff asks before it
// turns to the seeds, so that a sniff reaches the seeds quickly when the
// published nodes hang.
const maxPublishedTries = 3

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

// sameNodes reports whether a and b, both sorted by key, describe the same
// nodes.
func sameNodes(a, b []*rt.Node) bool {
	return slices.EqualFunc(a, b, func(x, y *rt.Node) bool {
		return x.URL.String() == y.URL.String() && x.ID == y.ID && x.Name == y.Name &&
			slices.Equal(x.Roles, y.Roles) && (x.Roles == nil) == (y.Roles == nil) &&
			maps.Equal(x.Attributes, y.Attributes)
	})
}
