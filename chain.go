package esrt

import (
	"net/http"

	"github.com/esrt-dev/esrt/rt"
)

// layers are the parts of the chain that [New] builds from a Config. A
// layer that is off is nil, and so absent from the chain.
type layers struct {
	middleware     rt.Middleware // Config.Middleware
	clusterBreaker rt.Middleware
	logging        rt.Middleware
	requestTimeout rt.Middleware
	productCheck   rt.Middleware
	sizeLimit      rt.Middleware
	gzip           rt.Middleware
	admission      rt.Middleware
	retry          rt.Middleware
	hedge          rt.Middleware
	getAsPost      rt.Middleware
	routing        rt.Middleware
	headers        rt.Middleware
	compatibility  rt.Middleware
	auth           rt.Middleware
	nodeBreakers   rt.Middleware
	attemptTimeout rt.Middleware
	plaintext      rt.Middleware
	attempt        rt.Middleware // Config.AttemptMiddleware
	guard          rt.Middleware
}

// chain is esrt's order of the layers, outermost first, on base; each line
// says why its layer is where it is. It also returns where the sniffer's
// requests enter: below routing, so that they pass only the caller's
// attempt middlewares and the guard on their way to the node they are for.
func (l *layers) chain(base http.RoundTripper) (chain, sniff http.RoundTripper) {
	chain = rt.Chain(base,
		l.middleware,     // the caller's: sees each call once, as made, and its final outcome
		l.clusterBreaker, // outside the request timeout and retry: judges whole calls, and fails fast
		l.logging,        // one line per call, with the caller's plain body and its final outcome
		l.requestTimeout, // outside retry: the deadline covers every attempt, backoff and the body
		l.productCheck,   // judges the response that is returned, after every retry
		l.sizeLimit,      // outside retry and routing: a large body is no node's fault
		l.gzip,           // outside retry: the body is compressed once, and retries resend it
		l.admission,      // right outside retry: a request waiting for its retry keeps its slot
		l.retry,          // outside routing: each attempt may go to another node
		l.hedge,          // inside retry: any attempt may be hedged, and retry sees one outcome per race
		l.getAsPost,      // inside retry, which judges safety by the caller's method
		l.routing,        // chooses the node of each attempt and rewrites its URL, on its own copy
		l.headers,        // right below routing, which applies the header layers to its copy: one per attempt
		l.compatibility,  // after headers: rewrites the final Accept and Content-Type
		l.auth,           // after headers: a configured Authorization header is the request's own
		l.nodeBreakers,   // inside routing, below the header layers: sees the attempt's node and final request
		l.attemptTimeout, // inside the breakers: a timed-out attempt counts as a failure
		l.plaintext,      // after routing: warns once the URL is the node's
		entry(&sniff),    // the sniffer's requests enter here; adds no layer
		l.attempt,        // the caller's: sees the final host, headers and body (signing)
		l.guard,          // right above the base: nothing starts an attempt past it
	)
	return chain, sniff
}

// stack returns mws as one middleware, outermost first, skipping nil
// entries; nil if there is none.
func stack(mws []rt.Middleware) rt.Middleware {
	for _, m := range mws {
		if m != nil {
			return func(next http.RoundTripper) http.RoundTripper { return rt.Chain(next, mws...) }
		}
	}
	return nil
}

// entry returns a middleware that stores in *at the RoundTripper at its
// place in the chain and returns it unwrapped: it marks a point where
// requests may enter the chain below its top, and adds no layer.
func entry(at *http.RoundTripper) rt.Middleware {
	return func(next http.RoundTripper) http.RoundTripper {
		*at = next
		return next
	}
}
