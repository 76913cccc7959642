package bench

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/elastic/elastic-transport-go/v8/elastictransport"
	"github.com/elastic/go-elasticsearch/v9"
	"github.com/opensearch-project/opensearch-go/v4"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/selector"
)

var addresses = []string{"http://10.0.0.1:9200", "http://10.0.0.2:9200", "http://10.0.0.3:9200"}

const cannedBody = `{"took":1,"timed_out":false,"hits":{"total":{"value":0,"relation":"eq"},"hits":[]}}`

// canned answers every request at once with the same small response, as a
// stand-in for the network, so that the benchmark measures the transports.
type canned struct{}

func (canned) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{
		StatusCode:    200,
		Header:        http.Header{"Content-Type": {"application/json"}, "X-Elastic-Product": {"Elasticsearch"}},
		Body:          io.NopCloser(strings.NewReader(cannedBody)),
		ContentLength: int64(len(cannedBody)),
		Request:       req,
	}, nil
}

type performer interface {
	Perform(*http.Request) (*http.Response, error)
}

type roundTripper struct{ http.RoundTripper }

func (r roundTripper) Perform(req *http.Request) (*http.Response, error) { return r.RoundTrip(req) }

// contenders are the transports of BenchmarkDefaultChain, in report order.
// "esrt-round-robin" is esrt's default chain with selector.RoundRobin: the
// difference from "esrt" is what the latency-aware choice costs.
// go-elasticsearch and opensearch-go are those libraries' clients' Perform.
var contenders = []string{"baseline", "contract-floor", "elastic-transport-go", "esrt", "esrt-round-robin", "go-elasticsearch", "opensearch-go"}

// The credentials of the scenarios that carry them: basic auth, as
// go-elasticsearch's Username and Password send it.
const (
	username = "elastic"
	password = "changeme"
)

// transports builds the contenders, with credentials when auth is set.
func transports(b *testing.B, auth bool) map[string]performer {
	urls := parseURLs(b, addresses)
	ecfg := elastictransport.Config{URLs: urls, Transport: canned{}}
	cfg := esrt.Config{Addresses: addresses, Transport: canned{}}
	authorization := ""
	if auth {
		ecfg.Username, ecfg.Password = username, password
		cfg.Username, cfg.Password = username, password
		authorization = "Basic " + base64.StdEncoding.EncodeToString([]byte(username+":"+password))
	}
	etg, err := elastictransport.New(ecfg)
	if err != nil {
		b.Fatal(err)
	}
	tr, err := esrt.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tr.Close() })
	cfg.Pool.Selector = selector.RoundRobin()
	rr, err := esrt.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rr.Close() })
	goes, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: addresses, Transport: canned{},
		Username: ecfg.Username, Password: ecfg.Password})
	if err != nil {
		b.Fatal(err)
	}
	ops, err := opensearch.NewClient(opensearch.Config{Addresses: addresses, Transport: canned{},
		Username: ecfg.Username, Password: ecfg.Password})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { closeOpenSearch(ops) })
	return map[string]performer{
		"go-elasticsearch":     goes,
		"opensearch-go":        ops,
		"baseline":             roundTripper{canned{}},
		"contract-floor":       roundTripper{newFloor(urls, canned{}, authorization)},
		"elastic-transport-go": etg,
		"esrt":                 roundTripper{tr},
		"esrt-round-robin":     roundTripper{rr},
	}
}

// parseURLs parses addresses, failing tb on an invalid one.
func parseURLs(tb testing.TB, addresses []string) []*url.URL {
	tb.Helper()
	urls := make([]*url.URL, len(addresses))
	for i, a := range addresses {
		u, err := url.Parse(a)
		if err != nil {
			tb.Fatal(err)
		}
		urls[i] = u
	}
	return urls
}

// scenario is the request a benchmark sends: what the caller's header holds
// decides how much a transport must add.
type scenario struct {
	name   string
	header http.Header     // nil: none at all, as http.NewRequest makes it
	ctx    context.Context // nil: context.Background
	auth   bool            // the transport adds basic credentials
	body   []byte          // nil: a GET; else a POST of this body
}

var scenarios = withCredentials([]scenario{
	// A bare request, as http.NewRequest makes it: every transport adds
	// its User-Agent.
	{name: "bare"},
	// The headers go-elasticsearch's client sets before its transport
	// sees the request: nothing is missing.
	{name: "client-headers", header: http.Header{
		"User-Agent": {"go-elasticsearch/9.1.0 (linux amd64; Go 1.26)"},
		"Accept":     {"application/vnd.elasticsearch+json;compatible-with=9"},
	}},
	// The same request with a context eight levels deep, as a request
	// made while serving one carries (the server's values and
	// cancellation, a tracing span, a timeout): every lookup of a
	// per-request option walks it.
	{name: "client-headers-deep-context", header: http.Header{
		"User-Agent": {"go-elasticsearch/9.1.0 (linux amd64; Go 1.26)"},
		"Accept":     {"application/vnd.elasticsearch+json;compatible-with=9"},
	}, ctx: deepContext(4)},
	// A 1 KiB POST with a client's headers, as a small index or search
	// request with a body.
	{name: "client-headers-post-1k", header: http.Header{
		"User-Agent":   {"go-elasticsearch/9.1.0 (linux amd64; Go 1.26)"},
		"Accept":       {"application/vnd.elasticsearch+json;compatible-with=9"},
		"Content-Type": {"application/json"},
	}, body: []byte(`{"query":{"match_all":{}},"pad":"` + strings.Repeat("x", 1000) + `"}`)},
})

// withCredentials returns scs, each followed by the same scenario for
// transports configured with basic credentials ("+auth"), which every
// transport must add to every request.
func withCredentials(scs []scenario) []scenario {
	var out []scenario
	for _, sc := range scs {
		out = append(out, sc)
		sc.name += "+auth"
		sc.auth = true
		out = append(out, sc)
	}
	return out
}

type benchKey int

// deepContext returns a context of 2n levels: n values, each under a
// cancellation. It lives as long as the benchmarks: its cancel functions
// are kept, never called.
func deepContext(n int) context.Context {
	ctx := context.Background()
	for i := range n {
		ctx = context.WithValue(ctx, benchKey(i), i)
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		keepCancels = append(keepCancels, cancel)
	}
	return ctx
}

var keepCancels []context.CancelFunc

func send(b *testing.B, p performer, sc scenario) {
	ctx := sc.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	method, body := "GET", io.Reader(nil)
	if sc.body != nil {
		method, body = "POST", bytes.NewReader(sc.body)
	}
	req, err := http.NewRequestWithContext(ctx, method, "/products/_search", body)
	if err != nil {
		b.Fatal(err)
	}
	for k, v := range sc.header {
		req.Header[k] = v
	}
	res, err := p.Perform(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		b.Fatalf("status %d", res.StatusCode)
	}
}

// BenchmarkDefaultChain measures the cost per request of each transport's
// default configuration (three nodes, retries on) over a canned base.
// "baseline" is the canned base alone: subtract it to get a transport's own
// overhead. "contract-floor" is the least any transport that keeps the
// http.RoundTripper contract can do here (see floor.go).
func BenchmarkDefaultChain(b *testing.B) {
	ts := map[bool]map[string]performer{false: transports(b, false), true: transports(b, true)}
	for _, sc := range scenarios {
		for _, name := range contenders {
			p := ts[sc.auth][name]
			b.Run(sc.name+"/"+name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					send(b, p, sc)
				}
			})
			b.Run(sc.name+"/"+name+"/parallel", func(b *testing.B) {
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						send(b, p, sc)
					}
				})
			})
		}
	}
}
