// Package rttest is a conformance kit for middlewares
// ([github.com/esrt-dev/esrt/rt.Middleware]), in the spirit of
// [testing/slogtest]: it checks that a middleware, one of esrt's or your
// own, keeps the contract of [net/http.RoundTripper] that every part of an
// esrt chain relies on. Every middleware of esrt runs it in its tests:
//
//	func TestUserAgent(t *testing.T) {
//		rttest.Run(t, UserAgent("my-app/1.0"))
//	}
//
// [Run] reports each rule as a subtest named after it; [Check] returns the
// broken rules as an error, one [*Violation] per rule, for use outside
// package testing. A plain func(next http.RoundTripper) http.RoundTripper is
// a valid argument for both.
//
// The kit supplies next: a stub that behaves like [net/http.Transport] (it
// reads and closes the request body on every path, returns the context's
// error once the context is done, sets Response.Request), answers with
// scripted statuses or errors, counts CloseIdleConnections calls and tracks
// every response body it returns. It wraps a fresh instance of the
// middleware, mw(next), for every scenario, so that scenarios do not
// interfere.
//
// # Rules
//
//   - [RequestUntouched]: after RoundTrip, whether next answers 200, 503 or a
//     transport error, the caller's request has the same Method, URL (every
//     field, user info included, and the same *url.URL), Host, Header (deep),
//     Body, GetBody (set or not), ContentLength and context. A middleware
//     that changes anything clones the request first.
//   - [BodyClosed]: the caller's request body is closed exactly once, whether
//     next answers 200, 503 or a transport error, with and without GetBody.
//     As [net/http.RoundTripper] allows, the close may happen after RoundTrip
//     returned: the kit waits up to three seconds. Requests with a nil Body or
//     [net/http.NoBody] must work.
//   - [StatusResponse]: when next answers 200, 404, 429, 500 or 503 (every
//     time, should the middleware retry), the caller gets a response with a
//     nil error and the status, a header and the body of next's response.
//     When next fails, the caller gets an error and a nil response. Exactly
//     one of response and error is non-nil, and a response has a non-nil
//     Body (checked here and under the concurrency rule).
//   - [ResponsesClosed]: once the caller has read and closed the response it
//     got, every response body next returned is closed (within three seconds):
//     a middleware that retries closes the responses it discards.
//   - [CloseIdle]: the RoundTripper has a CloseIdleConnections method, and
//     calling it reaches next.
//   - [Cancellation]: with next blocked until its request's context is done,
//     cancelling the caller's context makes RoundTrip return an error within
//     three seconds, and the context next saw is done: it derives from the
//     caller's.
//   - [Concurrency]: one instance serves 16 goroutines sending 20 requests
//     each, and every request gets its own response. Run the tests with
//     -race: only the race detector sees the data races this rule provokes,
//     and it blames this rule's subtest.
//   - [NoGoroutineLeak]: after all the other rules that ran, and after
//     CloseIdleConnections and (for an [io.Closer]) Close on every instance
//     built, every goroutine started during the checks has ended (within three
//     seconds). The message shows the stacks of those still running.
//
// # Adapting the kit
//
// [Config] lets a middleware that needs it choose the request the kit sends
// (method, URL, headers, context values: operation-aware middlewares behave
// differently per endpoint) and its body, and skip a rule, with a reason.
// Skipping should be rare: a middleware that answers without calling next
// (a cache, say) cannot be checked for cancellation.
//
// A middleware that waits between attempts (retry backoff) should be
// configured not to wait in the kit, or the kit is slow and may report
// RoundTrip calls that do not return in time. With a middleware that keeps
// the contract, the kit takes a few milliseconds: it waits only when
// something is wrong, and every wait is bounded.
//
// The goroutine leak rule counts the goroutines of the whole process: do not
// run the kit from a parallel test (t.Parallel).
package rttest
