package rt

import "net/http"

// RetriedWriteHeader is the response header the retry middleware adds to
// the response of a write that it sent again after an earlier attempt may
// have reached the server: that attempt may have been applied, and the
// response describes the attempt that came after it. Its value is the
// number of earlier attempts that may have reached the server, from "1".
//
// The header survives any client built on net/http, such as
// go-elasticsearch, which hands its caller the status, headers and body:
// test it with [RetriedWrite]. A response that matters:
//
//   - 409 Conflict to a create (PUT or POST {index}/_create/{id}, or
//     op_type=create): the earlier attempt may have created the
//     document. GET the document and compare it with yours.
//   - 404 Not Found to a DELETE: the document, or index, is gone either
//     way; the earlier attempt may have deleted it.
//   - 400 resource_already_exists_exception to the creation of an index
//     or another named resource: the earlier attempt may have created it.
//
// Only writes are marked, never reads, and only when an earlier attempt
// may have reached the server: one whose connection was refused, that a
// circuit breaker refused, that failed in the client ([*LocalError]) or
// that was answered 429 (rejected before it ran) did not. The retry
// middleware removes the header from every response it returns otherwise,
// so a server cannot set it.
const RetriedWriteHeader = "X-Esrt-Retried-Write"

// RetriedWrite reports whether h, the header of a response that came
// through the retry middleware, carries [RetriedWriteHeader]: the response
// answers a write that was sent again after an earlier attempt may already
// have been applied.
func RetriedWrite(h http.Header) bool {
	return len(h[RetriedWriteHeader]) > 0
}
