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
// min_score and pit. The keys track_total_hits, _source, timeout,
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
	return r, nil
}

func (r *searchRequest) parseBody(obj jsonObject) error {
	var afterRaw []any
	hasAfter := false
	for _, m := range obj {
		var err error
		switch v := m.Value; m.Key {
		case "query":
			if _, ok := v.(jsonObject); !ok {
				return unknownKey(m)
			}
			r.query, err = parseQuery(v)
		case "post_filter":
			if _, ok := v.(jsonObject); !ok {
				return unknownKey(m)
			}
			r.postFilter, err = parseQuery(v)
		case "from", "size":
			if !isScalar(v) {
				return unknownKey(m)
			}
			var n int
			if n, err = intValue(m.Key, v); err == nil {
				if m.Key == "from" {
					r.from = n
				} else {
					r.size = n
				}
			}
		case "min_score":
			if !isScalar(v) {
				return unknownKey(m)
			}
			f, ok := floatValue(v)
			if !ok {
				return contentError("[min_score] failed to parse field [%s]", scalarText(v))
			}
			r.minScore = &f
		case "sort":
			r.sort, err = parseSort(v)
		case "search_after":
			arr, ok := v.([]any)
			if !ok {
				return unknownKey(m)
			}
			for _, e := range arr {
				if !isScalar(e) {
					return contentError("[search_after] values must be numbers, strings, booleans or null, found [%s]", tokenName(e))
				}
			}
			afterRaw, hasAfter = arr, true
		case "pit":
			pit, ok := v.(jsonObject)
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
		case "track_total_hits":
			// Counting is always exact here; the value is only checked.
			if !isScalar(v) || v == nil {
				return unknownKey(m)
			}
			if _, isBool := queryBool(v); !isBool || v == "" {
				_, err = intValue(m.Key, v)
			}
		case "_source":
			// Source filtering is the server's business; the value is only checked for shape.
			switch v.(type) {
			case bool, string, []any, jsonObject:
			default:
				return unknownKey(m)
			}
		case "timeout", "terminate_after", "version", "seq_no_primary_term", "explain",
			"track_scores", "profile", "stored_fields", "docvalue_fields", "fields", "stats", "highlight":
			// Accepted and ignored: they do not change which documents match or their order.
		case "aggs", "aggregations", "suggest", "collapse", "rescore", "script_fields", "knn",
			"runtime_mappings", "slice", "indices_boost", "retriever", "rank", "sub_searches", "ext":
			return illegalArgument("[%s] is not supported by estest", m.Key)
		default:
			return unknownKey(m)
		}
		if err != nil {
			return err
		}
	}
	if hasAfter && len(afterRaw) > 0 { // Elasticsearch ignores an empty search_after.
		r.searchAfter = make([]sortValue, len(afterRaw))
		for i, e := range afterRaw {
			r.searchAfter[i] = afterValue(e)
		}
	}
	return nil
}

// unknownKey is Elasticsearch's answer to a top-level key it does not know,
// or to a known key holding the wrong kind of value.
func unknownKey(m jsonMember) error {
	return parsingError("Unknown key for a %s in [%s].", tokenName(m.Value), m.Key)
}

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
	if s := params.Get("sort"); s != "" {
		for _, part := range strings.Split(s, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			field, order := part, ""
			if i := strings.LastIndex(part, ":"); i >= 0 {
				field, order = part[:i], part[i+1:]
				if order != "asc" && order != "desc" {
					continue // Elasticsearch drops it silently.
				}
			}
			sf := newSortField(field)
			if order != "" {
				sf.desc = order == "desc"
			}
			r.sort = append(r.sort, sf)
		}
	}
	return nil
}

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
	// A lone descending _score is Elasticsearch's default order: no sort at all.
	if len(r.sort) == 1 && r.sort[0].field == "_score" && r.sort[0].desc {
		r.sort = nil
	}
	// A point in time adds an implicit _shard_doc tiebreaker to a sort.
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
