package bench

import (
	"net/http"
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
// library's defaults but for the base transport.
func newContender(tb testing.TB, name string, urls []string) *contender {
	tb.Helper()
	base := newBase(tb)
	c := &contender{name: name, base: base}
	var err error
	switch name {
	case "esrt", "esrt-round-robin":
		cfg := esrt.Config{Addresses: urls, Transport: base}
		if name == "esrt-round-robin" {
			cfg.Pool.Selector = selector.RoundRobin()
		}
		var tr *esrt.Transport
		tr, err = esrt.New(cfg)
		if err == nil {
			tb.Cleanup(func() { tr.Close() })
			c.p = roundTripper{tr}
		}
	case "elastic-transport-go":
		c.p, err = elastictransport.New(elastictransport.Config{URLs: parseURLs(tb, urls), Transport: base})
	case "go-elasticsearch":
		c.p, err = elasticsearch.NewClient(elasticsearch.Config{Addresses: urls, Transport: base})
	case "opensearch-go":
		c.p, err = opensearch.NewClient(opensearch.Config{Addresses: urls, Transport: base})
	case "bare":
		c.p = roundTripper{&roundRobin{next: base, urls: parseURLs(tb, urls), ua: []string{"bare/1"}}}
	default:
		tb.Fatalf("no contender %q", name)
	}
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return c
}
