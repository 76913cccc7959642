package bench

import (
	"io"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/elastic/elastic-transport-go/v8/elastictransport"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/middleware"
)

// BenchmarkLoopback puts the canned-base numbers of BenchmarkDefaultChain in
// proportion: the same transports sending GET / to a three-node estest
// cluster over loopback HTTP, each over its own *http.Transport with the
// same settings. "direct" is that *http.Transport alone, sending to the
// nodes in turn. Every contender sends the same User-Agent, esrt's: what is
// on the wire changes the server's work by more than the transports differ.
func BenchmarkLoopback(b *testing.B) {
	c := estest.New(b, estest.Config{Nodes: 3})
	newBase := func() *http.Transport {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64
		b.Cleanup(t.CloseIdleConnections)
		return t
	}
	urls := parseURLs(b, c.URLs())
	ua := middleware.UserAgent()
	etg, err := elastictransport.New(elastictransport.Config{URLs: urls, Transport: newBase(), UserAgent: ua})
	if err != nil {
		b.Fatal(err)
	}
	tr, err := esrt.New(esrt.Config{Addresses: c.URLs(), Transport: newBase()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tr.Close() })
	direct := &roundRobin{next: newBase(), urls: urls, ua: []string{ua}}

	for _, ct := range []struct {
		name string
		p    performer
		url  string
	}{
		{"direct", roundTripper{direct}, "/"},
		{"elastic-transport-go", etg, "/"},
		{"esrt", roundTripper{tr}, "/"},
	} {
		b.Run(ct.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req, err := http.NewRequest("GET", ct.url, nil)
				if err != nil {
					b.Fatal(err)
				}
				res, err := ct.p.Perform(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Fatalf("status %d", res.StatusCode)
				}
			}
		})
	}
}

// roundRobin sends each request to the next of urls with ua, changing the
// request in place: the least a benchmark can do to reach the nodes.
type roundRobin struct {
	next http.RoundTripper
	urls []*url.URL
	n    atomic.Uint64
	ua   []string
}

func (r *roundRobin) RoundTrip(req *http.Request) (*http.Response, error) {
	u := r.urls[r.n.Add(1)%uint64(len(r.urls))]
	req.URL.Scheme, req.URL.Host = u.Scheme, u.Host
	req.Header["User-Agent"] = r.ua
	return r.next.RoundTrip(req)
}
