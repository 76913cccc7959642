package endpoint

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

// templateCall is one method on one path template of the specifications.
type templateCall struct {
	id, method, path string
	names            []string // the placeholders, in path order
}

// FuzzParseRoundTrip fills every placeholder of a template of the
// specifications with one value, percent-encoded, and checks that Parse
// gives it back: each parameter holds the value and Indices the value's
// comma-separated names, whenever Parse finds the same endpoint with the
// same placeholders (a value may spell a literal segment of another
// template).
func FuzzParseRoundTrip(f *testing.F) {
	var calls []templateCall
	for _, ep := range fixtures(f) {
		for _, p := range ep.Paths {
			var names []string
			for seg := range strings.SplitSeq(p.Path, "/") {
				if isPlaceholder(seg) {
					names = append(names, seg[1:len(seg)-1])
				}
			}
			if len(names) == 0 {
				continue
			}
			for _, m := range p.Methods {
				calls = append(calls, templateCall{ep.ID, m, p.Path, names})
			}
		}
	}
	for i := range len(calls) / 8 {
		f.Add(uint16(i*8), []string{"logs", "a,b", "<logs-{now/d}>", "x y/z%", "_all", "1"}[i%6])
	}
	f.Fuzz(func(t *testing.T, which uint16, value string) {
		c := calls[int(which)%len(calls)]
		escaped := url.PathEscape(value)
		segs := strings.Split(c.path, "/")
		for i, s := range segs {
			if isPlaceholder(s) {
				segs[i] = escaped
			}
		}
		path := strings.Join(segs, "/")
		got := Parse(c.method, path)
		if got.ID != c.id || len(got.Params) != len(c.names) {
			return
		}
		for _, name := range c.names {
			v, ok := got.Params[name]
			if !ok {
				return // a template of the same shape, named otherwise
			}
			if v != value {
				t.Fatalf("Parse(%s %q) %s = %q, want %q", c.method, path, name, v, value)
			}
		}
		if _, ok := got.Params["index"]; ok {
			want := strings.FieldsFunc(value, func(r rune) bool { return r == ',' })
			if !slices.Equal(got.Indices, want) {
				t.Fatalf("Parse(%s %q) indices %q, want %q", c.method, path, got.Indices, want)
			}
		}
	})
}
