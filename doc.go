// Package esrt is a transport for Elasticsearch and OpenSearch clusters,
// built as a chain of single-purpose http.RoundTripper middlewares.
//
// [New] assembles the default chain from a [Config] whose flat fields carry
// go-elasticsearch's names, and whose groups (Pool, Retry, Breaker,
// Limits, Logging, Protocol) hold esrt's own settings:
//
//	tr, err := esrt.New(esrt.Config{
//		Addresses: []string{"https://es1:9200", "https://es2:9200"},
//		APIKey:    os.Getenv("ES_API_KEY"),
//		CACert:    caPEM,
//	})
//	if err != nil { ... }
//	defer tr.Close()
//
// The [Transport] is an http.RoundTripper: use it with an http.Client, or
// give it to go-elasticsearch (elasticsearch.Config{Transport: tr}),
// opensearch-go or olivere/elastic. Every request then goes to one healthy
// node per attempt, fails over at once when a node stops answering, is
// retried only when that is safe for the Elasticsearch operation, and
// carries the configured credentials and headers.
//
// The order of the chain's layers, outermost first, is shown by the
// package's example "Chain", which go test runs, so it is always the order
// New builds; the reason for each layer's place is in chain.go.
//
// Each middleware lives in package middleware, selector or discovery and can
// be used on its own with [rt.Chain]. [NewHTTPTransport] builds the base
// transport with esrt's TLS and connection pool settings.
package esrt
