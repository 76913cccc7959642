package otelesrt

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func sanitize(t *testing.T, body string, size int) (string, error) {
	t.Helper()
	var q querySanitizer
	var err error
	for p := []byte(body); len(p) > 0 && err == nil; {
		n := min(size, len(p))
		_, err = q.Write(p[:n])
		p = p[n:]
	}
	return q.Text(), err
}

func TestQuerySanitizer(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"query":{"term":{"user.id":"kimchy"}}}`, `{"query":{"term":{"user.id":?}}}`},
		{`{ "size": 20, "from" : 40, "track_total_hits": true, "x": null, "f": -1.5e3 }`,
			`{"size":?,"from":?,"track_total_hits":?,"x":?,"f":?}`},
		{`{"query":{"terms":{"tags":["a","b",3]}},"sort":[{"date":"desc"}]}`,
			`{"query":{"terms":{"tags":[?,?,?]}},"sort":[{"date":?}]}`},
		{`{"q":"say \"hi\", {x}: [y]","k\"ey":"v"}`, `{"q":?,"k\"ey":?}`},
		{"{}\n{\"query\":{\"match_all\":{}}}\n{\"index\":\"a\"}\n{\"size\":1}\n",
			"{}\n{\"query\":{\"match_all\":{}}}\n{\"index\":?}\n{\"size\":?}"},
		{`{"query":{"match":{"título":"olá"}}}`, `{"query":{"match":{"título":?}}}`},
		{`not json`, `??`},
	}
	for _, tt := range tests {
		for _, size := range []int{1, 2, 1 << 20} {
			got, err := sanitize(t, tt.in, size)
			if err != nil || got != tt.want {
				t.Errorf("sanitize(%s) in pieces of %d = %s, %v; want %s", tt.in, size, got, err, tt.want)
			}
		}
	}
}

func TestQuerySanitizerCap(t *testing.T) {
	body := `{"query":{"bool":{"should":[` + strings.Repeat(`{"term":{"field_é":"value"}},`, 200) + `{}]}}}`
	got, err := sanitize(t, body, 7)
	if !errors.Is(err, errQueryFull) {
		t.Errorf("Write after the cap: %v, want errQueryFull", err)
	}
	if len(got) > maxQueryText || len(got) < maxQueryText-8 {
		t.Errorf("len = %d, want at most %d and close to it", len(got), maxQueryText)
	}
	if !utf8.ValidString(got) {
		t.Errorf("the cap cut a UTF-8 sequence: %q", got[len(got)-8:])
	}
	if !strings.HasPrefix(got, `{"query":{"bool":{"should":[{"term":{"field_é":?}},`) {
		t.Errorf("text = %.80s", got)
	}
}
