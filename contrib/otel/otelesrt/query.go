package otelesrt

import (
	"errors"
	"unicode/utf8"
)

// maxQueryText caps db.query.text, in bytes.
const maxQueryText = 2048

// searchEndpoints are the endpoints whose request body is a query, for
// db.query.text: the union of the lists of Elastic's Go, Python and
// JavaScript clients.
var searchEndpoints = map[string]bool{
	"search":                 true,
	"msearch":                true,
	"search_template":        true,
	"msearch_template":       true,
	"render_search_template": true,
	"async_search.submit":    true,
	"eql.search":             true,
	"esql.query":             true,
	"esql.async_query":       true,
	"sql.query":              true,
	"knn_search":             true,
	"terms_enum":             true,
	"search_mvt":             true,
	"rollup.rollup_search":   true,
	"fleet.search":           true,
	"fleet.msearch":          true,
}

// errQueryFull stops reading a body once the query text is complete.
var errQueryFull = errors.New("otelesrt: query text complete")

// querySanitizer turns a JSON or NDJSON body, written to it in pieces of
// any size, into db.query.text: the structure and the keys stay, every
// literal value (string, number, true, false, null) becomes ?, whitespace
// goes, one newline separates the documents of NDJSON. It is a tokenizer,
// not a validator: bytes that are no JSON become ? too. Once the text
// reaches maxQueryText, Write returns errQueryFull and takes nothing more.
type querySanitizer struct {
	out     []byte
	full    bool
	stack   []byte // open containers, '{' or '['
	wantKey bool   // in an object, before a key
	state   queryState
}

type queryState uint8

const (
	queryNormal queryState = iota
	queryKey               // in a key: copied
	queryKeyEscape
	queryString // in a string value: dropped
	queryStringEscape
	queryLiteral // in a number, true, false or null: dropped
)

// Write sanitizes p.
func (q *querySanitizer) Write(p []byte) (int, error) {
	for _, c := range p {
		if q.full {
			return 0, errQueryFull
		}
		q.step(c)
	}
	return len(p), nil
}

func (q *querySanitizer) step(c byte) {
	switch q.state {
	case queryKey:
		q.emit(c)
		if c == '\\' {
			q.state = queryKeyEscape
		} else if c == '"' {
			q.state = queryNormal
		}
	case queryKeyEscape:
		q.emit(c)
		q.state = queryKey
	case queryString:
		if c == '\\' {
			q.state = queryStringEscape
		} else if c == '"' {
			q.state = queryNormal
		}
	case queryStringEscape:
		q.state = queryString
	case queryLiteral:
		if isDelimiter(c) {
			q.state = queryNormal
			q.structural(c)
		}
	default:
		q.structural(c)
	}
}

// structural takes a byte outside strings and literals.
func (q *querySanitizer) structural(c byte) {
	switch c {
	case ' ', '\t', '\r':
	case '\n':
		if len(q.stack) == 0 && len(q.out) > 0 && q.out[len(q.out)-1] != '\n' {
			q.emit('\n')
		}
	case '{', '[':
		q.emit(c)
		q.stack = append(q.stack, c)
		q.wantKey = c == '{'
	case '}', ']':
		q.emit(c)
		if len(q.stack) > 0 {
			q.stack = q.stack[:len(q.stack)-1]
		}
		q.wantKey = false
	case ':':
		q.emit(c)
		q.wantKey = false
	case ',':
		q.emit(c)
		q.wantKey = len(q.stack) > 0 && q.stack[len(q.stack)-1] == '{'
	case '"':
		if q.wantKey {
			q.emit(c)
			q.state = queryKey
			return
		}
		q.emit('?')
		q.state = queryString
	default:
		q.emit('?')
		q.state = queryLiteral
	}
}

func (q *querySanitizer) emit(c byte) {
	if len(q.out) >= maxQueryText {
		q.full = true
		return
	}
	q.out = append(q.out, c)
}

// isDelimiter reports whether c ends a literal.
func isDelimiter(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ',', ':', '[', ']', '{', '}', '"':
		return true
	}
	return false
}

// Text returns the sanitized text, without a final newline and without a
// UTF-8 sequence that the cap cut in two.
func (q *querySanitizer) Text() string {
	out := q.out
	for len(out) > 0 && out[len(out)-1] == '\n' {
		out = out[:len(out)-1]
	}
	for len(out) > 0 {
		r, size := utf8.DecodeLastRune(out)
		if r != utf8.RuneError || size > 1 {
			break
		}
		out = out[:len(out)-1]
	}
	return string(out)
}
