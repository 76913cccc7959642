package middleware

import (
	"net/http"
	"strings"
)

// readOnly reports whether a request reads without changing anything on
// the cluster: GET, HEAD and OPTIONS, and POST to the read-only endpoints
// that take a body (_search, _msearch, _count, _mget, _field_caps,
// _termvectors, _mtermvectors, _search/template, _msearch/template,
// _validate/query, _explain/{id}, _termvectors/{id}). Every other request
// is a write, including scroll continuations (they move a cursor).
func readOnly(method, path string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	case http.MethodPost:
	default:
		return false
	}
	// The last two segments, without depending on the endpoint table.
	path = strings.Trim(path, "/")
	i := strings.LastIndexByte(path, '/')
	last, prev := path[i+1:], ""
	if i >= 0 {
		rest := path[:i]
		prev = rest[strings.LastIndexByte(rest, '/')+1:]
	}
	switch last {
	case "_search", "_msearch", "_count", "_mget", "_field_caps", "_termvectors", "_mtermvectors":
		return true
	case "template":
		return prev == "_search" || prev == "_msearch"
	case "query":
		return prev == "_validate"
	}
	return prev == "_explain" || prev == "_termvectors"
}
