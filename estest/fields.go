package estest

// This file is how the search engine sees a document's fields. Dynamic
// mapping is inferred per value, not per index: a JSON string is a text
// field with a keyword subfield "<field>.keyword" (ignore_above 256), unless
// it looks like an ISO date (strict_date_optional_time), in which case it is
// a date; a JSON number is numeric; true and false are boolean. Text is
// analysed by lowercasing and splitting on every rune that is neither a
// letter nor a digit, a close cousin of the standard analyzer.

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
)

// ignoreAbove is ignore_above of the dynamic keyword subfield.
const ignoreAbove = 256

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

// analyze splits text into lowercase tokens of letters and digits.
func analyze(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
