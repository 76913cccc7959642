package estest_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/esrt-dev/esrt/estest"
)

// The README's quick start searches with ?q=title:go: only the matching
// documents come back, and a q that estest cannot honour is a 400 in
// Elasticsearch's error envelope, for _search and _count alike.
func TestSearchQueryParameter(t *testing.T) {
	c := estest.New(t, estest.Config{})
	base := c.URLs()[0]
	for id, doc := range map[string]string{
		"1": `{"title":"Learning Go"}`,
		"2": `{"title":"Rust in Action"}`,
		"3": `{"title":"Go in Practice","year":2016}`,
	} {
		if r := send(t, nil, http.MethodPut, base+"/products/_doc/"+id, doc, nil); r.status != http.StatusCreated {
			t.Fatalf("index %s: %d %s", id, r.status, r.body)
		}
	}
	for _, tt := range []struct {
		q    string
		want float64
	}{{"title:go", 2}, {"title:rust OR year:2016", 2}, {`title:"in action"`, 1}, {"practice", 1}, {"*", 3}} {
		r := send(t, nil, http.MethodGet, base+"/products/_search?q="+url.QueryEscape(tt.q), "", nil)
		if r.status != http.StatusOK {
			t.Fatalf("q=%s: %d %s", tt.q, r.status, r.body)
		}
		total := r.object(t)["hits"].(map[string]any)["total"].(map[string]any)["value"]
		if total != tt.want {
			t.Errorf("q=%s: %v hits, want %v", tt.q, total, tt.want)
		}
		r = send(t, nil, http.MethodGet, base+"/products/_count?q="+url.QueryEscape(tt.q), "", nil)
		if got := r.object(t)["count"]; r.status != http.StatusOK || got != tt.want {
			t.Errorf("_count q=%s: %d, count %v, want %v", tt.q, r.status, got, tt.want)
		}
	}
	for _, path := range []string{"/products/_search", "/products/_count"} {
		r := send(t, nil, http.MethodGet, base+path+"?q="+url.QueryEscape("title:go*"), "", nil)
		if r.status != http.StatusBadRequest {
			t.Fatalf("%s q=title:go*: %d %s, want 400", path, r.status, r.body)
		}
		obj := r.object(t)
		e := obj["error"].(map[string]any)
		root := e["root_cause"].([]any)[0].(map[string]any)
		cause, _ := e["caused_by"].(map[string]any)
		if obj["status"] != float64(400) || e["type"] != "query_shard_exception" || e["reason"] != "Failed to parse query [title:go*]" ||
			root["type"] != "query_shard_exception" || cause["type"] != "parse_exception" {
			t.Errorf("%s: error body %s", path, r.body)
		}
	}
}
