package endpoint

import (
	"context"
	"net/http"
)

type callKey struct{}

// NewContext returns a copy of ctx that carries c as the endpoint of the
// requests made with it. A client that knows what it calls (esrt's typed
// client does) sets it, so that [Of] and [CallOf] answer with the exact
// endpoint, indices and parameters instead of reading them from the path.
//
// The transport trusts c: its Safety decides whether a request is retried
// or hedged. Set only what the request really calls.
func NewContext(ctx context.Context, c Call) context.Context {
	return context.WithValue(ctx, callKey{}, &c)
}

// fromContext returns the call ctx carries, or nil.
func fromContext(ctx context.Context) *Call {
	c, _ := ctx.Value(callKey{}).(*Call)
	return c
}

// Of returns the endpoint req calls: the one its context carries (see
// [NewContext]), else [Lookup] of its method and escaped path. It does not
// allocate. Every esrt middleware that needs to know the operation asks
// here.
func Of(req *http.Request) Endpoint {
	if c := fromContext(req.Context()); c != nil {
		return c.Endpoint
	}
	return Lookup(req.Method, req.URL.EscapedPath())
}

// CallOf returns what [Of] returns, with the target indices and path
// parameters: those the context carries, else [Parse] of the path. It
// allocates when it parses.
func CallOf(req *http.Request) Call {
	if c := fromContext(req.Context()); c != nil {
		return *c
	}
	return Parse(req.Method, req.URL.EscapedPath())
}
