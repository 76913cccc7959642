// Package rt holds the primitives every esrt middleware builds on: the
// [Middleware] shape and [Chain], the [Func] adapter, [Node], per-request
// options carried in the context, [Hooks], the typed errors, and
// [ReplayableBody].
//
// A chain is built once and then shared by every request:
//
//	request ──► a ──► b ──► c ──► base (an *http.Transport)
//	response ◄── a ◄── b ◄── c ◄──┘
//
//	tr := rt.Chain(base, a, b, c) // a(b(c(base)))
//
// Every middleware keeps the contract of [net/http.RoundTripper]:
//
//   - It is safe for concurrent use.
//   - It never modifies the caller's request: it clones the request before
//     changing anything, and only when it changes something.
//   - It closes the request body on every path, also when it fails before
//     calling next; when it calls next, next closes it.
//   - It returns any HTTP status as a response with a nil error. Only a
//     typed client turns Elasticsearch error bodies into Go errors.
//   - It forwards CloseIdleConnections to next, so that
//     [net/http.Client.CloseIdleConnections] reaches the pool.
//
// Package [github.com/esrt-dev/esrt/rt/rttest] checks these rules for any
// middleware, ours or yours.
//
// Per-request options (timeouts, opaque id, extra headers, credentials,
// retry overrides, pinning to a node, hooks) travel in the request's context,
// so they reach the chain through any client that sends an [net/http.Request]:
// go-elasticsearch, opensearch-go, olivere/elastic or a plain
// [net/http.Client].
//
// Nothing in this package logs, starts goroutines or keeps global state that
// callers can see; its only shared state is a pool of body buffers.
package rt
