package estest

import (
	"bytes"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

const (
	defaultSize     = 10
	maxResultWindow = 10000 // index.max_result_window
)

// searchRequest is a parsed _search or _count body. It is immutable after
// parseSearchRequest and safe for concurrent use by several run calls.
type searchRequest struct {
	query       query // nil means match_all
	postFilter  query
	minScore    *float64
	from, size  int
	sort        []sortField // empty when hits are ordered by score
	searchAfter []sortValue // nil when absent
	pit         string
	slice       *sliceSpec // nil: the whole result
}

// parseSearchRequest parses body (may be empty or nil: match_all) and URL
// params (from, size, sort as "field:asc,other:desc", and q with df and
// default_operator, see [parseQueryString]). Errors are *queryError.
//
// As in Elasticsearch, the URL parameters q, from and size override the
// body's query, from and size, and the URL sort is appended after the body's
// sort; a URL sort entry whose suffix is neither asc nor desc is dropped, as
// Elasticsearch does.
//
// The body may hold query, post_filter, from, size, sort, search_after,
// min_score, pit and slice. The keys track_total_hits, _source, timeout,
// terminate_after, version, seq_no_primary_term, explain, track_scores,
// profile, stored_fields, docvalue_fields, fields, stats and highlight are
// checked loosely and otherwise ignored; the server may act on them. Keys that
// would change the response in ways estest cannot honour (aggs, suggest,
// collapse, ...) are refused, and unknown keys are refused as Elasticsearch
// refuses them.
func parseSearchRequest(body []byte, params url.Values) (*searchRequest, error) {
	r := &searchRequest{size: defaultSize}
	if len(bytes.TrimSpace(body)) > 0 {
		v, err := decodeJSON(body)
		if err != nil {
			return nil, err
		}
		obj, ok := v.(jsonObject)
		if !ok {
			return nil, parsingError("Expected [START_OBJECT] but found [%s]", tokenName(v))
		}
		if err := r.parseBody(obj); err != nil {
			return nil, err
		}
	}
	if err := r.parseParams(params); err != nil {
		return nil, err
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	if err := r.checkSliceContext(params); err != nil {
		return nil, err
	}
	return r, nil
}

// parseBody reads the body's members in order; the first bad one is the
// error.
func (r *searchRequest) parseBody(obj jsonObject) error {
	for _, m := range obj {
		if err := r.parseMember(m); err != nil {
			return err
		}
	}
	return nil
}

// parseMember reads one top-level member of the body.
func (r *searchRequest) parseMember(m jsonMember) error {
	switch m.Key {
	case "query":
		return parseQueryMember(m, &r.query)
	case "post_filter":
		return parseQueryMember(m, &r.postFilter)
	case "from":
		return parseIntMember(m, &r.from)
	case "size":
		return parseIntMember(m, &r.size)
	case "min_score":
		return r.parseMinScore(m)
	case "sort":
		var err error
		r.sort, err = parseSort(m.Value)
		return err
	case "search_after":
		return r.parseSearchAfter(m)
	case "pit":
		return r.parsePIT(m)
	case "slice":
		return r.parseSlice(m)
	case "track_total_hits":
		return checkTrackTotalHits(m)
	case "_source":
		return checkSource(m)
	case "timeout", "stats":
		return nil // no effect: nothing times out, and stats groups only feed the stats API
	case "version", "seq_no_primary_term", "explain", "track_scores", "profile":
		if b, ok := m.Value.(bool); ok && !b {
			return nil // false is the default
		}
		return illegalArgument("[%s] is not supported by estest", m.Key)
	case "terminate_after", "stored_fields", "docvalue_fields", "fields", "highlight":
		return illegalArgument("[%s] is not supported by estest", m.Key)
	case "aggs", "aggregations", "suggest", "collapse", "rescore", "script_fields", "knn",
		"runtime_mappings", "indices_boost", "retriever", "rank", "sub_searches", "ext":
		return illegalArgument("[%s] is not supported by estest", m.Key)
	}
	return unknownKey(m)
}

// parseQueryMember parses a member holding a query clause into dst.
func parseQueryMember(m jsonMember, dst *query) error {
	if _, ok := m.Value.(jsonObject); !ok {
		return unknownKey(m)
	}
	q, err := parseQuery(m.Value)
	if err != nil {
		return err
	}
	*dst = q
	return nil
}

// parseIntMember parses a member holding an int into dst.
func parseIntMember(m jsonMember, dst *int) error {
	if !isScalar(m.Value) {
		return unknownKey(m)
	}
	n, err := intValue(m.Key, m.Value)
	if err != nil {
		return err
	}
	*dst = n
	return nil
}

func (r *searchRequest) parseMinScore(m jsonMember) error {
	if !isScalar(m.Value) {
		return unknownKey(m)
	}
	f, ok := floatValue(m.Value)
	if !ok {
		return contentError("[min_score] failed to parse field [%s]", scalarText(m.Value))
	}
	r.minScore = &f
	return nil
}

// parseSearchAfter reads an array of scalars, one per sort criterion; an
// empty array is ignored, as Elasticsearch ignores it.
func (r *searchRequest) parseSearchAfter(m jsonMember) error {
	arr, ok := m.Value.([]any)
	if !ok {
		return unknownKey(m)
	}
	for _, e := range arr {
		if !isScalar(e) {
			return contentError("[search_after] values must be numbers, strings, booleans or null, found [%s]", tokenName(e))
		}
	}
	if len(arr) == 0 {
		return nil
	}
	r.searchAfter = make([]sortValue, len(arr))
	for i, e := range arr {
		r.searchAfter[i] = afterValue(e)
	}
	return nil
}

// parsePIT reads {"id": ..., "keep_alive": ...}; the id is required, the
// keep_alive is left to the server.
func (r *searchRequest) parsePIT(m jsonMember) error {
	pit, ok := m.Value.(jsonObject)
	if !ok {
		return unknownKey(m)
	}
	for _, pm := range pit {
		switch pm.Key {
		case "id":
			s, ok := pm.Value.(string)
			if !ok {
				return contentError("[pit] id must be a string")
			}
			r.pit = s
		case "keep_alive":
		default:
			return contentError("[pit] unknown field [%s]", pm.Key)
		}
	}
	if r.pit == "" {
		return contentError("[pit] requires an [id]")
	}
	return nil
}

// checkTrackTotalHits checks that track_total_hits is a boolean or an int,
// and accepts true only: counting is always exact here, so false (no
// total) and a bound (relation gte past it) are refused.
func checkTrackTotalHits(m jsonMember) error {
	v := m.Value
	if !isScalar(v) || v == nil {
		return unknownKey(m)
	}
	if b, isBool := queryBool(v); isBool && v != "" {
		if !b {
			return illegalArgument("[track_total_hits] false is not supported by estest, which always counts every hit")
		}
		return nil
	}
	if _, err := intValue(m.Key, v); err != nil {
		return err
	}
	return illegalArgument("[track_total_hits] as a number is not supported by estest, which always counts every hit")
}

// checkSource checks the shape of _source and refuses filtering, which
// estest does not emulate; true, the default, is accepted.
func checkSource(m jsonMember) error {
	switch v := m.Value.(type) {
	case bool:
		if v {
			return nil
		}
		return illegalArgument("[_source] filtering is not supported by estest")
	case string, []any, jsonObject:
		return illegalArgument("[_source] filtering is not supported by estest")
	}
	return unknownKey(m)
}

// unknownKey is Elasticsearch's answer to a top-level key it does not know,
// or to a known key holding the wrong kind of value.
func unknownKey(m jsonMember) error {
	return parsingError("Unknown key for a %s in [%s].", tokenName(m.Value), m.Key)
}

// parseParams applies the URL parameters q, from, size and sort.
func (r *searchRequest) parseParams(params url.Values) error {
	if params.Has("q") {
		q, err := parseQueryString(params.Get("q"), params.Get("df"), params.Get("default_operator"))
		if err != nil {
			return err
		}
		r.query = q
	}
	for _, name := range []string{"from", "size"} {
		if !params.Has(name) {
			continue
		}
		s := params.Get(name)
		n, err := strconv.Atoi(s)
		if err != nil || n > math.MaxInt32 || n < math.MinInt32 {
			return illegalArgument("Failed to parse int parameter [%s] with value [%s]", name, s)
		}
		if name == "from" {
			r.from = n
		} else {
			r.size = n
		}
	}
	r.sort = append(r.sort, parseURLSort(params.Get("sort"))...)
	return nil
}

// parseURLSort parses the sort parameter, "field", "field:asc" or
// "field:desc" separated by commas; an entry with another suffix is
// dropped, as Elasticsearch drops it.
func parseURLSort(s string) []sortField {
	var out []sortField
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		field, order := part, ""
		if i := strings.LastIndex(part, ":"); i >= 0 {
			field, order = part[:i], part[i+1:]
			if order != "asc" && order != "desc" {
				continue
			}
		}
		sf := newSortField(field)
		if order != "" {
			sf.desc = order == "desc"
		}
		out = append(out, sf)
	}
	return out
}

// validate checks from, size and search_after against the sort, and
// normalises the sort: a lone descending _score is no sort, and a point
// in time adds a _shard_doc tiebreaker.
func (r *searchRequest) validate() error {
	if r.from < 0 {
		return illegalArgument("[from] parameter cannot be negative, found [%d]", r.from)
	}
	if r.size < 0 {
		return illegalArgument("[size] parameter cannot be negative, found [%d]", r.size)
	}
	if w := int64(r.from) + int64(r.size); w > maxResultWindow {
		return illegalArgument("Result window is too large, from + size must be less than or equal to: [%d] but was [%d]. "+
			"See the scroll api for a more efficient way to request large data sets. "+
			"This limit can be set by changing the [index.max_result_window] index level setting.", maxResultWindow, w)
	}
	for _, sf := range r.sort {
		if sf.field == "_shard_doc" && r.pit == "" {
			return illegalArgument("[_shard_doc] sort field cannot be used without [point in time]")
		}
	}
	if len(r.sort) == 1 && r.sort[0].field == "_score" && r.sort[0].desc {
		r.sort = nil
	}
	if r.pit != "" && len(r.sort) > 0 && !slices.ContainsFunc(r.sort, func(sf sortField) bool { return sf.field == "_shard_doc" }) {
		r.sort = append(r.sort, newSortField("_shard_doc"))
	}
	if r.searchAfter != nil {
		if r.from > 0 {
			return illegalArgument("`from` parameter must be set to 0 when `search_after` is used.")
		}
		if len(r.sort) == 0 {
			return illegalArgument("Sort must contain at least one field.")
		}
		if len(r.searchAfter) != len(r.sort) {
			return illegalArgument("search_after has %d value(s) but sort has %d.", len(r.searchAfter), len(r.sort))
		}
	}
	return nil
}

// pitID returns the point-in-time id named in the body ({"pit":{"id":...}}), or "".
func (r *searchRequest) pitID() string { return r.pit }
