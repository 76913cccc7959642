// Package client is esrt's typed client for the Elasticsearch and
// OpenSearch REST APIs: documents, searches with typed hits, a bulk indexer
// and a scan over every matching document. It is hand-written and small;
// request bodies are the caller's JSON (or any value that marshals to it),
// with no query builder.
//
//	tr, err := esrt.New(esrt.Config{Addresses: []string{"https://es:9200"}})
//	es := client.New(&http.Client{Transport: tr})
//	res, err := client.Search[Order](ctx, es, client.SearchRequest{
//		Index: []string{"orders"},
//		Body:  `{"query":{"term":{"status":"paid"}}}`,
//	})
//
// # Requests
//
// Every call takes a context first and tells the transport what it calls:
// the request's context carries the endpoint id of the Elasticsearch
// specification, the target indices and the path parameters
// ([endpoint.NewContext]), so that retry safety, hedging, logging and
// tracing use those facts instead of reading the path. Responses are read
// to their end and closed, so connections are reused.
//
// # Errors
//
// An answer with a status of 300 or more is an [*Error]; a request that
// could not be sent or answered is the Doer's error, wrapped. An Exists
// call answers a 404 with false, not an error.
package client
