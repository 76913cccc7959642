package estest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// esError is an Elasticsearch ErrorCause together with the HTTP status it is
// answered with. It renders as the standard envelope
//
//	{"error":{"root_cause":[...],"type":...,"reason":...,...},"status":N}
//
// or, inside a bulk item, as the bare cause.
type esError struct {
	status   int
	typ      string
	reason   string
	extra    []member // metadata keys, in order (index, index_uuid, shard, ...)
	causedBy *esError
	roots    []*esError // root causes, when they are not the error itself (search phase failures)
}

func newError(status int, typ, reason string, extra ...member) *esError {
	return &esError{status: status, typ: typ, reason: reason, extra: extra}
}

// kv builds one metadata member of an error cause.
func kv(key string, v any) member {
	b, _ := marshal(v)
	return member{key: key, val: b}
}

// cause renders the ErrorCause object: type, reason, metadata, caused_by.
func (e *esError) cause(withRoot bool) json.RawMessage {
	obj := make([]member, 0, 4+len(e.extra))
	if withRoot {
		roots := []json.RawMessage{e.rootCause()}
		if e.roots != nil {
			roots = roots[:0]
			for _, r := range e.roots {
				roots = append(roots, r.rootCause())
			}
		}
		obj = append(obj, member{"root_cause", mustMarshal(roots)})
	}
	obj = append(obj, kv("type", e.typ), kv("reason", e.reason))
	obj = append(obj, e.extra...)
	if e.causedBy != nil {
		obj = append(obj, member{"caused_by", e.causedBy.cause(false)})
	}
	return encodeObject(obj)
}

// rootCause is the cause without caused_by, as Elasticsearch reports the
// outermost exception it raised.
func (e *esError) rootCause() json.RawMessage {
	c := *e
	c.causedBy, c.roots = nil, nil
	return c.cause(false)
}

// envelope is the whole error response body.
func (e *esError) envelope() []byte {
	return encodeObject([]member{{"error", e.cause(true)}, kv("status", e.status)})
}

func (e *esError) response() response {
	return response{status: e.status, body: e.envelope()}
}

// stringError is the routing layer's answer, whose "error" is a plain string
// (RestController.handleBadRequest and handleUnsupportedHttpMethod).
func stringError(status int, msg string, withStatus bool) response {
	obj := []member{kv("error", msg)}
	if withStatus {
		obj = append(obj, kv("status", status))
	}
	return response{status: status, body: encodeObject(obj)}
}

func indexNotFound(name string) *esError {
	return newError(http.StatusNotFound, "index_not_found_exception", "no such index ["+name+"]",
		kv("resource.type", "index_or_alias"), kv("resource.id", name), kv("index_uuid", "_na_"), kv("index", name))
}

func documentMissing(ix *index, id string) *esError {
	return newError(http.StatusNotFound, "document_missing_exception", "["+id+"]: document missing",
		kv("index_uuid", ix.uuid), kv("shard", "0"), kv("index", ix.name))
}

func versionConflict(ix *index, id string, version int64) *esError {
	return newError(http.StatusConflict, "version_conflict_engine_exception",
		"["+id+"]: version conflict, document already exists (current version ["+strconv.FormatInt(version, 10)+"])",
		kv("index_uuid", ix.uuid), kv("shard", "0"), kv("index", ix.name))
}

// validationError is Elasticsearch's ActionRequestValidationException,
// which numbers every message: "Validation Failed: 1: a;2: b;".
func validationError(msgs ...string) *esError {
	reason := "Validation Failed: "
	for i, m := range msgs {
		reason += strconv.Itoa(i+1) + ": " + m + ";"
	}
	return newError(http.StatusBadRequest, "action_request_validation_exception", reason)
}

func bodyRequired() *esError {
	return newError(http.StatusBadRequest, "parse_exception", "request body is required")
}

// rejected is the 429 es_rejected_execution_exception of indexing pressure,
// worded as Elasticsearch 7.9+ does.
func rejected(kind string, bytes int) *esError {
	return newError(http.StatusTooManyRequests, "es_rejected_execution_exception",
		"rejected execution of "+kind+" operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, "+
			kind+"_operation_bytes="+strconv.Itoa(bytes)+", max_coordinating_and_primary_bytes=53687091]")
}

// queryError is a client error in a search request; the server answers 400
// with an envelope of this type and reason, and Cause as its caused_by.
type queryError struct {
	Type, Reason string
	Cause        *queryError // nil when there is no caused_by
}

func (e *queryError) Error() string { return e.Type + ": " + e.Reason }

func parsingError(format string, args ...any) error {
	return &queryError{Type: "parsing_exception", Reason: fmt.Sprintf(format, args...)}
}

func illegalArgument(format string, args ...any) error {
	return &queryError{Type: "illegal_argument_exception", Reason: fmt.Sprintf(format, args...)}
}

func contentError(format string, args ...any) error {
	return &queryError{Type: "x_content_parse_exception", Reason: fmt.Sprintf(format, args...)}
}
