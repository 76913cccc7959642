package esrt

import (
	"io"
	"net/http"

	"github.com/esrt-dev/esrt/endpoint"
)

// noReplay returns req, or for an attempt that net/http's Transport would
// send again on its own, a copy that it will not.
//
// net/http resends a GET, HEAD, OPTIONS or TRACE request (or one with an
// Idempotency-Key header) whose body it can replay when a reused
// connection breaks after the request was written, without telling its
// caller: the retry middleware never sees that attempt. That is harmless
// for a read, but not for the endpoints that package endpoint calls
// otherwise: GET /_search/scroll moves the scroll twice (a page is lost),
// the enroll GETs mint two sets of credentials, and even an idempotent
// write resent this way escapes esrt's judgement (DisableRetry, the
// budget, rt.RetriedWriteHeader). For every request that does not only
// read, the copy has a body that net/http cannot replay: the request's
// own without GetBody, or an empty one. For GET, HEAD and OPTIONS, an
// empty body of unknown length is sent as no body at all (net/http reads
// it before sending and finds it empty), so the request on the wire is
// unchanged.
//
// The endpoint is the table's for the method and path ([endpoint.Lookup]),
// not the one the context may carry: looking that up would walk the
// caller's context once more on every request, and a client that sets it
// calls the path it names.
func noReplay(req *http.Request) *http.Request {
	if !replayableByNetHTTP(req) || readsByTable(req) {
		return req
	}
	out := req.WithContext(req.Context())
	out.GetBody = nil
	if out.Body == nil || out.Body == http.NoBody {
		out.Body, out.ContentLength = emptyBody{}, 0
	}
	return out
}

// replayableByNetHTTP reports whether net/http's Transport may send req
// again after writing it (its Request.isReplayable).
func replayableByNetHTTP(req *http.Request) bool {
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return false
	}
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return len(req.Header["Idempotency-Key"]) > 0 || len(req.Header["X-Idempotency-Key"]) > 0
}

// readsByTable reports whether the endpoint table calls req's method and
// escaped path a read.
func readsByTable(req *http.Request) bool {
	return req.URL != nil && endpoint.Lookup(req.Method, req.URL.EscapedPath()).Safety == endpoint.ReadOnly
}

// emptyBody is a request body that is empty, and that net/http cannot
// replay: it is neither nil nor http.NoBody.
type emptyBody struct{}

func (emptyBody) Read([]byte) (int, error) { return 0, io.EOF }
func (emptyBody) Close() error             { return nil }
