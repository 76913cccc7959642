package estest

// This file is the scroll API: _search?scroll=<keep alive> opens a scroll
// over the matches of the search as they were then, /_search/scroll reads
// the next page, DELETE /_search/scroll frees it. A scroll holds one search
// context per index (one shard each) and expires keep alive after its last
// use, checked lazily when it is used, as points in time.

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// scrollCtx is an open scroll: every hit of the search in order, and
// where the next page starts.
type scrollCtx struct {
	hits      []searchHit
	total     int
	size      int
	next      int
	shards    json.RawMessage // the search's _shards, repeated on every page
	contexts  int             // shard contexts, as num_freed counts them
	keepAlive time.Duration
	expires   time.Time
}

// scrollParam reads ?scroll= of a search and applies Elasticsearch's
// scroll rules of SearchRequest.validate. Counts ignore it.
func scrollParam(rq *request, sr *searchRequest, count bool) (time.Duration, bool, *esError) {
	if count || !rq.params.Has("scroll") {
		return 0, false, nil
	}
	keepAlive, e := scrollKeepAlive(rq.params.Get("scroll"))
	if e != nil {
		return 0, false, e
	}
	var msgs []string
	if sr.from > 0 {
		msgs = append(msgs, "using [from] is not allowed in a scroll context")
	}
	if sr.size == 0 {
		msgs = append(msgs, "[size] cannot be [0] in a scroll context")
	}
	if sr.searchAfter != nil {
		msgs = append(msgs, "[search_after] cannot be used in a scroll context")
	}
	if sr.pit != "" {
		msgs = append(msgs, "using [point in time] is not allowed in a scroll context")
	}
	if msgs != nil {
		return 0, false, validationError(msgs...)
	}
	return keepAlive, true, nil
}

// scrollKeepAlive parses a scroll keep alive; Elasticsearch's TimeValue
// parser refuses an empty one too.
func scrollKeepAlive(v string) (time.Duration, *esError) {
	d, err := parseTimeValue("scroll", v)
	if err != nil || strings.TrimSpace(v) == "" {
		return 0, newError(http.StatusBadRequest, "parse_exception",
			"failed to parse setting [scroll] with value ["+v+"] as a time value: unit is missing or unrecognized")
	}
	return d, nil
}

// openScroll runs the search to its end, keeps the hits and answers the
// first page with the scroll's id.
func (c *Cluster) openScroll(rq *request, sr *searchRequest, sc scope, keepAlive time.Duration) response {
	all := *sr
	all.from, all.size = 0, len(sc.docs)
	total, hits := all.run(sc.docs)
	first := hits[:min(sr.size, len(hits))]
	ctx := &scrollCtx{hits: hits, total: total, size: sr.size, next: len(first),
		shards: sc.shardsObject(), contexts: max(1, sc.shards), keepAlive: keepAlive}
	s := c.store
	s.mu.Lock()
	id := s.openScroll(ctx, c.now())
	s.mu.Unlock()
	return c.scrollPage(rq, c.encodeScrollID(id, ctx.contexts, rq.node.id), ctx.total, first, ctx.shards)
}

// scrollPage is a search response with the scroll id first.
func (c *Cluster) scrollPage(rq *request, id string, total int, page []searchHit, shards json.RawMessage) response {
	return okJSON([]member{kv("_scroll_id", id), kv("took", time.Since(rq.start).Milliseconds()), kv("timed_out", false),
		{"_shards", shards}, {"hits", c.hitsObject(rq, total, page)}})
}

// scroll answers GET|POST /_search/scroll and /_search/scroll/{scroll_id}:
// the next page, empty once the hits are exhausted, with the same id. The
// id and keep alive come from the path or the scroll_id and scroll
// parameters, and the body ({"scroll_id":...,"scroll":...}) overrides them.
func (c *Cluster) scroll(rq *request) response {
	id := rq.vars["scroll_id"]
	if id == "" {
		id = rq.params.Get("scroll_id")
	}
	ka := rq.params.Get("scroll")
	if e := scrollBody(rq.body, &id, &ka); e != nil {
		return e.response()
	}
	if id == "" {
		return validationError("scrollId is missing").response()
	}
	var keepAlive time.Duration
	if ka != "" || rq.params.Has("scroll") {
		var e *esError
		if keepAlive, e = scrollKeepAlive(ka); e != nil {
			return e.response()
		}
	}
	ctxIDs, e := decodeScrollID(id)
	if e != nil {
		return e.response()
	}
	s := c.store
	s.mu.Lock()
	ctx := s.useScroll(ctxIDs[0], keepAlive, c.now())
	var page []searchHit
	if ctx != nil {
		end := min(ctx.next+ctx.size, len(ctx.hits))
		page, ctx.next = ctx.hits[ctx.next:end], end
	}
	s.mu.Unlock()
	if ctx == nil {
		return contextsMissing(ctxIDs).response()
	}
	return c.scrollPage(rq, id, ctx.total, page, ctx.shards)
}

// scrollBody applies a scroll request body as
// SearchScrollRequest.fromXContent does.
func scrollBody(body []byte, id, keepAlive *string) *esError {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	v, err := decodeJSON(body)
	if err != nil {
		return badSearch(err)
	}
	obj, ok := v.(jsonObject)
	if !ok {
		return newError(http.StatusBadRequest, "illegal_argument_exception", "Malformed content, must start with an object")
	}
	for _, m := range obj {
		s, isString := m.Value.(string)
		switch {
		case m.Key == "scroll_id" && isString:
			*id = s
		case m.Key == "scroll" && isString:
			*keepAlive = s
		default:
			return newError(http.StatusBadRequest, "illegal_argument_exception",
				"Unknown parameter ["+m.Key+"] in request body or parameter is of the wrong type["+tokenName(m.Value)+"] ")
		}
	}
	return nil
}

// contextsMissing is Elasticsearch's answer to a scroll whose contexts are
// gone (expired, cleared or never there): 404
// search_phase_execution_exception "all shards failed", with a
// search_context_missing_exception per context as root causes.
func contextsMissing(ids []int64) *esError {
	failed := make([]failedShard, 0, len(ids))
	for _, id := range ids {
		failed = append(failed, failedShard{shard: -1, cause: newError(http.StatusNotFound,
			"search_context_missing_exception", "No search context found for id ["+strconv.FormatInt(id, 10)+"]")})
	}
	return phaseFailure("all shards failed", failed, true)
}

// clearScroll answers DELETE /_search/scroll with {"scroll_id": [...]} or
// one string, the scroll_id parameter or /_search/scroll/{scroll_id}
// (comma-separated), "_all" for every scroll: {"succeeded":true,
// "num_freed":N} counting shard contexts, 404 when N is 0
// (ClearScrollResponse.status).
func (c *Cluster) clearScroll(rq *request) response {
	param := rq.vars["scroll_id"]
	if param == "" {
		param = rq.params.Get("scroll_id")
	}
	var ids []string
	for p := range strings.SplitSeq(param, ",") {
		if p = strings.TrimSpace(p); p != "" {
			ids = append(ids, p)
		}
	}
	if len(strings.TrimSpace(string(rq.body))) > 0 {
		var e *esError
		if ids, e = idList(rq.body, "scroll_id"); e != nil {
			return e.response()
		}
	}
	if len(ids) == 0 {
		return validationError("no scroll ids specified").response()
	}
	freed, e := c.store.freeScrolls(ids, c.now())
	if e != nil {
		return e.response()
	}
	status := http.StatusOK
	if freed == 0 {
		status = http.StatusNotFound
	}
	return response{status: status, body: encodeObject([]member{kv("succeeded", true), kv("num_freed", freed)})}
}

// openScroll stores ctx under new context ids, dropping expired scrolls on
// the way, and returns the first id. s.mu is held.
func (s *store) openScroll(ctx *scrollCtx, now time.Time) int64 {
	for id, sc := range s.scrolls {
		if now.After(sc.expires) {
			delete(s.scrolls, id)
		}
	}
	id := s.nextContext + 1
	s.nextContext += int64(ctx.contexts)
	ctx.expires = now.Add(ctx.keepAlive)
	s.scrolls[id] = ctx
	return id
}

// useScroll returns the open scroll id, extending it by its keep alive
// (replaced by keepAlive when that is positive) as a use does. s.mu is
// held.
func (s *store) useScroll(id int64, keepAlive time.Duration, now time.Time) *scrollCtx {
	ctx := s.scrolls[id]
	if ctx == nil {
		return nil
	}
	if now.After(ctx.expires) {
		delete(s.scrolls, id)
		return nil
	}
	if keepAlive > 0 {
		ctx.keepAlive = keepAlive
	}
	ctx.expires = now.Add(ctx.keepAlive)
	return ctx
}

// freeScrolls frees the scrolls named by ids ("_all": every one) and
// returns how many shard contexts that freed; an id that does not parse
// fails the request, as Elasticsearch's ClearScrollController does.
func (s *store) freeScrolls(ids []string, now time.Time) (int, *esError) {
	var keys []int64
	for _, id := range ids {
		if id == "_all" {
			keys = nil
			break
		}
		ctxIDs, e := decodeScrollID(id)
		if e != nil {
			return 0, e
		}
		keys = append(keys, ctxIDs[0])
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if keys == nil {
		for id := range s.scrolls {
			keys = append(keys, id)
		}
	}
	freed := 0
	for _, id := range keys {
		if ctx := s.useScroll(id, 0, now); ctx != nil {
			freed += ctx.contexts
		}
		delete(s.scrolls, id)
	}
	return freed, nil
}
