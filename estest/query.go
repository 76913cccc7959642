package estest

// This file is the search engine of estest: it parses the body of a _search
// or _count request and evaluates it over stored documents, the way
// Elasticsearch would over an index built by dynamic mapping.
//
// Dynamic mapping is inferred per value, not per index: a JSON string is a
// text field with a keyword subfield "<field>.keyword" (ignore_above 256),
// unless it looks like an ISO date (strict_date_optional_time), in which case
// it is a date; a JSON number is numeric; true and false are boolean. Text is
// analysed by lowercasing and splitting on every rune that is neither a
// letter nor a digit, a close cousin of the standard analyzer.
//
// Scores are deterministic and are not BM25: a matching term, terms, ids,
// range, exists, prefix, match_phrase or match_all query scores its boost
// (1 by default); a match query scores boost times the number of distinct
// query tokens it found; bool sums its must and matching should clauses and
// multiplies by its boost; filter and must_not clauses score nothing, so a
// bool of filters alone scores 0, as in Elasticsearch.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
)

// searchDoc is one stored document as the query engine sees it.
type searchDoc struct {
	Index  string
	ID     string
	SeqNo  int64           // insertion order; the final tie-breaker
	Source json.RawMessage // the _source bytes as indexed
}

// searchHit is one document of a result page.
type searchHit struct {
	Doc   searchDoc
	Score float64
	Sort  []any // sort values, present when the request sorts
}

// queryError is a client error in a search request; the server answers 400
// with an envelope of this type and reason, and Cause as its caused_by.
type queryError struct {
	Type, Reason string
	Cause        *queryError // nil when there is no caused_by
}

func (e *queryError) Error() string { return e.Type + ": " + e.Reason }

func parsingError(format string, args ...any) error {
	return &queryError{Type: "parsing_exception", Reason: fmt.Sprintf(format, args...)}
}

func illegalArgument(format string, args ...any) error {
	return &queryError{Type: "illegal_argument_exception", Reason: fmt.Sprintf(format, args...)}
}

func contentError(format string, args ...any) error {
	return &queryError{Type: "x_content_parse_exception", Reason: fmt.Sprintf(format, args...)}
}

const (
	defaultSize     = 10
	maxResultWindow = 10000 // index.max_result_window
	ignoreAbove     = 256   // ignore_above of the dynamic keyword subfield
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

// run filters docs with the query, sorts, applies search_after, from and
// size, and returns the total number of matches and the page.
//
// Documents are ordered by the request's sort, else by descending score;
// equal documents keep ascending SeqNo order. Like Elasticsearch, search_after
// skips every document whose sort values equal the given ones, so paging
// needs a unique tiebreaker (_id, _doc, or a point in time's _shard_doc).
// The total ignores search_after, from and size. Hits carry Sort values only
// when the request sorts; a document without a value for a sort field has a
// nil sort value there, which search_after accepts back. Score is computed
// even when sorting by fields, where Elasticsearch would report a null _score
// unless track_scores is set. run does not modify docs.
func (r *searchRequest) run(docs []searchDoc) (total int, page []searchHit) {
	type candidate struct {
		hit  searchHit
		keys []sortValue
	}
	var matched []candidate
	for i := range docs {
		d := newEvalDoc(&docs[i])
		ok, score := true, 1.0
		if r.query != nil {
			ok, score = r.query.match(d)
		}
		if !ok {
			continue
		}
		if r.postFilter != nil {
			if ok, _ := r.postFilter.match(d); !ok {
				continue
			}
		}
		if r.minScore != nil && score < *r.minScore {
			continue
		}
		c := candidate{hit: searchHit{Doc: docs[i], Score: score}}
		if len(r.sort) > 0 {
			c.keys = make([]sortValue, len(r.sort))
			for j, sf := range r.sort {
				c.keys[j] = sf.value(d, score)
			}
		}
		matched = append(matched, c)
	}
	slices.SortStableFunc(matched, func(a, b candidate) int {
		if len(r.sort) == 0 {
			if a.hit.Score != b.hit.Score {
				if a.hit.Score > b.hit.Score {
					return -1
				}
				return 1
			}
		} else if c := r.compareKeys(a.keys, b.keys); c != 0 {
			return c
		}
		return cmpInt64(a.hit.Doc.SeqNo, b.hit.Doc.SeqNo)
	})
	total = len(matched)
	if r.searchAfter != nil {
		i := 0
		for i < len(matched) && r.compareKeys(matched[i].keys, r.searchAfter) <= 0 {
			i++
		}
		matched = matched[i:]
	}
	start := min(r.from, len(matched))
	end := min(start+r.size, len(matched))
	page = make([]searchHit, 0, end-start)
	for _, c := range matched[start:end] {
		h := c.hit
		if len(r.sort) > 0 {
			h.Sort = make([]any, len(c.keys))
			for j, k := range c.keys {
				h.Sort[j] = k.wire()
			}
		}
		page = append(page, h)
	}
	return total, page
}

func (r *searchRequest) compareKeys(a, b []sortValue) int {
	for i, sf := range r.sort {
		if c := sf.compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return 0
}

// ---- JSON with ordered keys ----

// jsonObject is a JSON object that keeps its keys in order, which the
// Elasticsearch grammar depends on (sort objects, error messages).
type jsonObject []jsonMember

type jsonMember struct {
	Key   string
	Value any
}

// decodeJSON decodes one JSON value into jsonObject, []any, string,
// json.Number, bool or nil.
func decodeJSON(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, contentError("Failed to parse the request body: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, contentError("Failed to parse the request body: unexpected content after the end of the object")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		obj := jsonObject{}
		var seen map[string]bool
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key, _ := kt.(string)
			if seen == nil {
				seen = make(map[string]bool)
			}
			if seen[key] {
				return nil, fmt.Errorf("Duplicate field '%s'", key)
			}
			seen[key] = true
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			obj = append(obj, jsonMember{key, v})
		}
		_, err := dec.Token()
		return obj, err
	case json.Delim('['):
		arr := []any{}
		for dec.More() {
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := dec.Token()
		return arr, err
	}
	return tok, nil
}

// tokenName names a value the way Elasticsearch's parser names its token.
func tokenName(v any) string {
	switch v.(type) {
	case jsonObject:
		return "START_OBJECT"
	case []any:
		return "START_ARRAY"
	case string:
		return "VALUE_STRING"
	case json.Number:
		return "VALUE_NUMBER"
	case bool:
		return "VALUE_BOOLEAN"
	}
	return "VALUE_NULL"
}

func isScalar(v any) bool {
	switch v.(type) {
	case jsonObject, []any:
		return false
	}
	return true
}

// scalarText is the text of a scalar query value, as Elasticsearch's
// parser.text() would give it.
func scalarText(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	}
	return ""
}

// intValue reads an int the way Elasticsearch's coercing parser does:
// numbers and numeric strings, fractions truncated, int32 range.
func intValue(name string, v any) (int, error) {
	var s string
	switch t := v.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = strings.TrimSpace(t)
	default:
		return 0, contentError("[%s] failed to parse field, expected a number but found [%s]", name, tokenName(v))
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > math.MaxInt32 || n < math.MinInt32 {
			return 0, contentError("Numeric value (%s) out of range of int", s)
		}
		return int(n), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, &queryError{Type: "number_format_exception", Reason: fmt.Sprintf("For input string: %q", s)}
	}
	if f > math.MaxInt32 || f < math.MinInt32 {
		return 0, contentError("Numeric value (%s) out of range of int", s)
	}
	return int(f), nil
}

func floatValue(v any) (float64, bool) {
	n, ok := queryNumber(v)
	if !ok {
		return 0, false
	}
	return n.float(), true
}

// ---- queries ----

// query is one parsed query clause.
type query interface {
	// match reports whether the document matches and its score.
	match(d *evalDoc) (bool, float64)
}

func parseQuery(v any) (query, error) {
	obj, ok := v.(jsonObject)
	if !ok {
		return nil, parsingError("[_na] query malformed, must start with start_object")
	}
	if len(obj) == 0 {
		return nil, parsingError("query malformed, empty clause found")
	}
	if len(obj) > 1 {
		return nil, parsingError("[%s] malformed query, expected [END_OBJECT] but found [FIELD_NAME]", obj[0].Key)
	}
	name := obj[0].Key
	parse := queryParser(name)
	if parse == nil {
		if unsupportedQuery(name) {
			return nil, parsingError("query [%s] is not supported by estest", name)
		}
		return nil, parsingError("unknown query [%s]", name)
	}
	body, ok := obj[0].Value.(jsonObject)
	if !ok {
		return nil, parsingError("[%s] query malformed, no start_object after query name", name)
	}
	return parse(body)
}

// queryParser returns the parser of a query type, or nil.
func queryParser(name string) func(jsonObject) (query, error) {
	switch name {
	case "match_all":
		return parseMatchAll
	case "match_none":
		return parseMatchNone
	case "term":
		return parseTerm
	case "terms":
		return parseTerms
	case "match":
		return parseMatch
	case "match_phrase":
		return parseMatchPhrase
	case "ids":
		return parseIDs
	case "bool":
		return parseBool
	case "range":
		return parseRange
	case "exists":
		return parseExists
	case "prefix":
		return parsePrefix
	case "constant_score":
		return parseConstantScore
	}
	return nil
}

// unsupportedQuery reports whether name is an Elasticsearch query type that
// estest knows by name but does not implement; it gets a clearer error than
// an unknown name.
func unsupportedQuery(name string) bool {
	switch name {
	case "multi_match", "query_string", "simple_query_string", "match_bool_prefix", "match_phrase_prefix",
		"combined_fields", "wildcard", "regexp", "fuzzy", "nested", "has_child", "has_parent",
		"function_score", "script_score", "script", "geo_distance", "geo_bounding_box", "geo_shape",
		"dis_max", "boosting", "more_like_this", "knn", "intervals", "terms_set", "span_term",
		"span_near", "pinned", "distance_feature", "rank_feature":
		return true
	}
	return false
}

// boostValue parses a boost.
func boostValue(name string, v any) (float64, error) {
	f, ok := floatValue(v)
	if !ok {
		return 0, parsingError("[%s] query: [boost] must be a number, found [%s]", name, tokenName(v))
	}
	return f, nil
}

// commonOption handles the options every query accepts; it reports whether
// key was one of them.
func commonOption(name string, m jsonMember, boost *float64) (bool, error) {
	switch m.Key {
	case "boost":
		b, err := boostValue(name, m.Value)
		*boost = b
		return true, err
	case "_name":
		return true, nil
	}
	return false, nil
}

func doesNotSupport(name, key string) error {
	return parsingError("[%s] query does not support [%s]", name, key)
}

type matchAllQuery struct{ boost float64 }

func (q matchAllQuery) match(*evalDoc) (bool, float64) { return true, q.boost }

func parseMatchAll(body jsonObject) (query, error) {
	q := matchAllQuery{boost: 1}
	for _, m := range body {
		if ok, err := commonOption("match_all", m, &q.boost); !ok || err != nil {
			return nil, firstErr(err, doesNotSupport("match_all", m.Key))
		}
	}
	return q, nil
}

type matchNoneQuery struct{}

func (matchNoneQuery) match(*evalDoc) (bool, float64) { return false, 0 }

func parseMatchNone(body jsonObject) (query, error) {
	var boost float64
	for _, m := range body {
		if ok, err := commonOption("match_none", m, &boost); !ok || err != nil {
			return nil, firstErr(err, doesNotSupport("match_none", m.Key))
		}
	}
	return matchNoneQuery{}, nil
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// fieldQuery splits the body of a single-field query ({"f": value} plus
// optional boost and _name) into its field and value.
func fieldQuery(name string, body jsonObject, boost *float64) (string, any, error) {
	var field string
	var value any
	for _, m := range body {
		if _, isObj := m.Value.(jsonObject); !isObj {
			if ok, err := commonOption(name, m, boost); ok || err != nil {
				if err != nil {
					return "", nil, err
				}
				continue
			}
		}
		if field != "" {
			return "", nil, parsingError("[%s] query doesn't support multiple fields, found [%s] and [%s]", name, field, m.Key)
		}
		field, value = m.Key, m.Value
	}
	if field == "" {
		return "", nil, parsingError("[%s] query requires a field name", name)
	}
	return field, value, nil
}

// termValue checks a term-like value: a string, number or boolean.
func termValue(name string, v any) (any, error) {
	switch v.(type) {
	case nil:
		return nil, parsingError("[%s] query value cannot be null", name)
	case []any:
		return nil, parsingError("[%s] query does not support array of values", name)
	case jsonObject:
		return nil, parsingError("[%s] query malformed, no start_object after field name", name)
	}
	return v, nil
}

type termQuery struct {
	field           string
	value           any
	caseInsensitive bool
	boost           float64
}

func (q termQuery) match(d *evalDoc) (bool, float64) {
	for _, l := range d.leaves(q.field) {
		if l.equals(q.value, q.caseInsensitive) {
			return true, q.boost
		}
	}
	return false, 0
}

func parseTerm(body jsonObject) (query, error) {
	q := termQuery{boost: 1}
	field, v, ci, err := parseValueQuery("term", body, &q.boost)
	if err != nil {
		return nil, err
	}
	q.field, q.value, q.caseInsensitive = field, v, ci
	return q, nil
}

// parseValueQuery parses the shared shape of term and prefix queries:
// {"field": value} or {"field": {"value": ..., "case_insensitive": ...,
// "boost": ..., "_name": ...}} (prefix also takes "rewrite", which has no
// effect here). It returns the field, the checked scalar value and the
// case-insensitivity flag.
func parseValueQuery(name string, body jsonObject, boost *float64) (field string, value any, caseInsensitive bool, err error) {
	field, v, err := fieldQuery(name, body, boost)
	if err != nil {
		return "", nil, false, err
	}
	if long, ok := v.(jsonObject); ok {
		v = nil
		for _, m := range long {
			if ok, err := commonOption(name, m, boost); ok || err != nil {
				if err != nil {
					return "", nil, false, err
				}
				continue
			}
			switch {
			case m.Key == "value":
				v = m.Value
			case m.Key == "case_insensitive":
				b, ok := m.Value.(bool)
				if !ok {
					return "", nil, false, parsingError("[%s] query: [case_insensitive] must be a boolean", name)
				}
				caseInsensitive = b
			case m.Key == "rewrite" && name == "prefix":
			default:
				return "", nil, false, doesNotSupport(name, m.Key)
			}
		}
	}
	if value, err = termValue(name, v); err != nil {
		return "", nil, false, err
	}
	return field, value, caseInsensitive, nil
}

type termsQuery struct {
	field  string
	values []any
	boost  float64
}

func (q termsQuery) match(d *evalDoc) (bool, float64) {
	for _, l := range d.leaves(q.field) {
		for _, v := range q.values {
			if l.equals(v, false) {
				return true, q.boost
			}
		}
	}
	return false, 0
}

func parseTerms(body jsonObject) (query, error) {
	q := termsQuery{boost: 1}
	field, v, err := fieldQuery("terms", body, &q.boost)
	if err != nil {
		return nil, err
	}
	q.field = field
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			if !isScalar(e) || e == nil {
				return nil, parsingError("[terms] query values must be strings, numbers or booleans, found [%s]", tokenName(e))
			}
		}
		q.values = t
	case jsonObject:
		return nil, parsingError("[terms] query: terms lookup is not supported by estest")
	default:
		return nil, parsingError("[terms] query does not support [%s]", field)
	}
	return q, nil
}

type matchQuery struct {
	field   string
	value   any
	and     bool
	msm     string
	zeroAll bool
	boost   float64
	phrase  bool
}

func (q matchQuery) match(d *evalDoc) (bool, float64) {
	leaves := d.leaves(q.field)
	for _, l := range leaves {
		if l.kind != kindText && l.equals(q.value, false) {
			return true, q.boost
		}
	}
	want := analyze(scalarText(q.value))
	if len(want) == 0 {
		if q.zeroAll {
			return true, q.boost
		}
		return false, 0
	}
	if q.phrase {
		for _, l := range leaves {
			if l.kind == kindText && containsRun(analyze(l.text), want) {
				return true, q.boost
			}
		}
		return false, 0
	}
	want = dedupe(want)
	have := map[string]bool{}
	for _, l := range leaves {
		if l.kind == kindText {
			for _, t := range analyze(l.text) {
				have[t] = true
			}
		}
	}
	found := 0
	for _, t := range want {
		if have[t] {
			found++
		}
	}
	need := 1
	switch {
	case q.and:
		need = len(want)
	case q.msm != "":
		need = max(1, minimumShouldMatch(q.msm, len(want)))
	}
	if found < need {
		return false, 0
	}
	return true, q.boost * float64(found)
}

func parseMatch(body jsonObject) (query, error)       { return parseMatchLike("match", body) }
func parseMatchPhrase(body jsonObject) (query, error) { return parseMatchLike("match_phrase", body) }

func parseMatchLike(name string, body jsonObject) (query, error) {
	q := matchQuery{boost: 1, phrase: name == "match_phrase"}
	field, v, err := fieldQuery(name, body, &q.boost)
	if err != nil {
		return nil, err
	}
	q.field = field
	if long, ok := v.(jsonObject); ok {
		v = nil
		for _, m := range long {
			if ok, err := commonOption(name, m, &q.boost); ok || err != nil {
				if err != nil {
					return nil, err
				}
				continue
			}
			switch key := m.Key; {
			case key == "query":
				v = m.Value
			case key == "operator" && !q.phrase:
				switch strings.ToLower(scalarText(m.Value)) {
				case "or":
				case "and":
					q.and = true
				default:
					return nil, illegalArgument("operator needs to be either [and] or [or], but not [%s]", scalarText(m.Value))
				}
			case key == "minimum_should_match" && !q.phrase:
				q.msm = scalarText(m.Value)
				if _, ok := parseMSM(q.msm); !ok {
					return nil, illegalArgument("unsupported minimum_should_match [%s]", q.msm)
				}
			case key == "zero_terms_query":
				switch strings.ToLower(scalarText(m.Value)) {
				case "none":
				case "all":
					q.zeroAll = true
				default:
					return nil, parsingError("Unsupported zero_terms_query value [%s]", scalarText(m.Value))
				}
			case key == "analyzer", key == "lenient", key == "slop" && q.phrase, !q.phrase && (key == "fuzziness" ||
				key == "prefix_length" || key == "max_expansions" || key == "fuzzy_transpositions" ||
				key == "auto_generate_synonyms_phrase_query"):
				// Accepted and ignored.
			default:
				return nil, doesNotSupport(name, key)
			}
		}
	}
	if q.value, err = termValue(name, v); err != nil {
		return nil, err
	}
	return q, nil
}

type idsQuery struct {
	ids   map[string]bool
	boost float64
}

func (q idsQuery) match(d *evalDoc) (bool, float64) {
	if q.ids[d.doc.ID] {
		return true, q.boost
	}
	return false, 0
}

func parseIDs(body jsonObject) (query, error) {
	q := idsQuery{ids: map[string]bool{}, boost: 1}
	for _, m := range body {
		if ok, err := commonOption("ids", m, &q.boost); ok || err != nil {
			if err != nil {
				return nil, err
			}
			continue
		}
		if m.Key != "values" {
			return nil, contentError("[ids] unknown field [%s]", m.Key)
		}
		arr, ok := m.Value.([]any)
		if !ok {
			return nil, contentError("[ids] values doesn't support values of type: %s", tokenName(m.Value))
		}
		for _, e := range arr {
			if !isScalar(e) || e == nil {
				return nil, contentError("[ids] values must be strings, found [%s]", tokenName(e))
			}
			q.ids[scalarText(e)] = true
		}
	}
	return q, nil
}

type boolQuery struct {
	must, filter, should, mustNot []query
	msm                           string // "" is the default
	boost                         float64
}

func (q boolQuery) match(d *evalDoc) (bool, float64) {
	score := 0.0
	for _, c := range q.must {
		ok, s := c.match(d)
		if !ok {
			return false, 0
		}
		score += s
	}
	for _, c := range q.filter {
		if ok, _ := c.match(d); !ok {
			return false, 0
		}
	}
	for _, c := range q.mustNot {
		if ok, _ := c.match(d); ok {
			return false, 0
		}
	}
	matched := 0
	for _, c := range q.should {
		if ok, s := c.match(d); ok {
			matched++
			score += s
		}
	}
	need := 0
	if q.msm != "" {
		need = minimumShouldMatch(q.msm, len(q.should))
	} else if len(q.must) == 0 && len(q.filter) == 0 && len(q.should) > 0 {
		need = 1
	}
	if matched < need {
		return false, 0
	}
	if len(q.must)+len(q.filter)+len(q.should)+len(q.mustNot) == 0 {
		score = 1 // An empty bool is match_all.
	}
	return true, score * q.boost
}

func parseBool(body jsonObject) (query, error) {
	q := boolQuery{boost: 1}
	for _, m := range body {
		if ok, err := commonOption("bool", m, &q.boost); ok || err != nil {
			if err != nil {
				return nil, err
			}
			continue
		}
		var dst *[]query
		switch m.Key {
		case "must":
			dst = &q.must
		case "filter":
			dst = &q.filter
		case "should":
			dst = &q.should
		case "must_not":
			dst = &q.mustNot
		case "minimum_should_match":
			if !isScalar(m.Value) || m.Value == nil {
				return nil, doesNotSupport("bool", m.Key)
			}
			q.msm = scalarText(m.Value)
			if _, ok := parseMSM(q.msm); !ok {
				return nil, illegalArgument("unsupported minimum_should_match [%s]", q.msm)
			}
			continue
		case "adjust_pure_negative":
			continue
		default:
			return nil, doesNotSupport("bool", m.Key)
		}
		clauses := []any{m.Value}
		if arr, ok := m.Value.([]any); ok {
			clauses = arr
		}
		for _, c := range clauses {
			if _, ok := c.(jsonObject); !ok {
				return nil, parsingError("[bool] query does not support [%s]", m.Key)
			}
			sub, err := parseQuery(c)
			if err != nil {
				return nil, err
			}
			*dst = append(*dst, sub)
		}
	}
	return q, nil
}

// msmSpec is a minimum_should_match in its integer ("2", "-1") or
// percentage ("75%", "-25%") form; negative values count the clauses that
// may be missing.
type msmSpec struct {
	n   int
	pct bool
}

// parseMSM parses the forms of minimum_should_match that estest supports.
func parseMSM(s string) (msmSpec, bool) {
	s = strings.TrimSpace(s)
	p, pct := strings.CutSuffix(s, "%")
	n, err := strconv.Atoi(p)
	if err != nil {
		return msmSpec{}, false
	}
	return msmSpec{n: n, pct: pct}, true
}

// minimumShouldMatch is how many of optional clauses must match, computed
// as Elasticsearch's Queries.calculateMinShouldMatch does for the integer
// and percentage forms.
func minimumShouldMatch(s string, optional int) int {
	msm, ok := parseMSM(s)
	if !ok {
		return 0
	}
	n := msm.n
	if msm.pct {
		n = optional * n / 100
	}
	if n < 0 {
		n += optional
	}
	return max(n, 0)
}

type rangeQuery struct {
	field            string
	gt, gte, lt, lte any
	hasGT, hasGTE    bool
	hasLT, hasLTE    bool
	boost            float64
}

func (q rangeQuery) match(d *evalDoc) (bool, float64) {
	for _, l := range d.leaves(q.field) {
		if l.kind == kindText {
			for _, t := range analyze(l.text) {
				if q.inRange(leaf{kind: kindKeyword, text: t}) {
					return true, q.boost
				}
			}
			continue
		}
		if q.inRange(l) {
			return true, q.boost
		}
	}
	return false, 0
}

func (q rangeQuery) inRange(l leaf) bool {
	check := func(has bool, bound any, ok func(int) bool) bool {
		if !has {
			return true
		}
		c, comparable := l.compareTo(bound)
		return comparable && ok(c)
	}
	return check(q.hasGT, q.gt, func(c int) bool { return c > 0 }) &&
		check(q.hasGTE, q.gte, func(c int) bool { return c >= 0 }) &&
		check(q.hasLT, q.lt, func(c int) bool { return c < 0 }) &&
		check(q.hasLTE, q.lte, func(c int) bool { return c <= 0 })
}

func parseRange(body jsonObject) (query, error) {
	q := rangeQuery{boost: 1}
	field, v, err := fieldQuery("range", body, &q.boost)
	if err != nil {
		return nil, err
	}
	q.field = field
	long, ok := v.(jsonObject)
	if !ok {
		return nil, parsingError("[range] query malformed, no start_object after field name")
	}
	for _, m := range long {
		if ok, err := commonOption("range", m, &q.boost); ok || err != nil {
			if err != nil {
				return nil, err
			}
			continue
		}
		if !isScalar(m.Value) {
			return nil, parsingError("[range] query does not support [%s] of type %s", m.Key, tokenName(m.Value))
		}
		set := m.Value != nil // a null bound is no bound
		switch m.Key {
		case "gt":
			q.gt, q.hasGT = m.Value, set
		case "gte":
			q.gte, q.hasGTE = m.Value, set
		case "lt":
			q.lt, q.hasLT = m.Value, set
		case "lte":
			q.lte, q.hasLTE = m.Value, set
		case "format", "time_zone", "relation":
			// Accepted and ignored: dates must be ISO 8601 or epoch millis.
		default:
			return nil, parsingError("[range] query does not support [%s]", m.Key)
		}
	}
	return q, nil
}

type existsQuery struct {
	field string
	boost float64
}

func (q existsQuery) match(d *evalDoc) (bool, float64) {
	if len(d.leaves(q.field)) > 0 || d.hasObject(q.field) {
		return true, q.boost
	}
	return false, 0
}

func parseExists(body jsonObject) (query, error) {
	q := existsQuery{boost: 1}
	for _, m := range body {
		if ok, err := commonOption("exists", m, &q.boost); ok || err != nil {
			if err != nil {
				return nil, err
			}
			continue
		}
		if m.Key != "field" {
			return nil, doesNotSupport("exists", m.Key)
		}
		s, ok := m.Value.(string)
		if !ok {
			return nil, parsingError("[exists] query does not support [%s]", tokenName(m.Value))
		}
		q.field = s
	}
	if q.field == "" {
		return nil, parsingError("[exists] must be provided with a [field]")
	}
	return q, nil
}

type prefixQuery struct {
	field           string
	value           string
	caseInsensitive bool
	boost           float64
}

func (q prefixQuery) match(d *evalDoc) (bool, float64) {
	has := func(s string) bool {
		if q.caseInsensitive {
			return strings.HasPrefix(strings.ToLower(s), strings.ToLower(q.value))
		}
		return strings.HasPrefix(s, q.value)
	}
	for _, l := range d.leaves(q.field) {
		switch l.kind {
		case kindKeyword:
			if has(l.text) {
				return true, q.boost
			}
		case kindText:
			for _, t := range analyze(l.text) {
				if has(t) {
					return true, q.boost
				}
			}
		}
	}
	return false, 0
}

func parsePrefix(body jsonObject) (query, error) {
	q := prefixQuery{boost: 1}
	field, v, ci, err := parseValueQuery("prefix", body, &q.boost)
	if err != nil {
		return nil, err
	}
	q.field, q.value, q.caseInsensitive = field, scalarText(v), ci
	return q, nil
}

type constantScoreQuery struct {
	filter query
	boost  float64
}

func (q constantScoreQuery) match(d *evalDoc) (bool, float64) {
	if ok, _ := q.filter.match(d); ok {
		return true, q.boost
	}
	return false, 0
}

func parseConstantScore(body jsonObject) (query, error) {
	q := constantScoreQuery{boost: 1}
	for _, m := range body {
		if ok, err := commonOption("constant_score", m, &q.boost); ok || err != nil {
			if err != nil {
				return nil, err
			}
			continue
		}
		if m.Key != "filter" {
			return nil, doesNotSupport("constant_score", m.Key)
		}
		f, err := parseQuery(m.Value)
		if err != nil {
			return nil, err
		}
		q.filter = f
	}
	if q.filter == nil {
		return nil, parsingError("[constant_score] requires a 'filter' element")
	}
	return q, nil
}

// ---- documents, fields and values ----

// evalDoc is a document being evaluated, with its source decoded once.
type evalDoc struct {
	doc *searchDoc
	src map[string]any // nil when the source is not a JSON object
}

func newEvalDoc(doc *searchDoc) *evalDoc {
	d := &evalDoc{doc: doc}
	dec := json.NewDecoder(bytes.NewReader(doc.Source))
	dec.UseNumber()
	var src map[string]any
	if dec.Decode(&src) == nil {
		d.src = src
	}
	return d
}

type leafKind uint8

const (
	kindNumber leafKind = iota
	kindBool
	kindDate
	kindText
	kindKeyword
)

// leaf is one indexed value of a field.
type leaf struct {
	kind leafKind
	num  number // kindNumber, kindDate (epoch millis), kindBool (0 or 1)
	text string // kindText, kindKeyword
}

// lookup collects the values at a dotted path, descending into arrays and
// accepting dots inside source keys ({"user.name": ...}) as Elasticsearch
// does. Arrays are flattened; the result may hold objects and nulls.
func lookup(v any, path []string, out []any) []any {
	if len(path) == 0 {
		if arr, ok := v.([]any); ok {
			for _, e := range arr {
				out = lookup(e, nil, out)
			}
			return out
		}
		return append(out, v)
	}
	switch t := v.(type) {
	case map[string]any:
		for i := 1; i <= len(path); i++ {
			if child, ok := t[strings.Join(path[:i], ".")]; ok {
				out = lookup(child, path[i:], out)
			}
		}
	case []any:
		for _, e := range t {
			out = lookup(e, path, out)
		}
	}
	return out
}

// leaves returns the indexed values of field in the document. A field
// "x.keyword" that is not in the source stands for the keyword subfield of
// the strings at x. The metadata fields _id and _index are keywords.
func (d *evalDoc) leaves(field string) []leaf {
	switch field {
	case "_id":
		return []leaf{{kind: kindKeyword, text: d.doc.ID}}
	case "_index":
		return []leaf{{kind: kindKeyword, text: d.doc.Index}}
	}
	var out []leaf
	for _, v := range lookup(d.src, strings.Split(field, "."), nil) {
		switch t := v.(type) {
		case json.Number:
			if n, ok := parseNumber(t.String()); ok {
				out = append(out, leaf{kind: kindNumber, num: n})
			}
		case bool:
			n := number{isInt: true}
			if t {
				n.i, n.f = 1, 1
			}
			out = append(out, leaf{kind: kindBool, num: n})
		case string:
			if ms, ok := parseDate(t); ok {
				out = append(out, leaf{kind: kindDate, num: intNumber(ms)})
			} else {
				out = append(out, leaf{kind: kindText, text: t})
			}
		}
	}
	if len(out) > 0 || d.hasObject(field) {
		return out
	}
	base, ok := strings.CutSuffix(field, ".keyword")
	if !ok || base == "" {
		return nil
	}
	for _, v := range lookup(d.src, strings.Split(base, "."), nil) {
		if s, ok := v.(string); ok && len(utf16.Encode([]rune(s))) <= ignoreAbove {
			if _, isDate := parseDate(s); !isDate {
				out = append(out, leaf{kind: kindKeyword, text: s})
			}
		}
	}
	return out
}

// hasObject reports whether field is an object holding some value.
func (d *evalDoc) hasObject(field string) bool {
	var holds func(v any) bool
	holds = func(v any) bool {
		switch t := v.(type) {
		case nil:
			return false
		case map[string]any:
			for _, e := range t {
				if holds(e) {
					return true
				}
			}
			return false
		case []any:
			return slices.ContainsFunc(t, holds)
		}
		return true
	}
	for _, v := range lookup(d.src, strings.Split(field, "."), nil) {
		if m, ok := v.(map[string]any); ok && holds(m) {
			return true
		}
	}
	return false
}

// equals reports whether the leaf holds the term q (unanalysed): numbers,
// booleans and dates compare by value, keywords by whole string, text by
// membership among its tokens.
func (l leaf) equals(q any, caseInsensitive bool) bool {
	switch l.kind {
	case kindText:
		s := scalarText(q)
		for _, t := range analyze(l.text) {
			if t == s || caseInsensitive && strings.EqualFold(t, s) {
				return true
			}
		}
		return false
	case kindKeyword:
		s := scalarText(q)
		return l.text == s || caseInsensitive && strings.EqualFold(l.text, s)
	}
	c, ok := l.compareTo(q)
	return ok && c == 0
}

// compareTo compares the leaf with a query value converted to the leaf's
// type; ok is false when the value does not convert.
func (l leaf) compareTo(q any) (c int, ok bool) {
	switch l.kind {
	case kindNumber:
		n, ok := queryNumber(q)
		return cmpNumber(l.num, n), ok
	case kindBool:
		b, ok := queryBool(q)
		if !ok {
			return 0, false
		}
		n := number{isInt: true}
		if b {
			n.i, n.f = 1, 1
		}
		return cmpNumber(l.num, n), true
	case kindDate:
		n, ok := queryDate(q)
		return cmpNumber(l.num, n), ok
	}
	if q == nil {
		return 0, false
	}
	return strings.Compare(l.text, scalarText(q)), true
}

// number is a JSON number kept exact when it is an integer.
type number struct {
	i     int64
	f     float64
	isInt bool
}

func intNumber(i int64) number { return number{i: i, f: float64(i), isInt: true} }

func (n number) float() float64 { return n.f }

func parseNumber(s string) (number, bool) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return intNumber(i), true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return number{}, false
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return intNumber(int64(f)), true
	}
	return number{f: f}, true
}

func cmpNumber(a, b number) int {
	if a.isInt && b.isInt {
		return cmpInt64(a.i, b.i)
	}
	switch {
	case a.f < b.f:
		return -1
	case a.f > b.f:
		return 1
	}
	return 0
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func queryNumber(q any) (number, bool) {
	switch t := q.(type) {
	case json.Number:
		return parseNumber(t.String())
	case string:
		return parseNumber(strings.TrimSpace(t))
	}
	return number{}, false
}

func queryBool(q any) (bool, bool) {
	switch t := q.(type) {
	case bool:
		return t, true
	case string:
		switch t {
		case "true":
			return true, true
		case "false", "":
			return false, true
		}
	}
	return false, false
}

// queryDate reads a date given as an ISO 8601 string or as epoch millis.
func queryDate(q any) (number, bool) {
	switch t := q.(type) {
	case json.Number:
		return parseNumber(t.String())
	case string:
		if ms, ok := parseDate(t); ok {
			return intNumber(ms), true
		}
		return parseNumber(t)
	}
	return number{}, false
}

// parseDate recognises the strings that dynamic mapping's date detection
// maps as dates (strict_date_optional_time: yyyy-MM-dd, optionally with a
// time and a zone; UTC when the zone is absent) and returns epoch millis.
func parseDate(s string) (int64, bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	layouts := [...]string{
		"2006-01-02",
		"2006-01-02T15:04",
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04:05",
		"2006-01-02T15:04:05Z07:00",
		"2006-01-02T15:04:05Z0700",
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMilli(), true
		}
	}
	return 0, false
}

// analyze splits text into lowercase tokens of letters and digits.
func analyze(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

func dedupe(tokens []string) []string {
	var out []string
	for _, t := range tokens {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// containsRun reports whether want occurs as consecutive tokens in have.
func containsRun(have, want []string) bool {
	for i := 0; i+len(want) <= len(have); i++ {
		if slices.Equal(have[i:i+len(want)], want) {
			return true
		}
	}
	return false
}

// ---- sorting ----

// sortField is one sort criterion.
type sortField struct {
	field        string // a path, or _score, _doc, _id, _shard_doc
	desc         bool
	missingFirst bool
	missing      *sortValue // a replacement value for documents without one
	mode         string     // min, max, sum, avg or median; "" picks min ascending, max descending
}

func newSortField(field string) sortField {
	return sortField{field: field, desc: field == "_score"}
}

// parseSort parses the body's sort: a string, an object of one or more
// fields, or an array of these.
func parseSort(v any) ([]sortField, error) {
	var out []sortField
	var add func(v any, top bool) error
	add = func(v any, top bool) error {
		switch t := v.(type) {
		case string:
			out = append(out, newSortField(t))
		case jsonObject:
			for _, m := range t {
				sf, err := parseSortObject(m)
				if err != nil {
					return err
				}
				out = append(out, sf)
			}
		case []any:
			if !top {
				return parsingError("[sort] malformed: nested arrays are not supported")
			}
			for _, e := range t {
				if err := add(e, false); err != nil {
					return err
				}
			}
		default:
			return parsingError("[sort] malformed: unexpected token [%s]", tokenName(v))
		}
		return nil
	}
	return out, add(v, true)
}

func parseSortObject(m jsonMember) (sortField, error) {
	sf := newSortField(m.Key)
	switch m.Key {
	case "_geo_distance", "_script":
		return sf, illegalArgument("[%s] sort is not supported by estest", m.Key)
	}
	parseOrder := func(v any) error {
		switch s := strings.ToLower(scalarText(v)); {
		case !isScalar(v) || v == nil:
			return parsingError("[sort] order must be a string, found [%s]", tokenName(v))
		case s == "asc":
			sf.desc = false
		case s == "desc":
			sf.desc = true
		default:
			return illegalArgument("Unknown SortOrder [%s]", scalarText(v))
		}
		return nil
	}
	opts, ok := m.Value.(jsonObject)
	if !ok {
		return sf, parseOrder(m.Value)
	}
	for _, o := range opts {
		switch o.Key {
		case "order":
			if err := parseOrder(o.Value); err != nil {
				return sf, err
			}
		case "missing":
			switch o.Value {
			case "_last":
				sf.missingFirst = false
			case "_first":
				sf.missingFirst = true
			default:
				if !isScalar(o.Value) || o.Value == nil {
					return sf, contentError("[field_sort] missing doesn't support values of type: %s", tokenName(o.Value))
				}
				v := afterValue(o.Value)
				sf.missing = &v
			}
		case "mode":
			switch s := scalarText(o.Value); s {
			case "min", "max", "sum", "avg", "median":
				sf.mode = s
			default:
				return sf, illegalArgument("Unknown SortMode [%s]", s)
			}
		case "unmapped_type", "format", "numeric_type":
			// Accepted and ignored: an absent field sorts as missing anyway.
		default:
			return sf, contentError("[field_sort] unknown field [%s]", o.Key)
		}
	}
	return sf, nil
}

// sortValue is one sort key of a document: missing, a number or a string.
type sortValue struct {
	missing bool
	isNum   bool
	num     number
	str     string
}

// afterValue converts a search_after or missing value from the request.
func afterValue(v any) sortValue {
	switch t := v.(type) {
	case nil:
		return sortValue{missing: true}
	case bool:
		if t {
			return sortValue{isNum: true, num: intNumber(1)}
		}
		return sortValue{isNum: true, num: intNumber(0)}
	case json.Number:
		if n, ok := parseNumber(t.String()); ok {
			return sortValue{isNum: true, num: n}
		}
	}
	return sortValue{str: scalarText(v)}
}

// wire is the sort value as a hit reports it: int64, float64, string, or nil
// for a document without a value.
func (v sortValue) wire() any {
	switch {
	case v.missing:
		return nil
	case v.isNum && v.num.isInt:
		return v.num.i
	case v.isNum:
		return v.num.f
	}
	return v.str
}

// value computes the document's key for this criterion.
func (sf sortField) value(d *evalDoc, score float64) sortValue {
	switch sf.field {
	case "_score":
		return sortValue{isNum: true, num: number{f: score}}
	case "_doc", "_shard_doc":
		return sortValue{isNum: true, num: intNumber(d.doc.SeqNo)}
	}
	var nums []number
	var strs []string
	for _, l := range d.leaves(sf.field) {
		switch l.kind {
		case kindText, kindKeyword:
			strs = append(strs, l.text)
		default:
			nums = append(nums, l.num)
		}
	}
	wantMax := sf.mode == "max" || sf.mode == "" && sf.desc
	switch {
	case len(nums) > 0:
		switch sf.mode {
		case "sum", "avg", "median":
			return sortValue{isNum: true, num: aggregate(sf.mode, nums)}
		}
		pick := slices.MinFunc(nums, cmpNumber)
		if wantMax {
			pick = slices.MaxFunc(nums, cmpNumber)
		}
		return sortValue{isNum: true, num: pick}
	case len(strs) > 0:
		if wantMax {
			return sortValue{str: slices.Max(strs)}
		}
		return sortValue{str: slices.Min(strs)}
	case sf.missing != nil:
		return *sf.missing
	}
	return sortValue{missing: true}
}

func aggregate(mode string, nums []number) number {
	switch mode {
	case "median":
		s := slices.Clone(nums)
		slices.SortFunc(s, cmpNumber)
		if len(s)%2 == 1 {
			return s[len(s)/2]
		}
		return number{f: (s[len(s)/2-1].f + s[len(s)/2].f) / 2}
	}
	sum := 0.0
	for _, n := range nums {
		sum += n.f
	}
	if mode == "avg" {
		sum /= float64(len(nums))
	}
	if sum == math.Trunc(sum) && math.Abs(sum) < 1<<53 {
		return intNumber(int64(sum))
	}
	return number{f: sum}
}

// compare orders two keys under this criterion. Missing values go last
// whatever the order, unless the criterion asks for them first.
func (sf sortField) compare(a, b sortValue) int {
	if a.missing || b.missing {
		switch {
		case a.missing && b.missing:
			return 0
		case a.missing == sf.missingFirst:
			return -1
		}
		return 1
	}
	c := compareValues(a, b)
	if sf.desc {
		c = -c
	}
	return c
}

// compareValues orders numbers numerically and strings lexically; a string
// meeting a number is read as a number or an ISO date (epoch millis) if it
// is one, else sorts after it.
func compareValues(a, b sortValue) int {
	if a.isNum != b.isNum {
		if a.isNum {
			if n, ok := queryDate(b.str); ok {
				return cmpNumber(a.num, n)
			}
			return -1
		}
		if n, ok := queryDate(a.str); ok {
			return cmpNumber(n, b.num)
		}
		return 1
	}
	if a.isNum {
		return cmpNumber(a.num, b.num)
	}
	return strings.Compare(a.str, b.str)
}
