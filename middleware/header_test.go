package middleware

import (
	"net/http"
	"slices"
	"testing"
)

// A copy made by withHeader can be changed in every way the http.Header
// methods allow without the caller's request seeing it, even when the
// caller's value slices have spare capacity.
func TestWithHeaderIsolatesTheCaller(t *testing.T) {
	req, _ := http.NewRequest("GET", "http://es/", nil)
	vals := make([]string, 1, 4) // room to append in place
	vals[0] = "a"
	req.Header["X-Multi"] = vals
	req.Header["X-Gone"] = []string{"b"}

	out := withHeader(req, 1)
	out.Header.Add("X-Multi", "added")
	out.Header.Set("X-New", "c")
	out.Header.Del("X-Gone")

	if got := req.Header["X-Multi"]; !slices.Equal(got, []string{"a"}) || vals[:2][1] != "" {
		t.Errorf("caller's X-Multi = %q (backing array %q), want [a] untouched", got, vals[:2])
	}
	if req.Header.Get("X-New") != "" || req.Header.Get("X-Gone") != "b" {
		t.Errorf("caller's header changed: %v", req.Header)
	}
	if got := out.Header["X-Multi"]; !slices.Equal(got, []string{"a", "added"}) {
		t.Errorf("copy's X-Multi = %q, want [a added]", got)
	}
	if out == req || out.URL != req.URL {
		t.Errorf("want a new request sharing the URL")
	}
}

func TestHeaderValueNeedsNoCanonicalisation(t *testing.T) {
	h := http.Header{"Authorization": {"x", "y"}, "Empty": {}}
	for key, want := range map[string]string{"Authorization": "x", "Empty": "", "Missing": ""} {
		if got := headerValue(h, key); got != want || got != h.Get(key) {
			t.Errorf("headerValue(%q) = %q, want %q (as Get)", key, got, want)
		}
	}
}
