package estest

// This file is the query DSL of estest's search engine: the query clauses of
// a _search or _count body, each parsed into a query that matches and scores
// stored documents the way Elasticsearch would over an index built by
// dynamic mapping (see fields.go). The clauses themselves are in
// termquery.go, matchquery.go and compoundquery.go; searchrequest.go parses
// the rest of the body, evaluate.go runs a request and sorting.go orders
// hits.
//
// Scores are deterministic and are not BM25: a matching term, terms, ids,
// range, exists, prefix, match_phrase or match_all query scores its boost
// (1 by default); a match query scores boost times the number of distinct
// query tokens it found; bool sums its must and matching should clauses and
// multiplies by its boost; filter and must_not clauses score nothing, so a
// bool of filters alone scores 0, as in Elasticsearch.

// query is one parsed query clause.
type query interface {
	// match reports whether the document matches and its score.
	match(d *evalDoc) (bool, float64)
}

// parseQuery parses one query clause, {"<type>": {...}}. Errors are
// *queryError.
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
	parse := parserOf(name)
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

// parserOf returns the parser of a query type, or nil.
func parserOf(name string) func(jsonObject) (query, error) {
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
		return true, illegalArgument("[_name] (named queries) is not supported by estest")
	}
	return false, nil
}

func doesNotSupport(name, key string) error {
	return parsingError("[%s] query does not support [%s]", name, key)
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
