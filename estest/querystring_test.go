package estest

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// The q parameter of a URI search: the basics are honoured, and anything
// else is refused, never ignored.
func TestQueryString(t *testing.T) {
	docs := queryDocs(t)
	tests := []struct {
		q      string
		params url.Values // more parameters
		want   []string   // sorted ids
	}{
		{q: "title:quick", want: []string{"1", "3"}},
		{q: "title:QUICK", want: []string{"1", "3"}},
		{q: "title:dog", want: []string{"2", "4"}},
		{q: "title.keyword:Fox", want: []string{}},
		{q: "user.name:alice", want: []string{"1", "3"}},
		{q: "user.age:30", want: []string{"1"}},
		{q: "active:true", want: []string{"1", "4"}},
		{q: "_id:2", want: []string{"2"}},
		{q: "title:fox title:rabbit", want: []string{"1", "3", "4"}},
		{q: "title:fox OR title:rabbit", want: []string{"1", "3", "4"}},
		{q: "title:fox AND title:dog", want: []string{"4"}},
		{q: "title:fox AND tags:a AND active:true", want: []string{"1"}},
		{q: "title:fox title:dog", params: url.Values{"default_operator": {"and"}}, want: []string{"4"}},
		{q: `title:"quick brown"`, want: []string{"1"}},
		{q: `title:"brown quick"`, want: []string{}},
		{q: `"lazy dog"`, want: []string{"2"}},
		{q: `"lazy dog" OR title:rabbit`, want: []string{"2", "3"}},
		// Bare terms search every field.
		{q: "alice", want: []string{"1", "3"}},
		{q: "carol", want: []string{"4"}},
		{q: "x1", want: []string{"5"}},
		{q: "25", want: []string{"2"}},
		{q: "fox rabbit", want: []string{"1", "3", "4"}},
		{q: "smith", params: url.Values{"df": {"title"}}, want: []string{}},
		{q: "rabbit", params: url.Values{"df": {"title"}}, want: []string{"3"}},
		{q: "nothing-matches", want: []string{}},
		{q: "*", want: []string{"1", "2", "3", "4", "5"}},
		{q: "*:*", want: []string{"1", "2", "3", "4", "5"}},
		{q: "  title:fox\t", want: []string{"1", "4"}},
	}
	for _, tt := range tests {
		params := url.Values{"q": {tt.q}}
		for k, v := range tt.params {
			params[k] = v
		}
		r, err := parseSearchRequest(nil, params)
		if err != nil {
			t.Errorf("q=%s: %v", tt.q, err)
			continue
		}
		total, page := r.run(docs)
		got := hitIDs(page)
		slices.Sort(got)
		if total != len(tt.want) || !slices.Equal(got, tt.want) {
			t.Errorf("q=%s %v: total %d, ids %v; want %v", tt.q, tt.params, total, got, tt.want)
		}
	}
}

// q replaces the body's query, as in Elasticsearch.
func TestQueryStringOverridesBody(t *testing.T) {
	total, _ := search(t, queryDocs(t), `{"query":{"match_none":{}}}`, url.Values{"q": {"title:rabbit"}})
	if total != 1 {
		t.Errorf("total %d, want the q match", total)
	}
}

func TestQueryStringRefused(t *testing.T) {
	for _, tt := range []struct{ q, says string }{
		{"", "the query is empty"},
		{"   ", "the query is empty"},
		{"title:(quick OR fox)", "[(]"},
		{"NOT title:fox", "operator NOT"},
		{"title:fox && title:dog", "operator &&"},
		{"title:fox || title:dog", "operator ||"},
		{"-title:fox", "[-] in front"},
		{"+title:fox", "[+] in front"},
		{"title:qu*ck", "[*]"},
		{"title:fo?", "[?]"},
		{"title:fox~", "[~]"},
		{"title:fox^2", "[^]"},
		{`"quick fox"~2`, "[~] after a phrase"},
		{"price:[1 TO 5]", "[[]"},
		{"price:>5", "[>]"},
		{"title:/f.x/", "[/]"},
		{`title:a\:b`, `[\]`},
		{`"unterminated`, "unterminated quote"},
		{`"a \" b"`, "escapes"},
		{"title:", "has no value"},
		{"title:*", "[*]"},
		{"ti*le:fox", "field name [ti*le]"},
		{"a:b:c", "[:]"},
		{"AND title:fox", "without a clause before"},
		{"title:fox OR", "without a clause after"},
		{"title:fox AND OR title:dog", "without a clause before"},
		{"title:fox AND title:dog OR title:rabbit", "AND mixed with OR"},
		{"title:fox title:dog AND title:rabbit", "AND mixed with OR"},
	} {
		_, err := parseSearchRequest(nil, url.Values{"q": {tt.q}})
		var qe *queryError
		if !errors.As(err, &qe) || qe.Type != "query_shard_exception" || qe.Reason != "Failed to parse query ["+tt.q+"]" ||
			qe.Cause == nil || qe.Cause.Type != "parse_exception" || !strings.Contains(qe.Cause.Reason, tt.says) {
			t.Errorf("q=%s: err = %#v (cause %+v), want a query_shard_exception caused by a parse_exception saying %q", tt.q, err, causeOf(qe), tt.says)
		}
	}
	_, err := parseSearchRequest(nil, url.Values{"q": {"a b"}, "default_operator": {"xor"}})
	var qe *queryError
	if !errors.As(err, &qe) || qe.Type != "illegal_argument_exception" {
		t.Errorf("default_operator=xor: err = %v", err)
	}
}

func causeOf(qe *queryError) *queryError {
	if qe == nil {
		return nil
	}
	return qe.Cause
}
