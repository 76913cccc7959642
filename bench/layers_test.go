package bench

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/discovery"
	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

// fixedBase answers every request with the same response, allocating
// nothing, so that BenchmarkLayers measures the layers alone.
type fixedBase struct {
	res  http.Response
	body fixedBody
}

type fixedBody struct{ strings.Reader }

func (*fixedBody) Close() error { return nil }

func (f *fixedBase) RoundTrip(req *http.Request) (*http.Response, error) {
	f.body.Reset(cannedBody)
	f.res.Body = &f.body
	return &f.res, nil
}

// BenchmarkLayers measures the layers of esrt's default chain one at a
// time: the chain as esrt.New builds it for three addresses and nothing
// else (see the example Chain of package esrt), grown from the base
// outwards, one layer per sub-benchmark. The base allocates nothing and
// the request, which carries a User-Agent, is reused, so each step's
// difference from the one before is that layer's own cost. The contract floor over the
// same base comes first, as a yardstick for routing.
func BenchmarkLayers(b *testing.B) {
	seeds, err := discovery.Seeds(addresses)
	if err != nil {
		b.Fatal(err)
	}
	breakers, err := middleware.NewBreakers(middleware.BreakerConfig{})
	if err != nil {
		b.Fatal(err)
	}
	pool, err := selector.NewPool(selector.PoolConfig{Seeds: seeds, Exclude: breakers.Open})
	if err != nil {
		b.Fatal(err)
	}
	requestTimeout, err := middleware.RequestTimeout(0)
	if err != nil {
		b.Fatal(err)
	}
	attemptTimeout, err := middleware.AttemptTimeout(0)
	if err != nil {
		b.Fatal(err)
	}
	budget, err := middleware.NewBudget(middleware.BudgetConfig{})
	if err != nil {
		b.Fatal(err)
	}
	retry, err := middleware.Retry(middleware.RetryConfig{Budget: budget})
	if err != nil {
		b.Fatal(err)
	}
	layers := []struct { // outermost first, as in esrt.New
		name string
		mw   rt.Middleware
	}{
		{"request-timeout", requestTimeout},
		{"headers", middleware.Headers(middleware.HeadersConfig{})},
		{"auth", middleware.Auth(middleware.AuthConfig{})},
		{"retry", retry},
		{"routing", selector.Middleware(pool)},
		{"breakers", breakers.Middleware()},
		{"attempt-timeout", attemptTimeout},
	}
	base := &fixedBase{res: http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}}}
	req, err := http.NewRequest("GET", "/products/_search", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header["User-Agent"] = []string{"go-elasticsearch/9.1.0 (linux amd64; Go 1.26)"}

	floor := newFloor(parseURLs(b, addresses), base, "")
	var tr http.RoundTripper = base
	for i := len(layers) + 1; i >= 0; i-- {
		name := "base"
		switch {
		case i == len(layers)+1:
			// The contract floor over the same base, for comparison
			// with routing, which does the same and more.
			tr, name = floor, "contract-floor"
		case i == len(layers):
			tr = base
		default:
			tr, name = layers[i].mw(tr), "+"+layers[i].name
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := tr.RoundTrip(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		})
	}
}
