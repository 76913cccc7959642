package selector_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

// cannedBase answers every request with the same small 200 response.
var cannedBase = rt.Func(func(req *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: 200,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(`{}`)),
		Request:    req,
	}, nil
})

// BenchmarkRouter measures the routing middleware over a canned base:
// pick, rewrite, report and body tracking.
func BenchmarkRouter(b *testing.B) {
	nodes := mustNodes(b, "http://10.0.0.1:9200", "http://10.0.0.2:9200", "http://10.0.0.3:9200/prefix")
	for _, sel := range []struct {
		name string
		s    selector.Selector
	}{{"RoundRobin", selector.RoundRobin()}, {"LatencyAware", selector.LatencyAware()}} {
		p := mustPool(b, selector.PoolConfig{Seeds: nodes, Selector: sel.s})
		tr := selector.Middleware(p)(cannedBase)
		req := get(b, b.Context(), "/idx/_search")
		b.Run(sel.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := tr.RoundTrip(req)
				if err != nil {
					b.Fatal(err)
				}
				res.Body.Close()
			}
		})
		b.Run(sel.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					res, err := tr.RoundTrip(req)
					if err != nil {
						b.Fatal(err)
					}
					res.Body.Close()
				}
			})
		})
	}
}
