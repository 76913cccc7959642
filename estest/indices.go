package estest

import (
	"net/http"
	"strconv"
	"strings"
)

// getIndex answers GET /{index} (aliases, mappings and settings of each
// index; mappings are always empty) and HEAD /{index} (200 or 404, no
// body).
func (c *Cluster) getIndex(rq *request) response {
	s := c.store
	s.mu.Lock()
	defer s.mu.Unlock()
	names, e := s.resolve(rq.vars["index"], false)
	if rq.r.Method == http.MethodHead {
		if e != nil || len(names) == 0 {
			return response{status: http.StatusNotFound}
		}
		return response{status: http.StatusOK}
	}
	if e != nil {
		return e.response()
	}
	out := make([]member, 0, len(names))
	for _, name := range names {
		ix := s.indices[name]
		settings := encodeObject([]member{{"index", encodeObject([]member{
			kv("creation_date", strconv.FormatInt(ix.created.UnixMilli(), 10)), kv("number_of_shards", "1"),
			kv("number_of_replicas", "1"), kv("uuid", ix.uuid), kv("version", map[string]string{"created": "8521000"}),
			kv("provided_name", name)})}})
		out = append(out, member{name, encodeObject([]member{{"aliases", []byte("{}")}, {"mappings", []byte("{}")},
			{"settings", settings}})})
	}
	return okJSON(out)
}

// createIndex answers PUT /{index}. The body (settings, mappings) is
// checked to be a JSON object and otherwise ignored. An existing index is
// 400 resource_already_exists_exception.
func (c *Cluster) createIndex(rq *request) response {
	if len(strings.TrimSpace(string(rq.body))) > 0 {
		if _, err := parseObject(rq.body); err != nil {
			return newError(http.StatusBadRequest, "x_content_parse_exception", syntaxReason(rq.body)).response()
		}
	}
	name := rq.vars["index"]
	c.store.mu.Lock()
	_, e := c.store.createIndex(name)
	c.store.mu.Unlock()
	if e != nil {
		return e.response()
	}
	return okJSON([]member{kv("acknowledged", true), kv("shards_acknowledged", true), kv("index", name)})
}

// deleteIndex answers DELETE /{index} with concrete, comma-separated
// names; wildcards are refused as with action.destructive_requires_name,
// Elasticsearch 8's default.
func (c *Cluster) deleteIndex(rq *request) response {
	expr := rq.vars["index"]
	if strings.ContainsAny(expr, "*?") || expr == "_all" {
		return newError(http.StatusBadRequest, "illegal_argument_exception",
			"Wildcard expressions or all indices are not allowed").response()
	}
	s := c.store
	s.mu.Lock()
	defer s.mu.Unlock()
	names, e := s.resolve(expr, false)
	if e != nil {
		return e.response()
	}
	for _, name := range names {
		delete(s.indices, name)
	}
	return okJSON([]member{kv("acknowledged", true)})
}

// refresh answers POST /_refresh and /{index}/_refresh. Writes are always
// visible, so it only reports the shards.
func (c *Cluster) refresh(rq *request) response {
	s := c.store
	s.mu.Lock()
	names, e := s.resolve(rq.vars["index"], rq.params.Get("ignore_unavailable") == "true")
	s.mu.Unlock()
	if e != nil {
		return e.response()
	}
	k := len(names)
	return okJSON([]member{{"_shards", encodeObject([]member{kv("total", 2*k), kv("successful", c.copies()*k), kv("failed", 0)})}})
}
