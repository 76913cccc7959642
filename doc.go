// Package esrt is the default transport for Elasticsearch and OpenSearch:
// a chain of single-purpose http.RoundTripper middlewares assembled from a
// [Config].
//
// The root package will hold Config, New and Transport. So far it holds
// [NewHTTPTransport], the base transport with esrt's TLS and connection
// pool settings.
package esrt
