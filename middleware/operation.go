package middleware

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/esrt-dev/esrt/endpoint"
	"github.com/klauspost/compress/gzip"
)

// safety says whether an Elasticsearch operation may be sent again after it
// reached the server.
type safety int

const (
	unsafe     safety = iota // sending it twice may do it twice
	idempotent               // sending it twice does no harm
	byBody                   // depends on the body: _bulk, _update
)

// operationOf maps the endpoint e, called with method, to what the retry
// and hedging middlewares decide by: the safety of sending it again, and
// whether it only reads. It is the one place that turns endpoint facts
// into those decisions:
//
//	endpoint.ReadOnly                          idempotent, read
//	endpoint.Idempotent                        idempotent, except POST (below)
//	endpoint.IdempotentWithIDs (_bulk),
//	endpoint.IdempotentWithoutScript (_update) byBody
//	endpoint.Unsafe                            unsafe
//
// So PUT /_bulk is judged by its body like POST, and PUT
// /_security/api_key, PUT /_connector, GET /_search/scroll and the other
// endpoints that do something twice when sent twice are unsafe. An unknown
// endpoint has the safety of its method's REST contract (see
// [endpoint.Lookup]): GET, HEAD and OPTIONS read, PUT and DELETE are
// idempotent, anything else unsafe.
//
// Of the POST endpoints that endpoint calls Idempotent without being
// reads, index and create with an id are idempotent here, and so is
// opening a point in time (open_point_in_time, OpenSearch's create_pit),
// which endpoint documents as retried but not hedged: a duplicate holds a
// search context only until its keep_alive. The others (_refresh, _open,
// start and stop calls, ...) stay unsafe. Every request that does not
// only read is a write, scroll continuations included: they move a
// cursor.
func operationOf(method string, e endpoint.Endpoint) (safe safety, read bool) {
	switch e.Safety {
	case endpoint.ReadOnly:
		return idempotent, true
	case endpoint.Idempotent:
		switch {
		case method != http.MethodPost, e.ID == "index", e.ID == "create",
			e.ID == "open_point_in_time", e.ID == "create_pit":
			return idempotent, false
		}
	case endpoint.IdempotentWithIDs, endpoint.IdempotentWithoutScript:
		return byBody, false
	}
	return unsafe, false
}

// readsByTable reports whether the endpoint table calls req's method and
// path a read ([endpoint.ReadOnly]), without the endpoint its context may
// carry, which [endpoint.Of] looks up with one more walk of the context.
func readsByTable(req *http.Request) bool {
	// The table matches escaped segments, so that an id may hold %2F.
	// Without a RawPath (set only when the escaping differs from Path's
	// default, as a %2F makes it) Path splits into the same segments.
	path := req.URL.Path
	if req.URL.RawPath != "" {
		path = req.URL.EscapedPath()
	}
	return endpoint.Lookup(req.Method, path).Safety == endpoint.ReadOnly
}

// opensScroll reports whether req asks for a scroll context (?scroll=): a
// search that does so creates server state, so it is not hedged.
func opensScroll(req *http.Request) bool {
	return strings.Contains(req.URL.RawQuery, "scroll=")
}

// latencyKey names the latency record of endpoint e, called with method,
// for the hedging middleware: its endpoint ID ("search", "count", "get"),
// or the method for an unknown endpoint (a plugin's, a newer version's),
// so that the unknown reads of one method share one record.
func latencyKey(method string, e endpoint.Endpoint) string {
	if e.ID != "" {
		return e.ID
	}
	if method == "" {
		return http.MethodGet
	}
	return method
}

// idempotentBody decides a byBody operation from its body, read through
// GetBody (and gunzipped when the request is compressed): a bulk request
// when every action names its id, an update when it runs no script. The
// endpoint is [endpoint.Of] the request. Any doubt — unreadable body,
// malformed line, another endpoint — answers false.
func idempotentBody(req *http.Request) bool {
	if req.GetBody == nil {
		return false
	}
	rc, err := req.GetBody()
	if err != nil {
		return false
	}
	defer rc.Close()
	var r io.Reader = rc
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(rc)
		if err != nil {
			return false
		}
		defer zr.Close()
		r = zr
	}
	switch endpoint.Of(req).Safety {
	case endpoint.IdempotentWithIDs:
		return bulkHasIDs(r)
	case endpoint.IdempotentWithoutScript:
		return !isScripted(r)
	}
	return false
}

// bulkHasIDs reports whether every action of an NDJSON bulk body names its
// document's id and no update runs a script, so that sending the body twice
// cannot create a second document or apply a script twice.
func bulkHasIDs(r io.Reader) bool {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 512<<20)
	actions := 0
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var action map[string]struct {
			ID *string `json:"_id"`
		}
		if json.Unmarshal(line, &action) != nil || len(action) != 1 {
			return false
		}
		for op, meta := range action {
			if meta.ID == nil || *meta.ID == "" {
				return false
			}
			switch op {
			case "delete":
				// no source line
			case "index", "create":
				if !sc.Scan() {
					return false
				}
			case "update":
				if !sc.Scan() || isScripted(bytes.NewReader(sc.Bytes())) {
					return false
				}
			default:
				return false
			}
		}
		actions++
	}
	return sc.Err() == nil && actions > 0
}

// isScripted reports whether an update body runs a script (or cannot be
// read, which counts as scripted: the safe answer).
func isScripted(r io.Reader) bool {
	var body struct {
		Script         json.RawMessage `json:"script"`
		ScriptedUpsert bool            `json:"scripted_upsert"`
	}
	if json.NewDecoder(r).Decode(&body) != nil {
		return true
	}
	return body.Script != nil || body.ScriptedUpsert
}
