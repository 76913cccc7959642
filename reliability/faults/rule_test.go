package faults_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/esrt-dev/esrt/endpoint"
	"github.com/esrt-dev/esrt/rt"
)

// The rule every expectation of the matrix comes from. It restates the
// retry policy that middleware.Retry documents, from the endpoint's safety
// and the body, without calling esrt's own judgement, so that the two can
// disagree.

// fault is what goes wrong with the first attempt of a request.
type fault int

const (
	refusedAll          fault = iota // every node refuses connections
	refusedOne                       // one node refuses, another answers
	resetUnwritten                   // the connection breaks before the request is sent
	resetBeforeApply                 // the server reads the request, does not apply it, and resets
	resetAfterRead                   // the server reads the request, applies it, then resets
	status502                        // 502 Bad Gateway
	status503                        // 503 Service Unavailable
	status504                        // 504 Gateway Timeout
	status429                        // 429 Too Many Requests
	status429RetryAfter              // 429 with a Retry-After header
	hangTimeout                      // the node hangs until the attempt's timeout
	slow                             // the node answers, slowly
	dnsGone                          // the node's host name stops resolving
	certChanged                      // the node presents a certificate the client does not trust
	truncatedBody                    // the response body ends before its Content-Length
	malformedJSON                    // the response body is not JSON
	noFault                          // nothing goes wrong (for servers that only count)
)

var faultNames = [...]string{
	refusedAll: "refused all", refusedOne: "refused one", resetUnwritten: "reset unwritten",
	resetBeforeApply: "reset before apply", resetAfterRead: "reset after read", status502: "502", status503: "503", status504: "504",
	status429: "429", status429RetryAfter: "429 retry-after", hangTimeout: "hang", slow: "slow", dnsGone: "dns gone",
	certChanged: "cert changed", truncatedBody: "truncated body", malformedJSON: "malformed json", noFault: "none",
}

func (f fault) String() string { return faultNames[f] }

// operation is a request as the rule sees it.
type operation struct {
	method string
	safety endpoint.Safety
	id     string // endpoint id
	body   []byte
}

// opOf returns the operation of req, whose body is body, with the safety
// the endpoint table gives its method and path.
func opOf(method, path string, body []byte) operation {
	e := endpoint.Lookup(method, path)
	return operation{method: method, safety: e.Safety, id: e.ID, body: body}
}

// outcome is what the caller sees and what the cluster received.
type outcome struct {
	status   int           // the response's status, 200 for any success; 0: the caller gets an error
	reason   rt.StopReason // the *rt.RetryError's Reason, when status is 0
	received int           // times a server received the request
	// unsure: the client cannot always tell whether the request was
	// written; when it saw that it was not, the outcome is a success
	// received once instead, and a write's response may carry the
	// retried-write mark either way.
	unsure bool
	// retriedWrite: the response carries rt.RetriedWriteHeader, because
	// the write was sent again after an attempt that may have reached a
	// server.
	retriedWrite bool
}

// expect is the rule: the outcome of op when its first attempt meets f,
// and every later attempt succeeds.
func expect(f fault, op operation) outcome {
	again := repeatable(op)
	write := op.safety != endpoint.ReadOnly
	switch f {
	case refusedAll:
		// Nothing was sent: every operation is retried, to exhaustion.
		return outcome{reason: rt.StopExhausted}
	case refusedOne, dnsGone, slow:
		// Nothing was sent (or nothing went wrong): another node takes it.
		return outcome{status: 200, received: 1}
	case resetUnwritten:
		// Nothing reached the server, but the client may have written
		// the request before the reset arrived: only a repeatable
		// operation is surely sent again.
		if again {
			return outcome{status: 200, received: 1, unsure: true}
		}
		return outcome{reason: rt.StopMayHaveBeenApplied, unsure: true}
	case certChanged:
		// No retry can fix an untrusted certificate, and nothing was
		// sent: the caller gets the TLS error at once.
		return outcome{reason: rt.StopPermanent}
	case truncatedBody, malformedJSON:
		// Once its headers arrived, the response is the caller's:
		// never sent again; the caller's read or decode fails.
		return outcome{status: 200, received: 1}
	case status429, status429RetryAfter:
		// Rejected without being run: retried whatever the operation.
		return outcome{status: 200, received: 2}
	case status502, status503, status504:
		// The request reached a node: sent again only when repeatable;
		// otherwise the caller gets the status itself.
		if again {
			return outcome{status: 200, received: 2, retriedWrite: write}
		}
		return outcome{status: statusOf[f], received: 1}
	case resetBeforeApply, resetAfterRead:
		// The server may have applied it (the client cannot tell that it
		// did not): only a repeatable operation is sent again; any other
		// ends with "may have been applied".
		if again {
			return outcome{status: 200, received: 2, retriedWrite: write}
		}
		return outcome{reason: rt.StopMayHaveBeenApplied, received: 1}
	case hangTimeout:
		// The attempt timed out after the request was written: as a reset.
		if again {
			return outcome{status: 200, received: 2, retriedWrite: write}
		}
		return outcome{reason: rt.StopMayHaveBeenApplied, received: 1}
	}
	panic("no rule for fault " + f.String())
}

var statusOf = map[fault]int{status502: 502, status503: 503, status504: 504, status429: 429, status429RetryAfter: 429}

// repeatable reports whether op may be sent again after it may have been
// applied: reads; PUT and DELETE of Idempotent endpoints, and index and
// create with an id and opening a point in time by POST too (the other
// Idempotent POSTs, such as _refresh, are not sent again); _bulk when every
// action names its _id and no update runs a script; _update without a
// script.
func repeatable(op operation) bool {
	switch op.safety {
	case endpoint.ReadOnly:
		return true
	case endpoint.Idempotent:
		return op.method != http.MethodPost || op.id == "index" || op.id == "create" ||
			op.id == "open_point_in_time" || op.id == "create_pit"
	case endpoint.IdempotentWithIDs:
		return everyActionHasID(op.body)
	case endpoint.IdempotentWithoutScript:
		return !scripted(op.body)
	}
	return false
}

// everyActionHasID reports whether every action of an NDJSON bulk body
// names a non-empty _id, and no update action runs a script.
func everyActionHasID(body []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(body))
	n := 0
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var action map[string]struct {
			ID string `json:"_id"`
		}
		if json.Unmarshal(sc.Bytes(), &action) != nil || len(action) != 1 {
			return false
		}
		for kind, meta := range action {
			if meta.ID == "" {
				return false
			}
			if kind != "delete" && (!sc.Scan() || kind == "update" && scripted(sc.Bytes())) {
				return false
			}
		}
		n++
	}
	return n > 0
}

// scripted reports whether an update body runs a script.
func scripted(body []byte) bool {
	var b map[string]json.RawMessage
	if json.Unmarshal(body, &b) != nil {
		return true
	}
	_, script := b["script"]
	return script || string(b["scripted_upsert"]) == "true"
}
