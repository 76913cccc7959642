package esrt_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/rt"
)

func ExampleNew() {
	// An in-process cluster stands in for a real one.
	cluster, err := estest.Start(estest.Config{Nodes: 3})
	if err != nil {
		panic(err)
	}
	defer cluster.Close()

	tr, err := esrt.New(esrt.Config{Addresses: cluster.URLs()})
	if err != nil {
		panic(err)
	}
	defer tr.Close()

	cluster.Node(0).Kill() // one node is down: requests go to the others
	client := &http.Client{Transport: tr}
	for range 3 {
		res, err := client.Get("http://es/_cluster/health") // the host is chosen per attempt
		if err != nil {
			panic(err)
		}
		var health struct {
			Status string `json:"status"`
		}
		json.NewDecoder(res.Body).Decode(&health)
		res.Body.Close()
		fmt.Println(res.StatusCode, health.Status)
	}
	// Output:
	// 200 green
	// 200 green
	// 200 green
}

func ExampleNew_invalidConfig() {
	_, err := esrt.New(esrt.Config{Addresses: []string{"https://elastic:changeme@es1:9200", "es2:9200"}})
	var ce *rt.ConfigError
	fmt.Println(errors.As(err, &ce), ce.Field)
	fmt.Println(err)
	// Output:
	// true Addresses[1]
	// esrt: invalid configuration: Addresses[1]: node address: missing scheme: write http:// or https:// before the host, as in https://localhost:9200
}

func ExampleNewHTTPTransport() {
	// A fresh Elasticsearch prints its CA's fingerprint at first start.
	base, err := esrt.NewHTTPTransport(esrt.HTTPTransportConfig{
		CertificateFingerprint: "A5:2D:D9:35:11:E8:C6:04:5E:21:F1:66:54:B7:7C:9E:E0:F3:4A:EA:26:D9:F4:03:20:B5:31:C4:74:67:62:28",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(base.MaxIdleConnsPerHost, base.ForceAttemptHTTP2)

	_, err = esrt.NewHTTPTransport(esrt.HTTPTransportConfig{CertificateFingerprint: "A5:2D"})
	fmt.Println(err)
	// Output:
	// 256 true
	// esrt: invalid configuration: CertificateFingerprint: 2 bytes, want a SHA-256 fingerprint of 32 bytes
}

// The order of the chain New builds, outermost first: the default chain,
// then the chain with every optional layer on. Each layer's Unwrap returns
// the next, down to the base transport; the reason for each layer's place
// is in chain.go. A layer that is off is not in the chain at all. Each of
// esrt's layers prints its name; the caller's layers and the base transport
// show their type here.
func Example_chain() {
	layers := func(cfg esrt.Config) {
		tr, err := esrt.New(cfg)
		if err != nil {
			panic(err)
		}
		defer tr.Close()
		for next := tr.Unwrap(); next != nil; {
			if name, ok := next.(fmt.Stringer); ok {
				fmt.Println("  " + name.String())
			} else {
				fmt.Printf("  %T\n", next)
			}
			u, ok := next.(interface{ Unwrap() http.RoundTripper })
			if !ok {
				break
			}
			next = u.Unwrap()
		}
	}
	addresses := []string{"http://es1:9200", "http://es2:9200"}
	fmt.Println("default:")
	layers(esrt.Config{Addresses: addresses})
	fmt.Println("every layer on:")
	layers(esrt.Config{
		Addresses:           addresses,
		Logger:              slog.New(slog.DiscardHandler),
		CompressRequestBody: true,
		Breaker:             esrt.BreakerConfig{Cluster: esrt.ClusterBreakerConfig{Enabled: true}},
		Retry:               esrt.RetryConfig{Hedge: esrt.HedgeConfig{Enabled: true}},
		Limits:              esrt.LimitsConfig{Limiter: esrt.LimiterConfig{Enabled: true}},
		Protocol:            esrt.ProtocolConfig{CompatibilityMode: true, ProductCheck: true, SendGetBodyAs: "POST"},
		Middleware:          []rt.Middleware{newCallSpan},
		AttemptMiddleware:   []rt.Middleware{newSigner},
	})
	// Output:
	// default:
	//   request timeout
	//   size limit
	//   retry
	//   routing
	//   headers
	//   auth
	//   node breakers
	//   attempt timeout
	//   guard
	//   *http.Transport
	// every layer on:
	//   *esrt_test.callSpan
	//   cluster breaker
	//   logging
	//   request timeout
	//   product check
	//   size limit
	//   gzip
	//   limiter
	//   retry
	//   hedge
	//   GET body as POST
	//   routing
	//   headers
	//   compatibility
	//   auth
	//   node breakers
	//   attempt timeout
	//   plaintext-credentials warning
	//   *esrt_test.signer
	//   guard
	//   *http.Transport
}

// callSpan and signer stand for a caller's middlewares, such as a tracing
// span and a request signer; they pass the request on unchanged.
type (
	callSpan struct{ next http.RoundTripper }
	signer   struct{ next http.RoundTripper }
)

func newCallSpan(next http.RoundTripper) http.RoundTripper { return &callSpan{next} }
func newSigner(next http.RoundTripper) http.RoundTripper   { return &signer{next} }

func (m *callSpan) RoundTrip(req *http.Request) (*http.Response, error) { return m.next.RoundTrip(req) }
func (m *callSpan) Unwrap() http.RoundTripper                           { return m.next }
func (m *signer) RoundTrip(req *http.Request) (*http.Response, error)   { return m.next.RoundTrip(req) }
func (m *signer) Unwrap() http.RoundTripper                             { return m.next }
