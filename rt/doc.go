// Package rt holds the primitives that a user of esrt, or the author of a
// middleware, needs: the [Middleware] shape and [Chain], the [Func] adapter
// and [CloseIdleConnections], [Node], the per-request options carried in
// the context (a With and a From function for each), [Auth], [Hooks], the
// typed errors, [ReplayableBody], and the [RetriedWriteHeader] mark on a
// response.
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
// [net/http.Client]. Set one with its With function ([WithRequestTimeout],
// [WithAuth], ...) and read it back with its From function.
//
// How esrt's own middlewares coordinate the attempts of one request
// (retries, hedges, last-resort attempts to excluded nodes) is internal to
// esrt. What a caller may observe of it is here: [Hooks] report each
// attempt ([AttemptInfo] carries its node, its number and whether it is a
// hedge), the cause [ErrHedgeLost] marks an attempt that lost a hedged race,
// and [*RetryError] lists the attempts of a request that failed.
//
// Nothing in this package logs, starts goroutines or keeps global state that
// callers can see; its only shared state is a pool of body buffers.
package rt
