package estest

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// search answers _search and _count, with or without an index expression.
// A search whose body names a point in time reads the documents frozen when
// it opened and ignores the URL's indices.
func (c *Cluster) search(rq *request, count bool) response {
	sr, err := parseSearchRequest(rq.body, rq.params)
	if err != nil {
		return badSearch(err).response()
	}
	pitID := sr.pitID()
	if count {
		pitID = "" // a count reads the URL's indices
	}
	docs, shards, e := c.docsFor(rq, pitID)
	if e != nil {
		return e.response()
	}
	total, page := sr.run(docs)
	if count {
		return okJSON([]member{kv("count", total), {"_shards", shardsObject(shards)}})
	}
	var out []member
	if pitID != "" {
		out = append(out, kv("pit_id", pitID))
	}
	out = append(out, kv("took", time.Since(rq.start).Milliseconds()), kv("timed_out", false),
		member{"_shards", shardsObject(shards)}, member{"hits", c.hitsObject(rq, total, page)})
	return okJSON(out)
}

// badSearch is the 400 answer to a search request that does not parse.
func badSearch(err error) *esError {
	var qe *queryError
	if !errors.As(err, &qe) {
		return newError(http.StatusBadRequest, "parsing_exception", err.Error())
	}
	e := newError(http.StatusBadRequest, qe.Type, qe.Reason)
	if c := qe.Cause; c != nil {
		e.causedBy = newError(http.StatusBadRequest, c.Type, c.Reason)
	}
	return e
}

// docsFor returns the documents a search reads and the number of
// indices they come from: those frozen by the point in time pitID, or when
// pitID is "" the live documents of the request's indices.
func (c *Cluster) docsFor(rq *request, pitID string) ([]searchDoc, int, *esError) {
	if pitID != "" {
		return c.pitDocs(pitID, pitKeepAlive(rq.body))
	}
	return c.indexDocs(rq)
}

// pitDocs returns the documents frozen by the point in time id and the
// number of indices it covers, extending it by keepAlive when that is
// positive; an unknown or expired id is a 404.
func (c *Cluster) pitDocs(id string, keepAlive time.Duration) ([]searchDoc, int, *esError) {
	s := c.store
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.usePIT(id, keepAlive, time.Now())
	if p == nil {
		return nil, 0, newError(http.StatusNotFound, "search_context_missing_exception", "No search context found for id ["+id+"]")
	}
	return p.docs, p.indices, nil
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
	d, _ := parseTimeValue(b.Pit.KeepAlive)
	return d
}

// indexDocs returns the live documents of the request's indices and how
// many indices they are.
func (c *Cluster) indexDocs(rq *request) ([]searchDoc, int, *esError) {
	s := c.store
	s.mu.Lock()
	defer s.mu.Unlock()
	names, e := s.resolve(rq.vars["index"], rq.params.Get("ignore_unavailable") == "true")
	if e != nil {
		return nil, 0, e
	}
	return s.snapshot(names), len(names), nil
}

// shardsObject is the _shards section of n indices of one shard each, all
// successful.
func shardsObject(n int) json.RawMessage {
	return encodeObject([]member{kv("total", n), kv("successful", n), kv("skipped", 0), kv("failed", 0)})
}

// hitsObject is the hits section of a search response: the total (a plain
// number with rest_total_hits_as_int=true), the best score of the page's
// scored hits, and the hits.
func (c *Cluster) hitsObject(rq *request, total int, page []searchHit) json.RawMessage {
	hits := make([]json.RawMessage, 0, len(page))
	var maxScore any
	for _, h := range page {
		hits = append(hits, c.hitObject(h))
		if m, ok := maxScore.(float64); h.Sort == nil && (!ok || h.Score > m) {
			maxScore = h.Score
		}
	}
	var totalObj json.RawMessage = encodeObject([]member{kv("value", total), kv("relation", "eq")})
	if rq.params.Get("rest_total_hits_as_int") == "true" {
		totalObj = mustMarshal(total)
	}
	return encodeObject([]member{{"total", totalObj}, kv("max_score", maxScore), kv("hits", hits)})
}

// hitObject renders one hit; a sorted hit has a null _score and its sort
// values.
func (c *Cluster) hitObject(h searchHit) json.RawMessage {
	obj := c.head(h.Doc.Index, h.Doc.ID)
	if h.Sort != nil {
		obj = append(obj, kv("_score", nil), member{"_source", h.Doc.Source}, kv("sort", h.Sort))
	} else {
		obj = append(obj, kv("_score", h.Score), member{"_source", h.Doc.Source})
	}
	return encodeObject(obj)
}

// openPIT answers POST /{index}/_pit?keep_alive=...: the documents of the
// indices are frozen until the point in time is closed or expires (checked
// when it is used; no timer runs).
func (c *Cluster) openPIT(rq *request) response {
	ka := rq.params.Get("keep_alive")
	if ka == "" {
		return validationError("[keep_alive] is not specified").response()
	}
	keepAlive, err := parseTimeValue(ka)
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
	id := s.openPIT(names, keepAlive, time.Now())
	s.mu.Unlock()
	return okJSON([]member{kv("id", id), {"_shards", shardsObject(len(names))}})
}

// closePIT answers DELETE /_pit with {"id": ...}: 200 with num_freed 1, or
// 404 with num_freed 0 for an unknown or expired id.
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
	p := s.usePIT(body.ID, 0, time.Now())
	delete(s.pits, body.ID)
	s.mu.Unlock()
	if p == nil {
		return response{status: http.StatusNotFound, body: encodeObject([]member{kv("succeeded", true), kv("num_freed", 0)})}
	}
	return okJSON([]member{kv("succeeded", true), kv("num_freed", 1)})
}

// parseTimeValue parses an Elasticsearch time value: a number followed by
// d, h, m, s, ms, micros or nanos.
func parseTimeValue(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	units := []struct {
		suffix string
		unit   time.Duration
	}{{"nanos", time.Nanosecond}, {"micros", time.Microsecond}, {"ms", time.Millisecond},
		{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			n, err := strconv.ParseInt(num, 10, 64)
			if err == nil && n >= 0 {
				return time.Duration(n) * u.unit, nil
			}
			break
		}
	}
	return 0, errors.New("failed to parse setting [keep_alive] with value [" + s + "] as a time value: unit is missing or unrecognized")
}
