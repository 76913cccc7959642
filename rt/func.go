package rt

import "net/http"

// Func adapts an ordinary function to [http.RoundTripper], as
// [http.HandlerFunc] does for handlers. It is handy for stub transports in
// tests and for small middlewares:
//
//	func(next http.RoundTripper) http.RoundTripper {
//		return rt.Func(func(req *http.Request) (*http.Response, error) {
//			// ... look at req, clone it before changing anything ...
//			return next.RoundTrip(req)
//		})
//	}
//
// A Func has no CloseIdleConnections method; a middleware that wraps a
// transport with pooled connections should be a named type that forwards it.
type Func func(*http.Request) (*http.Response, error)

// RoundTrip calls f(req).
func (f Func) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// CloseIdleConnections calls next.CloseIdleConnections if next has that
// method. A named middleware type forwards the call with it:
//
//	func (t *myTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }
func CloseIdleConnections(next http.RoundTripper) {
	if c, ok := next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
