package estest

// This file is points in time in their two flavours: Elasticsearch's
// (7.10 and later: POST /{index}/_pit, DELETE /_pit) and OpenSearch's (2.4
// and later: POST /{index}/_search/point_in_time, DELETE
// /_search/point_in_time). A cluster routes only its own flavour, so the
// other one's paths are unknown (400 no handler), as on a real server. A
// search names either with {"pit":{"id":...}}.

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// hasPIT reports whether the configured version has points in time.
func (c *Cluster) hasPIT() bool {
	if c.product == OpenSearch {
		return c.major > 2 || c.major == 2 && c.minor >= 4
	}
	return c.major > 7 || c.major == 7 && c.minor >= 10
}

// pitRoutes returns the point-in-time routes of the product and version.
func (c *Cluster) pitRoutes() []route {
	type h = map[string]func(*request) response
	switch {
	case !c.hasPIT():
		return nil
	case c.product == OpenSearch:
		return []route{
			newRoute("{index}/_search/point_in_time", h{"POST": c.openPIT}),
			newRoute("_search/point_in_time", h{"DELETE": c.deletePITs}),
			newRoute("_search/point_in_time/_all", h{"GET": c.listPITs, "DELETE": c.deletePITs}),
		}
	}
	return []route{
		newRoute("{index}/_pit", h{"POST": c.openPIT}),
		newRoute("_pit", h{"DELETE": c.closePIT}),
	}
}

// openPIT answers POST /{index}/_pit?keep_alive=... (Elasticsearch) and
// POST /{index}/_search/point_in_time?keep_alive=... (OpenSearch): the
// documents of the indices are frozen until the point in time is closed or
// expires (checked when it is used; no timer runs).
func (c *Cluster) openPIT(rq *request) response {
	ka := rq.params.Get("keep_alive")
	if ka == "" {
		if c.product == OpenSearch {
			return validationError("keep alive not specified").response()
		}
		return validationError("[keep_alive] is not specified").response()
	}
	keepAlive, err := parseTimeValue("keep_alive", ka)
	if err != nil {
		return newError(http.StatusBadRequest, "illegal_argument_exception", err.Error()).response()
	}
	s := c.store
	s.mu.Lock()
	names, e := s.resolve(rq.vars["index"], rq.params.Get("ignore_unavailable") == "true")
	if e != nil {
		s.mu.Unlock()
		return e.response()
	}
	p := s.openPIT(names, keepAlive, c.now())
	s.mu.Unlock()
	shards := member{"_shards", scope{shards: len(names)}.shardsObject()}
	if c.product == OpenSearch {
		return okJSON([]member{kv("pit_id", p.id), shards, kv("creation_time", p.created.UnixMilli())})
	}
	return okJSON([]member{kv("id", p.id), shards})
}

// closePIT answers Elasticsearch's DELETE /_pit with {"id": ...}: 200 with
// num_freed 1, or 404 with num_freed 0 for an unknown or expired id.
func (c *Cluster) closePIT(rq *request) response {
	var body struct {
		ID string `json:"id"`
	}
	if len(strings.TrimSpace(string(rq.body))) == 0 {
		return bodyRequired().response()
	}
	if err := json.Unmarshal(rq.body, &body); err != nil {
		return newError(http.StatusBadRequest, "x_content_parse_exception", syntaxReason(rq.body)).response()
	}
	if body.ID == "" {
		return validationError("point in time id is not specified").response()
	}
	s := c.store
	s.mu.Lock()
	p := s.usePIT(body.ID, 0, c.now())
	delete(s.pits, body.ID)
	s.mu.Unlock()
	if p == nil {
		return response{status: http.StatusNotFound, body: encodeObject([]member{kv("succeeded", true), kv("num_freed", 0)})}
	}
	return okJSON([]member{kv("succeeded", true), kv("num_freed", 1)})
}

// deletePITs answers OpenSearch's DELETE /_search/point_in_time with
// {"pit_id": [...]} (or one string) and DELETE
// /_search/point_in_time/_all: 200 with one {"successful":true,"pit_id":...}
// per id. OpenSearch counts an unknown or expired id as deleted too
// (SearchService.freeReaderContextsIfFound), so every entry is successful.
func (c *Cluster) deletePITs(rq *request) response {
	s := c.store
	now := c.now()
	var ids []string
	if strings.HasSuffix(rq.r.URL.Path, "/_all") {
		s.mu.Lock()
		for _, p := range s.livePITs(now) {
			ids = append(ids, p.id)
		}
		s.mu.Unlock()
	} else {
		var e *esError
		if ids, e = idList(rq.body, "pit_id"); e != nil {
			return e.response()
		}
		if len(ids) == 0 {
			return validationError("no pit ids specified").response()
		}
	}
	pits := make([]json.RawMessage, 0, len(ids))
	s.mu.Lock()
	for _, id := range ids {
		delete(s.pits, id)
		pits = append(pits, encodeObject([]member{kv("successful", true), kv("pit_id", id)}))
	}
	s.mu.Unlock()
	return okJSON([]member{kv("pits", pits)})
}

// listPITs answers OpenSearch's GET /_search/point_in_time/_all: the open
// points in time, oldest first, with creation time and keep alive in
// milliseconds.
func (c *Cluster) listPITs(*request) response {
	s := c.store
	s.mu.Lock()
	live := s.livePITs(c.now())
	s.mu.Unlock()
	out := make([]json.RawMessage, 0, len(live))
	for _, p := range live {
		out = append(out, encodeObject([]member{kv("pit_id", p.id), kv("creation_time", p.created.UnixMilli()),
			kv("keep_alive", p.keepAlive.Milliseconds())}))
	}
	return okJSON([]member{kv("pits", out)})
}

// livePITs returns the unexpired points in time, oldest first, dropping
// the expired ones. s.mu is held.
func (s *store) livePITs(now time.Time) []*pit {
	var out []*pit
	for id, p := range s.pits {
		if now.After(p.expires) {
			delete(s.pits, id)
			continue
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *pit) int {
		if c := a.created.Compare(b.created); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	return out
}

// pitKeepAlive reads pit.keep_alive from a search body; a missing or
// malformed value is 0.
func pitKeepAlive(body []byte) time.Duration {
	var b struct {
		Pit struct {
			KeepAlive string `json:"keep_alive"`
		} `json:"pit"`
	}
	_ = json.Unmarshal(body, &b)
	d, _ := parseTimeValue("keep_alive", b.Pit.KeepAlive)
	return d
}

// idList reads the ids of a clear-scroll or delete-PIT body, {"<key>":
// [...]} or {"<key>": "..."}, as ClearScrollRequest.fromXContent and
// DeletePitRequest.fromXContent do. An empty body gives no ids.
func idList(body []byte, key string) ([]string, *esError) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, nil
	}
	v, err := decodeJSON(body)
	if err != nil {
		return nil, badSearch(err)
	}
	obj, ok := v.(jsonObject)
	if !ok {
		return nil, newError(http.StatusBadRequest, "illegal_argument_exception", "Malformed content, must start with an object")
	}
	var ids []string
	for _, m := range obj {
		if m.Key != key {
			return nil, newError(http.StatusBadRequest, "illegal_argument_exception",
				"Unknown parameter ["+m.Key+"] in request body or parameter is of the wrong type["+tokenName(m.Value)+"] ")
		}
		vals, isArray := m.Value.([]any)
		if !isArray {
			vals = []any{m.Value}
		}
		for _, x := range vals {
			if !isScalar(x) {
				return nil, newError(http.StatusBadRequest, "illegal_argument_exception", key+" element should only contain "+key)
			}
			ids = append(ids, scalarText(x))
		}
	}
	return ids, nil
}
