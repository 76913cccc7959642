package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/elastic/elastic-transport-go/v8/elastictransport"
	"github.com/elastic/go-elasticsearch/v9"
	"github.com/opensearch-project/opensearch-go/v4"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/selector"
)

// peers are the contenders of the scenario benchmarks, in report order:
// esrt's default chain, the same with round-robin, elastic-transport-go,
// go-elasticsearch v9's client, opensearch-go v4's client, and a bare
// *http.Transport sending to the nodes in turn (no retry, no health).
var peers = []string{"esrt", "esrt-round-robin", "elastic-transport-go", "go-elasticsearch", "opensearch-go", "bare"}

// contender is one client under test, over its own *http.Transport.
type contender struct {
	name string
	p    performer
	base *http.Transport
}

// newBase returns the *http.Transport every contender gets: the standard
// library's default transport with room for 256 idle connections per node,
// so that no contender's pool, only its own behaviour, opens connections.
func newBase(tb testing.TB) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 0
	t.MaxIdleConnsPerHost = 256
	tb.Cleanup(t.CloseIdleConnections)
	return t
}

// newContender builds the contender name for the nodes at urls, at its
// library's defaults but for its own base transport; tb closes it.
func newContender(tb testing.TB, name string, urls []string) *contender {
	tb.Helper()
	base := newBase(tb)
	p, closer, err := buildPeer(name, urls, base)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	tb.Cleanup(closer)
	return &contender{name: name, p: p, base: base}
}

// buildPeer builds the contender name for the nodes at urls over base, at
// its library's defaults otherwise, and a function that closes it.
func buildPeer(name string, urls []string, base http.RoundTripper) (performer, func(), error) {
	nothing := func() {}
	switch name {
	case "esrt", "esrt-round-robin":
		cfg := esrt.Config{Addresses: urls, Transport: base}
		if name == "esrt-round-robin" {
			cfg.Pool.Selector = selector.RoundRobin()
		}
		tr, err := esrt.New(cfg)
		if err != nil {
			return nil, nil, err
		}
		return roundTripper{tr}, func() { tr.Close() }, nil
	case "elastic-transport-go":
		us, err := toURLs(urls)
		if err != nil {
			return nil, nil, err
		}
		p, err := elastictransport.New(elastictransport.Config{URLs: us, Transport: base})
		if err != nil {
			return nil, nil, err
		}
		return p, func() { p.Close(context.Background()) }, nil
	case "go-elasticsearch":
		p, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: urls, Transport: base})
		if err != nil {
			return nil, nil, err
		}
		return p, func() { p.Close(context.Background()) }, nil
	case "opensearch-go":
		p, err := opensearch.NewClient(opensearch.Config{Addresses: urls, Transport: base})
		if err != nil {
			return nil, nil, err
		}
		return p, func() { closeOpenSearch(p) }, nil
	case "bare":
		us, err := toURLs(urls)
		if err != nil {
			return nil, nil, err
		}
		return roundTripper{&roundRobin{next: base, urls: us, ua: []string{"bare/1"}}}, nothing, nil
	}
	return nil, nil, fmt.Errorf("no contender %q", name)
}

// closeOpenSearch closes the transport of an opensearch-go client, which
// refreshes node stats and cluster health in goroutines of its own until
// it is closed.
func closeOpenSearch(c *opensearch.Client) {
	if cl, ok := c.Transport.(io.Closer); ok {
		cl.Close()
	}
}

func toURLs(addresses []string) ([]*url.URL, error) {
	out := make([]*url.URL, len(addresses))
	for i, a := range addresses {
		u, err := url.Parse(a)
		if err != nil {
			return nil, err
		}
		out[i] = u
	}
	return out, nil
}
