// Package esrt is a transport for Elasticsearch and OpenSearch clusters,
// built as a chain of single-purpose http.RoundTripper middlewares.
//
// [New] assembles the default chain from a [Config] whose fields carry
// go-elasticsearch's names:
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
// The chain, outermost first:
//
//	request
//	  │ headers       User-Agent, default headers, X-Opaque-Id
//	  │ compat        compatibility media types (optional)
//	  │ product check X-Elastic-Product (optional)
//	  │ size limits   response body caps, 512 MiB by default
//	  │ auth          request header > rt.WithAuth > URL userinfo > config
//	  │ gzip          request bodies, once (optional; on for Cloud ID)
//	  │ retry         operation-aware, jittered backoff, retry budget
//	  │ routing       node pool, latency-aware selection, dead-node backoff
//	  │ warning       credentials over plain http to a remote host
//	  │ guard         no attempt after Close; unsendable requests and unasked
//	  │               101s blame no node; hints on TLS errors
//	  ▼ base          *http.Transport: TLS (CA, fingerprint), pool, HTTP/2
//
// Each middleware lives in package middleware, selector or discovery and can
// be used on its own with [rt.Chain]. [NewHTTPTransport] builds the base
// transport with esrt's TLS and connection pool settings.
package esrt
