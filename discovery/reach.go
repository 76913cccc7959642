package discovery

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"time"

	"github.com/esrt-dev/esrt/rt"
)

const (
	// maxChecks is how many nodes of a new set are asked whether they
	// answer before the set is published.
	maxChecks = 3
	// maxCheckTimeout bounds that check (RequestTimeout bounds it too, if
	// shorter): a node that answers at all does so within milliseconds.
	maxCheckTimeout = 2 * time.Second
)

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
