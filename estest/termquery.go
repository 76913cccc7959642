package estest

// This file is the term-level queries (term, terms, ids, range, exists,
// prefix), which compare values without analysing the query.

import (
	"strings"
)

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
		case "format", "time_zone":
			if err := checkNeutral("range", m.Key, m.Value); err != nil {
				return nil, err
			}
		case "relation":
			// No effect: it applies to range fields, and estest has none.
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
