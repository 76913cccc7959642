package rt

import "net/http"

// Middleware wraps a RoundTripper with one concern (retry, auth, routing, ...)
// and returns the wrapped RoundTripper. A Middleware is called once, when the
// chain is built, never per request.
//
// The RoundTripper it returns keeps the contract of [http.RoundTripper]: it
// is safe for concurrent use, never modifies the caller's request (it clones
// the request before changing anything), closes the request body on every
// path, returns any HTTP status as a response with a nil error, and forwards
// CloseIdleConnections to next. Package [github.com/esrt-dev/esrt/rt/rttest]
// checks exactly these rules.
type Middleware func(next http.RoundTripper) http.RoundTripper

// Chain wraps base in mws and returns the result. The first middleware is the
// outermost: Chain(base, a, b, c) is a(b(c(base))), so a request passes
// through a, then b, then c, then base, and the response comes back the other
// way. Nil middlewares are skipped, which lets callers write optional parts
// inline. A nil base means [http.DefaultTransport].
func Chain(base http.RoundTripper, mws ...Middleware) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	next := base
	for i := len(mws) - 1; i >= 0; i-- {
		if mws[i] != nil {
			next = mws[i](next)
		}
	}
	return next
}
