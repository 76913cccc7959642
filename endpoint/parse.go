package endpoint

import (
	"net/url"
	"strings"
)

// Call is an endpoint with the values that a request's path gives it.
type Call struct {
	Endpoint

	// Indices holds the target indices: the {index} part of the path,
	// percent-decoded and split at commas, as Elasticsearch reads it
	// ("logs-a,logs-b" → [logs-a logs-b]; "%3Clogs-%7Bnow%2Fd%7D%3E" →
	// [<logs-{now/d}>]); empty names are dropped. Wildcards and _all stay
	// as written. It is nil when the path names no index.
	Indices []string

	// Params maps the name of each placeholder of the path template, as
	// the specification names it ("index", "id", "repository",
	// "task_id"), to its percent-decoded value. It is nil when the template
	// has none.
	Params map[string]string
}

// Parse returns what [Lookup] returns for method and path, with the values
// of the path's placeholders. Unlike Lookup it allocates.
func Parse(method, path string) Call {
	m := methodOf(method)
	r, ok := find(m, path)
	if !ok {
		return Call{Endpoint: Endpoint{Safety: unknownSafety(m)}}
	}
	c := Call{Endpoint: endpointOf(r)}
	if r.params == "" {
		return c
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	c.Params = make(map[string]string, strings.Count(r.params, ",")+1)
	names := r.params
	for pos := 0; names != ""; pos++ {
		var seg string
		seg, path = nextSegment(path)
		if r.holes&(1<<pos) == 0 {
			continue
		}
		var name string
		name, names, _ = strings.Cut(names, ",")
		v := unescape(seg)
		c.Params[name] = v
		if name == "index" {
			c.Indices = strings.FieldsFunc(v, isComma)
		}
	}
	return c
}

func isComma(r rune) bool { return r == ',' }

// unescape percent-decodes a path segment, or returns it as it is when it
// is not valid percent-encoding (a decoded path's "100%").
func unescape(seg string) string {
	if v, err := url.PathUnescape(seg); err == nil {
		return v
	}
	return seg
}
