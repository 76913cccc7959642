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
// it opened and ignores the URL's indices; one with ?scroll= opens a scroll
// (scroll.go). Shards made to fail by FailShards drop their documents and
// are reported in _shards, or fail the search (shards.go).
func (c *Cluster) search(rq *request, count bool) response {
	sr, err := parseSearchRequest(rq.body, rq.params)
	if err != nil {
		return badSearch(err).response()
	}
	pitID := sr.pitID()
	if count {
		pitID = "" // a count reads the URL's indices
	} else if pitID != "" && !c.hasPIT() {
		return badSearch(parsingError("Unknown key for a START_OBJECT in [pit].")).response()
	}
	keepAlive, scrolling, e := scrollParam(rq, sr, count)
	if e != nil {
		return e.response()
	}
	sc, e := c.scopeFor(rq, pitID)
	if e != nil {
		return e.response()
	}
	if e := sc.failure(rq.params.Get("allow_partial_search_results") != "false"); e != nil {
		return e.response()
	}
	if count {
		total, _ := sr.run(sc.docs)
		return okJSON([]member{kv("count", total), {"_shards", sc.shardsObject()}})
	}
	if scrolling {
		return c.openScroll(rq, sr, sc, keepAlive)
	}
	total, page := sr.run(sc.docs)
	var out []member
	if pitID != "" {
		out = append(out, kv("pit_id", pitID))
	}
	out = append(out, kv("took", time.Since(rq.start).Milliseconds()), kv("timed_out", false),
		member{"_shards", sc.shardsObject()}, member{"hits", c.hitsObject(rq, total, page)})
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

// scopeFor returns what a search reads: the documents frozen by the point
// in time pitID, or when pitID is "" the live documents of the request's
// indices, less those of failing shards.
func (c *Cluster) scopeFor(rq *request, pitID string) (scope, *esError) {
	node := c.dataNodeID(rq)
	s := c.store
	s.mu.Lock()
	defer s.mu.Unlock()
	if pitID != "" {
		p := s.usePIT(pitID, pitKeepAlive(rq.body), c.now())
		if p == nil {
			return scope{}, newError(http.StatusNotFound, "search_context_missing_exception", "No search context found for id ["+pitID+"]")
		}
		return s.newScope(p.docs, p.names, node), nil
	}
	names, e := s.resolve(rq.vars["index"], rq.params.Get("ignore_unavailable") == "true")
	if e != nil {
		return scope{}, e
	}
	return s.newScope(s.snapshot(names), names, node), nil
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
		obj = append(obj, kv("_score", nil))
	} else {
		obj = append(obj, kv("_score", h.Score))
	}
	if h.Doc.Routing != "" {
		obj = append(obj, kv("_routing", h.Doc.Routing))
	}
	obj = append(obj, member{"_source", h.Doc.Source})
	if h.Sort != nil {
		obj = append(obj, kv("sort", h.Sort))
	}
	return encodeObject(obj)
}

// parseTimeValue parses an Elasticsearch time value, the setting or
// parameter name: a number followed by d, h, m, s, ms, micros or nanos. An
// empty value is 0.
func parseTimeValue(name, s string) (time.Duration, error) {
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
	return 0, errors.New("failed to parse setting [" + name + "] with value [" + s + "] as a time value: unit is missing or unrecognized")
}
