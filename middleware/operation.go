package middleware

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"

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

// classify maps a request's method and path to the safety of the
// Elasticsearch operation it calls, without allocating. Unknown POST
// endpoints are unsafe.
//
//	GET, HEAD, OPTIONS, PUT, DELETE                  idempotent
//	POST _search, _msearch, _count, _mget,
//	     _field_caps, _search/template,
//	     _msearch/template, _validate/query,
//	     _explain/{id}, _termvectors, _mtermvectors   idempotent
//	POST {index}/_doc/{id}, {index}/_create/{id}     idempotent (same id, same document)
//	POST {index}/_update/{id}                        by body: not when scripted
//	POST _bulk, {index}/_bulk                        by body: only when every action has an id
//	POST {index}/_doc (auto id), _search/scroll,
//	     _update_by_query, _delete_by_query,
//	     _reindex, anything else                      unsafe
func classify(method, path string) safety {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return idempotent
	case http.MethodPost:
	default:
		return unsafe
	}
	path = strings.Trim(path, "/")
	last, rest := cutLast(path)
	prev, _ := cutLast(rest)
	switch last {
	case "_search", "_msearch", "_count", "_mget", "_field_caps", "_termvectors", "_mtermvectors":
		return idempotent
	case "_bulk":
		return byBody
	case "template":
		if prev == "_search" || prev == "_msearch" {
			return idempotent
		}
	case "query":
		if prev == "_validate" {
			return idempotent
		}
	case "_doc":
		return unsafe // POST {index}/_doc: the server picks the id
	}
	switch prev {
	case "_doc", "_create", "_explain", "_termvectors":
		return idempotent
	case "_update":
		return byBody
	}
	return unsafe
}

// cutLast splits path at its last slash: ("a/b/c") → ("c", "a/b").
func cutLast(path string) (last, rest string) {
	i := strings.LastIndexByte(path, '/')
	if i < 0 {
		return path, ""
	}
	return path[i+1:], path[:i]
}

// idempotentBody decides a byBody operation from its body, read through
// getBody (and gunzipped when the request is compressed). Any doubt —
// unreadable body, malformed line — answers false.
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
	last, rest := cutLast(strings.Trim(req.URL.Path, "/"))
	if last == "_bulk" {
		return bulkHasIDs(r)
	}
	if prev, _ := cutLast(rest); prev == "_update" {
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
