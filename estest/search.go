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
		var qe *queryError
		if errors.As(err, &qe) {
			e := newError(http.StatusBadRequest, qe.Type, qe.Reason)
			if c := qe.Cause; c != nil {
				e.causedBy = newError(http.StatusBadRequest, c.Type, c.Reason)
			}
			return e.response()
		}
		return newError(http.StatusBadRequest, "parsing_exception", err.Error()).response()
	}
	now := time.Now()
	s := c.store
	var (
		docs    []searchDoc
		shards  int
		pitID   string
		pitBody struct {
			Pit struct {
				KeepAlive string `json:"keep_alive"`
			} `json:"pit"`
		}
	)
	s.mu.Lock()
	if id := sr.pitID(); id != "" && !count {
		_ = json.Unmarshal(rq.body, &pitBody)
		keepAlive, _ := parseTimeValue(pitBody.Pit.KeepAlive)
		p := s.usePIT(id, keepAlive, now)
		if p == nil {
			s.mu.Unlock()
			return newError(http.StatusNotFound, "search_context_missing_exception", "No search context found for id ["+id+"]").response()
		}
		docs, shards, pitID = p.docs, p.indices, id
	} else {
		names, e := s.resolve(rq.vars["index"], rq.params.Get("ignore_unavailable") == "true")
		if e != nil {
			s.mu.Unlock()
			return e.response()
		}
		docs, shards = s.snapshot(names), len(names)
	}
	s.mu.Unlock()

	total, page := sr.run(docs)
	shardsObj := member{"_shards", encodeObject([]member{kv("total", shards), kv("successful", shards), kv("skipped", 0), kv("failed", 0)})}
	if count {
		return okJSON([]member{kv("count", total), shardsObj})
	}
	hits := make([]json.RawMessage, 0, len(page))
	var maxScore any
	for _, h := range page {
		obj := c.head(h.Doc.Index, h.Doc.ID)
		if h.Sort != nil {
			obj = append(obj, kv("_score", nil))
		} else {
			obj = append(obj, kv("_score", h.Score))
			if m, ok := maxScore.(float64); !ok || h.Score > m {
				maxScore = h.Score
			}
		}
		obj = append(obj, member{"_source", h.Doc.Source})
		if h.Sort != nil {
			obj = append(obj, kv("sort", h.Sort))
		}
		hits = append(hits, encodeObject(obj))
	}
	var totalObj json.RawMessage = encodeObject([]member{kv("value", total), kv("relation", "eq")})
	if rq.params.Get("rest_total_hits_as_int") == "true" {
		totalObj = mustMarshal(total)
	}
	var out []member
	if pitID != "" {
		out = append(out, kv("pit_id", pitID))
	}
	out = append(out, kv("took", time.Since(rq.start).Milliseconds()), kv("timed_out", false), shardsObj,
		member{"hits", encodeObject([]member{{"total", totalObj}, kv("max_score", maxScore), kv("hits", hits)})})
	return okJSON(out)
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
	k := len(names)
	return okJSON([]member{kv("id", id), {"_shards", encodeObject([]member{kv("total", k), kv("successful", k), kv("skipped", 0), kv("failed", 0)})}})
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
		return newError(http.StatusBadRequest, "x_content_parse_exception", jsonError(rq.body)).response()
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
