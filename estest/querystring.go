package estest

// This file is the q parameter of _search and _count (a URI search): the
// basics of Lucene's query string syntax, turned into the queries of
// query.go. Anything else in q is refused with 400, never ignored.

import (
	"cmp"
	"slices"
	"strings"
)

// supportedSyntax says what q may hold, in the error for anything else.
const supportedSyntax = "estest supports field:value, bare terms, \"quoted phrases\" (also as field:\"...\"), " +
	"AND or OR between them (OR by default), and * or *:* for every document"

// parseQueryString parses the q parameter: terms and "quoted phrases",
// each alone (searched in df, or in every field when df is "") or as
// field:value, joined by AND or OR (uppercase); terms without an operator
// between them are joined by defaultOperator ("AND" or "OR", any case; ""
// is OR). A lone * or *:* matches every document. A term is analysed as a
// match query on the field, a phrase as a match_phrase query; in every
// field, a document matches if one of its fields does, scoring as its best
// field.
//
// Elasticsearch's parser knows more (NOT, + and -, parentheses, wildcards,
// ranges, fuzziness, boosts, escapes, regular expressions, and AND mixed
// with OR); estest refuses these with a *queryError, as it does for a q
// that does not parse: query_shard_exception "Failed to parse query [q]",
// caused by a parse_exception saying what estest does not support.
func parseQueryString(q, df, defaultOperator string) (query, error) {
	and := false
	switch strings.ToUpper(defaultOperator) {
	case "", "OR":
	case "AND":
		and = true
	default:
		return nil, illegalArgument("operator needs to be either [and] or [or], but not [%s]", defaultOperator)
	}
	fail := func(what string) error {
		return &queryError{Type: "query_shard_exception", Reason: "Failed to parse query [" + q + "]",
			Cause: &queryError{Type: "parse_exception", Reason: "Cannot parse '" + q + "': " + what + "; " + supportedSyntax}}
	}
	tokens, err := lexQueryString(q)
	if err != "" {
		return nil, fail(err)
	}
	if len(tokens) == 0 {
		return nil, fail("the query is empty")
	}
	var clauses []query
	var ops []bool // true for AND, between clauses
	expectClause := true
	for _, t := range tokens {
		if t.op != "" {
			if expectClause {
				return nil, fail("operator " + t.op + " without a clause before it")
			}
			ops = append(ops, t.op == "AND")
			expectClause = true
			continue
		}
		if !expectClause { // two clauses in a row: the default operator
			ops = append(ops, and)
		}
		clauses = append(clauses, t.query(df))
		expectClause = false
	}
	if expectClause {
		return nil, fail("operator " + tokens[len(tokens)-1].op + " without a clause after it")
	}
	if len(clauses) == 1 {
		return clauses[0], nil
	}
	if slices.Contains(ops, true) && slices.Contains(ops, false) {
		return nil, fail("AND mixed with OR (or with the default operator) is not supported by estest")
	}
	if ops[0] {
		return boolQuery{must: clauses, boost: 1}, nil
	}
	return boolQuery{should: clauses, boost: 1}, nil
}

// token is one token of a query string: an operator, or a clause.
type token struct {
	op       string // "AND" or "OR"; "" for a clause
	all      bool   // * or *:*
	field    string // "" for the default field
	value    string
	isPhrase bool
}

// query returns the query of a clause token; df is the default field ("":
// every field).
func (t token) query(df string) query {
	if t.all {
		return matchAllQuery{boost: 1}
	}
	m := matchQuery{field: cmp.Or(t.field, df), value: t.value, phrase: t.isPhrase, boost: 1}
	if m.field == "" {
		return anyFieldQuery{m}
	}
	return m
}

// lexQueryString splits q into tokens; a non-empty problem says what is
// not supported.
func lexQueryString(q string) (tokens []token, problem string) {
	for i := skipBlanks(q, 0); i < len(q); i = skipBlanks(q, i) {
		t, n, p := lexToken(q[i:])
		if p != "" {
			return nil, p
		}
		tokens = append(tokens, t)
		i += n
	}
	return tokens, ""
}

// skipBlanks returns the index of the first byte of s at or after i that
// is not blank.
func skipBlanks(s string, i int) int {
	for i < len(s) && isBlank(s[i]) {
		i++
	}
	return i
}

// lexToken reads the token at the start of s, which starts with a
// non-blank byte, and returns it with its length, or a problem.
func lexToken(s string) (t token, n int, problem string) {
	if s[0] == '"' {
		phrase, m, p := lexPhrase(s)
		return token{value: phrase, isPhrase: true}, m, p
	}
	for n < len(s) && !isBlank(s[n]) && s[n] != '"' {
		n++
	}
	word := s[:n]
	switch word {
	case "AND", "OR":
		return token{op: word}, n, ""
	case "*", "*:*":
		return token{all: true}, n, ""
	case "NOT", "&&", "||":
		return token{}, n, "operator " + word + " is not supported by estest"
	}
	if word[0] == '+' || word[0] == '-' {
		return token{}, n, "[" + word[:1] + "] in front of a clause is not supported by estest"
	}
	field, value, hasField := strings.Cut(word, ":")
	if !hasField {
		return token{value: word}, n, checkTerm(word)
	}
	t, m, p := lexField(field, value, s[n:])
	return t, n + m, p
}

// lexField reads the clause field:value, or field:"a phrase" when value is
// empty and after (what follows field: in the query string) starts with a
// quote. It returns the token and how many bytes of after it read.
func lexField(field, value, after string) (t token, n int, problem string) {
	if !validFieldName(field) {
		return token{}, 0, "field name [" + field + "] is not supported by estest (letters, digits, _, -, @ and . only)"
	}
	if value == "" && strings.HasPrefix(after, `"`) {
		phrase, m, p := lexPhrase(after)
		return token{field: field, value: phrase, isPhrase: true}, m, p
	}
	if value == "" {
		return token{}, 0, "field [" + field + "] has no value"
	}
	return token{field: field, value: value}, 0, checkTerm(value)
}

// lexPhrase reads the quoted phrase at the start of s and returns its text
// and length, or a problem.
func lexPhrase(s string) (phrase string, n int, problem string) {
	end := strings.IndexByte(s[1:], '"')
	if end < 0 {
		return "", 0, "unterminated quote"
	}
	phrase = s[1 : 1+end]
	if strings.ContainsRune(phrase, '\\') {
		return "", 0, "escapes (\\) are not supported by estest"
	}
	n = end + 2
	if n < len(s) && !isBlank(s[n]) {
		// "a b"~2, "a b"^2 and "a""b" are not plain phrases.
		return "", 0, "[" + string(s[n]) + "] after a phrase is not supported by estest"
	}
	return phrase, n, ""
}

// checkTerm returns what estest does not support in a term: the
// characters Lucene's query syntax reserves for wildcards, fuzziness,
// boosts, ranges, grouping, regular expressions and escapes (+ and - only
// mean something in front of a clause).
func checkTerm(term string) string {
	if i := strings.IndexAny(term, `*?~^()[]{}<>=!\/:&|`); i >= 0 {
		return "[" + term[i:i+1] + "] in term [" + term + "] is not supported by estest"
	}
	return ""
}

func validFieldName(f string) bool {
	if f == "" {
		return false
	}
	for _, r := range f {
		if !(r == '_' || r == '-' || r == '@' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func isBlank(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// anyFieldQuery runs a match or match_phrase query on every field of the
// document that holds a value, as a query string does with the default
// field * (index.query.default_field): a document matches if one field does,
// and scores as its best field.
type anyFieldQuery struct{ m matchQuery }

func (q anyFieldQuery) match(d *evalDoc) (bool, float64) {
	matched, best := false, 0.0
	for _, f := range fieldPaths(d.src, "", nil) {
		m := q.m
		m.field = f
		if ok, s := m.match(d); ok {
			matched, best = true, max(best, s)
		}
	}
	return matched, best
}

// fieldPaths returns the dotted paths of the scalar values under v, each
// once, in a stable order.
func fieldPaths(v any, prefix string, out []string) []string {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			out = fieldPaths(t[k], p, out)
		}
	case []any:
		for _, e := range t {
			out = fieldPaths(e, prefix, out)
		}
	case nil:
	default:
		if prefix != "" && !slices.Contains(out, prefix) {
			out = append(out, prefix)
		}
	}
	return out
}
