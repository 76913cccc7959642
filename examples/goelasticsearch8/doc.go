// Package goelasticsearch8 shows esrt as the transport of go-elasticsearch
// v8 (github.com/elastic/go-elasticsearch/v8), for programs that still talk
// to Elasticsearch 8. Everything in package goelasticsearch (v9) applies
// unchanged: give the client the *esrt.Transport and DisableRetry: true,
// and put TLS, compression and discovery into esrt.Config.
//
// The v8 client checks that the server is Elasticsearch 8 or later and,
// with EnableCompatibilityMode, sends compatible-with=8 headers; estest
// answers as the version it is configured with, so these tests run it as
// 8.19.0.
//
// The package has no API of its own: read its example and test.
package goelasticsearch8
