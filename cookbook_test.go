package esrt_test

// The recipes of docs/cookbook.md. Each is an example that is compiled, and
// run when it has an Output comment; TestDocBlocksCompile checks that
// every Go block of the cookbook appears here or in another test file (the
// examples of contrib/aws/sigv4, contrib/otel/otelesrt, examples/otel,
// client/example_bulk_test.go), line for line.

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

// Elastic Cloud: the deployment's Cloud ID and an API key.
func Example_elasticCloud() {
	tr, err := esrt.New(esrt.Config{
		CloudID: os.Getenv("ELASTIC_CLOUD_ID"), // "name:base64..." from the deployment page
		APIKey:  os.Getenv("ELASTIC_API_KEY"),  // encoded, or "id:api_key"
	})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()
	client := &http.Client{Transport: tr}
	res, err := client.Get("https://es/_cluster/health") // the host is chosen per attempt
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
}

// A self-managed cluster with security on: https with the CA that
// Elasticsearch generated at first start (or its fingerprint), and the
// elastic user's password.
func Example_selfManagedSecurity() {
	// An in-process cluster with TLS and a password stands in for yours.
	cluster, err := estest.Start(estest.Config{TLS: true, Username: "elastic", Password: "changeme"})
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	caPEM := cluster.CACertPEM() // config/certs/http_ca.crt on a real node

	tr, err := esrt.New(esrt.Config{
		Addresses: cluster.URLs(), // https://...
		Username:  "elastic",
		Password:  "changeme",
		CACert:    caPEM,
		// Or, instead of CACert, the fingerprint Elasticsearch printed:
		// CertificateFingerprint: "a5:2d:d9:...",
	})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()

	res, err := (&http.Client{Transport: tr}).Get("https://es/_cluster/health")
	if err != nil {
		log.Fatal(err)
	}
	res.Body.Close()
	fmt.Println(res.StatusCode, res.TLS != nil)
	// Output: 200 true
}

// Sniffing: discover the cluster's nodes from one address. Only when the
// client reaches every node directly: behind a load balancer, a proxy or in
// Elastic Cloud, the addresses the nodes publish are not reachable.
func Example_sniffing() {
	cluster, err := estest.Start(estest.Config{Nodes: 3})
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()

	tr, err := esrt.New(esrt.Config{
		Addresses:             cluster.URLs()[:1], // one seed is enough
		DiscoverNodesOnStart:  true,
		DiscoverNodesInterval: 5 * time.Minute,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close() // stops discovery

	known := 0
	for _, s := range tr.Pool().Status() {
		if !s.Seed {
			known++
		}
	}
	fmt.Println("nodes:", known)
	// Output: nodes: 3
}

// An https reverse proxy (nginx) that serves Elasticsearch under a path
// prefix with a self-signed certificate.
func Example_reverseProxy() {
	tr, err := esrt.New(esrt.Config{
		Addresses:              []string{"https://search.internal.example.com/elasticsearch"},
		CertificateFingerprint: "A5:2D:D9:35:11:E8:C6:04:5E:21:F1:66:54:B7:7C:9E:E0:F3:4A:EA:26:D9:F4:03:20:B5:31:C4:74:67:62:28",
		APIKey:                 os.Getenv("ES_API_KEY"),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()
	// GET /_search goes to https://search.internal.example.com/elasticsearch/_search.
}

// Client certificate authentication (mutual TLS): build the base transport
// with the client certificate and give it to esrt.
func Example_mutualTLS() {
	cert, err := tls.LoadX509KeyPair("client.crt", "client.key")
	if err != nil {
		log.Fatal(err)
	}
	caPEM, _ := os.ReadFile("ca.crt")
	base, err := esrt.NewHTTPTransport(esrt.HTTPTransportConfig{
		CACert:    caPEM,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}},
	})
	if err != nil {
		log.Fatal(err)
	}
	tr, err := esrt.New(esrt.Config{
		Addresses: []string{"https://es1:9200", "https://es2:9200"},
		Transport: base, // CACert goes to NewHTTPTransport, not to Config
	})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()
}

// Functions as a service (AWS Lambda, Google Cloud Functions, Azure
// Functions): build the transport once, outside the handler, so that warm
// invocations reuse its connections and node health. Without sniffing, New
// does no I/O and starts no goroutine, so a cold start pays only for
// parsing the configuration.
var faasClient = func() *http.Client {
	tr, err := esrt.New(esrt.Config{
		Addresses: strings.Split(os.Getenv("ELASTICSEARCH_URL"), ","),
		APIKey:    os.Getenv("ES_API_KEY"),
		// No DiscoverNodesOnStart or DiscoverNodesInterval: no background
		// goroutine between invocations.
		Limits: esrt.LimitsConfig{RequestTimeout: 5 * time.Second}, // below the function's own timeout
	})
	if err != nil {
		log.Fatal(err)
	}
	return &http.Client{Transport: tr}
}

func Example_functionsAsAService() {
	client := faasClient() // in real code: a package-level variable set at start
	handler := func(ctx context.Context, query string) error {
		req, err := http.NewRequestWithContext(ctx, "POST", "http://es/products/_search", strings.NewReader(query))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		return res.Body.Close()
	}
	_ = handler
}

// Platforms and proxies that drop the body of a GET: send such requests as
// POST, which Elasticsearch accepts for every endpoint that takes a body.
func Example_getBodyAsPost() {
	tr, err := esrt.New(esrt.Config{
		Addresses: []string{"https://es.example.com:9243"},
		Protocol:  esrt.ProtocolConfig{SendGetBodyAs: "POST"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()
}

// A major upgrade: an application written for 8.x keeps working against
// 9.x with compatibility mode (or ELASTIC_CLIENT_APIVERSIONING=true).
func Example_compatibilityMode() {
	tr, err := esrt.New(esrt.Config{
		Addresses: []string{"https://es.example.com:9200"},
		Protocol: esrt.ProtocolConfig{
			CompatibilityMode:    true,
			CompatibilityVersion: 8, // what the application was written for
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()
}

// Per request: credentials, a timeout and an opaque id, through the
// context, whatever client sends the request.
func Example_perRequestOptions() {
	cluster, err := estest.Start(estest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	tr, err := esrt.New(esrt.Config{Addresses: cluster.URLs(), APIKey: "service:key"})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()
	client := &http.Client{Transport: tr}

	ctx := rt.WithAuth(context.Background(), rt.BearerAuth("token-of-tenant-42"))
	ctx = rt.WithRequestTimeout(ctx, 500*time.Millisecond)
	ctx = rt.WithOpaqueID(ctx, "tenant-42/checkout")
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://es/_cluster/health", nil)
	res, err := client.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	res.Body.Close()

	seen := cluster.Node(0).Requests()[0].Header
	fmt.Println(seen.Get("Authorization"), "|", seen.Get("X-Opaque-Id"))
	// Output: Bearer token-of-tenant-42 | tenant-42/checkout
}

// Connection pool sizing: idle connections kept per node. The default, 256,
// keeps 256 requests at once to three nodes on open connections; raise it
// for more requests at once per node, lower it to hold fewer sockets.
func Example_connectionPool() {
	base, err := esrt.NewHTTPTransport(esrt.HTTPTransportConfig{
		MaxIdleConnsPerHost: 128,
		DialTimeout:         3 * time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}
	tr, err := esrt.New(esrt.Config{Addresses: []string{"http://es1:9200", "http://es2:9200"}, Transport: base})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()
}

// Zone-aware routing: prefer the nodes in the caller's zone while any is
// healthy. Zones are node attributes (node.attr.zone), learnt by sniffing.
func Example_zoneAwareRouting() {
	cluster, err := estest.Start(estest.Config{NodeConfigs: []estest.NodeConfig{
		{Attributes: map[string]string{"zone": "eu-west-1a"}},
		{Attributes: map[string]string{"zone": "eu-west-1b"}},
		{Attributes: map[string]string{"zone": "eu-west-1c"}},
	}})
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()

	tr, err := esrt.New(esrt.Config{
		Addresses:            cluster.URLs(),
		DiscoverNodesOnStart: true,
		Pool:                 esrt.PoolConfig{Prefer: selector.Attribute("zone", "eu-west-1b")},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()
	client := &http.Client{Transport: tr}
	for range 10 {
		res, err := client.Get("http://es/_cluster/health")
		if err != nil {
			log.Fatal(err)
		}
		res.Body.Close()
	}
	for _, n := range cluster.Nodes() {
		fmt.Println(n.Name(), len(n.Requests()) > 1) // more than the sniff
	}
	// Output:
	// node-0 false
	// node-1 true
	// node-2 false
}

// Hedged search: a search still unanswered after its p95 latency also goes
// to a second node; the first answer wins. Hedges spend the retry budget.
func Example_hedgedSearch() {
	tr, err := esrt.New(esrt.Config{
		Addresses: []string{"http://es1:9200", "http://es2:9200", "http://es3:9200"},
		Retry:     esrt.RetryConfig{Hedge: esrt.HedgeConfig{Enabled: true}}, // p95 per operation, 5 % of reads at most
	})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()
}

// Writes sent twice: a create whose first attempt was applied before the
// connection broke is answered 409 on the retry; the response says so.
func Example_retriedWrite() {
	// An in-process node that applies the first request, then resets the
	// connection before it answers, stands in for a network that fails.
	cluster, err := estest.Start(estest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	cluster.Node(0).ResetNext(1, estest.ResetAfterApply)
	tr, err := esrt.New(esrt.Config{Addresses: cluster.URLs()})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()
	client := &http.Client{Transport: tr}

	req, _ := http.NewRequest(http.MethodPut, "http://es/orders/_create/42", strings.NewReader(`{"total":12}`))
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	var stopped *rt.RetryError
	if errors.As(err, &stopped) && stopped.Reason == rt.StopMayHaveBeenApplied {
		log.Fatal("not sent again: it may have been applied; check before you retry it")
	} else if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	switch {
	case res.StatusCode == http.StatusConflict && rt.RetriedWrite(res.Header):
		// An earlier attempt may have created it: GET it and compare.
		fmt.Println("409 on a retried write: the document may be ours")
	case res.StatusCode == http.StatusConflict:
		fmt.Println("409: the document existed before")
	default:
		fmt.Println(res.StatusCode)
	}
	// Output: 409 on a retried write: the document may be ours
}

// Bulk ingest with backpressure: queue callers when the cluster rejects
// work with 429, instead of hammering it.
func Example_bulkBackpressure() {
	tr, err := esrt.New(esrt.Config{
		Addresses:           []string{"http://es1:9200", "http://es2:9200"},
		Limits:              esrt.LimitsConfig{Limiter: esrt.LimiterConfig{Enabled: true}},
		CompressRequestBody: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()
	// Export tr.Limiter().Stats().Bulk (limit, in flight, queued) as metrics.
}

// Logging requests, and each request as a curl command at Debug level,
// with credentials redacted.
func Example_loggingAsCurl() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	tr, err := esrt.New(esrt.Config{
		Addresses: []string{"http://localhost:9200"},
		Logger:    logger,
		Logging:   esrt.LoggingConfig{Curl: true, MaxBodySize: 2048},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()
}

// Several nodes alike, spread evenly: round-robin instead of the
// latency-aware default.
func Example_roundRobin() {
	cluster, err := estest.Start(estest.Config{Nodes: 3})
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	addresses := cluster.URLs()

	tr, err := esrt.New(esrt.Config{
		Addresses: addresses, // every node
		Pool:      esrt.PoolConfig{Selector: selector.RoundRobin()},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()

	client := &http.Client{Transport: tr}
	for range 30 {
		res, err := client.Get("http://es/_cluster/health")
		if err != nil {
			log.Fatal(err)
		}
		res.Body.Close()
	}
	for _, n := range cluster.Nodes() {
		fmt.Print(len(n.Requests()), " ")
	}
	fmt.Println()
	// Output: 10 10 10
}
