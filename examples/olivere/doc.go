// Package olivere shows esrt as the transport of olivere/elastic v7
// (github.com/olivere/elastic/v7): the client keeps its API, and esrt
// chooses the node of every attempt, takes failed nodes out of rotation,
// retries as far as it is safe and, when asked, discovers the nodes.
//
// Its one function, [Retrier], is the olivere retrier to use with esrt;
// copy it. Read the package example and tests, and README.md in the parent
// directory for the recommended settings.
//
// Recommended client settings:
//
//   - elastic.SetHttpClient(&http.Client{Transport: tr}) with the
//     *esrt.Transport.
//   - elastic.SetSniff(false): esrt discovers nodes (DiscoverNodesOnStart,
//     DiscoverNodesInterval) and routes every attempt itself, so olivere's
//     sniffer would only replace its own, now unused, URL list — at the
//     cost of a request in NewClient and a goroutine.
//   - elastic.SetHealthcheck(false): esrt tracks node health per attempt;
//     olivere's health check would send HEAD / through esrt to whichever
//     node esrt picks, so it could not tell one node from another.
//   - elastic.SetRetrier([Retrier]()): olivere marks its URL dead when
//     esrt reports an error (every attempt failed), and once all its URLs
//     are dead it fails the next request without sending it, even when the
//     cluster is back. [Retrier] lets that request go out; it retries
//     nothing else, because esrt already did.
//   - elastic.SetURL: the cluster's addresses without path prefixes, or
//     one placeholder. esrt's router replaces scheme, host and path
//     prefix, so olivere's pick only shows up in its errors and logs.
//
// olivere/elastic v7 speaks the Elasticsearch 7 API. Against Elasticsearch
// 8, turn on esrt's compatibility mode with version 7 (Config.Protocol:
// CompatibilityMode, CompatibilityVersion: 7) so the server answers as 7
// would; the test TestCompatibilityMode shows it.
package olivere
