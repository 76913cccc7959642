package estest_test

import (
	"net/http"
	"testing"

	"github.com/esrt-dev/esrt/estest"
)

// _mget answers one entry per requested document, in order: what GET
// answers for a found or missing document, and an error entry for a
// missing index; the request itself is 200.
func TestMget(t *testing.T) {
	c := estest.New(t, estest.Config{})
	base := c.URLs()[0]
	mustSend(t, http.MethodPut, base+"/books/_doc/1", `{"title":"Dune"}`, http.StatusCreated)
	mustSend(t, http.MethodPut, base+"/articles/_doc/1", `{"title":"Go"}`, http.StatusCreated)

	body := `{"docs":[{"_index":"books","_id":"1"},{"_index":"articles","_id":1},{"_index":"books","_id":"9"},{"_index":"nope","_id":"1"}]}`
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		m := mustSend(t, method, base+"/_mget", body, http.StatusOK)
		docs, _ := m["docs"].([]any)
		if len(docs) != 4 {
			t.Fatalf("%s /_mget: %v", method, m)
		}
		sameShape(t, map[string]any{"docs": docs[:2]}, "mget_found_two_indices.json", ".docs[]._source")
		if get(docs[0], "_source.title") != "Dune" || get(docs[1], "_id") != "1" || get(docs[1], "_source.title") != "Go" {
			t.Errorf("found entries: %v", docs[:2])
		}
		if d := docs[2].(map[string]any); len(d) != 3 || d["found"] != false || d["_index"] != "books" || d["_id"] != "9" {
			t.Errorf("missing document entry = %v, want _index, _id and found false", d)
		}
		missing := docs[3].(map[string]any)
		if missing["_index"] != "nope" || get(missing, "error.type") != "index_not_found_exception" ||
			get(missing, "error.reason") != "no such index [nope]" || get(missing, "error.root_cause") == nil || missing["found"] != nil {
			t.Errorf("missing index entry = %v", missing)
		}
	}

	// ids need the index of the path, which is also the default of docs.
	m := mustSend(t, http.MethodPost, base+"/books/_mget", `{"ids":["1","2"]}`, http.StatusOK)
	if get(m["docs"].([]any)[0], "found") != true || get(m["docs"].([]any)[1], "found") != false {
		t.Errorf("ids: %v", m)
	}
	m = mustSend(t, http.MethodPost, base+"/books/_mget", `{"docs":[{"_id":"1","_source":false},{"_index":"articles","_id":"1"}]}`, http.StatusOK)
	first := m["docs"].([]any)[0].(map[string]any)
	if _, ok := first["_source"]; ok || first["found"] != true || get(m["docs"].([]any)[1], "_index") != "articles" {
		t.Errorf("docs with the path's index and _source false: %v", m)
	}
}

// Elasticsearch 7 and OpenSearch 1 entries carry _type, failures too.
func TestMgetWithType(t *testing.T) {
	c := estest.New(t, estest.Config{Version: "7.17.0"})
	base := c.URLs()[0]
	mustSend(t, http.MethodPut, base+"/books/_doc/1", `{"title":"Dune"}`, http.StatusCreated)
	m := mustSend(t, http.MethodPost, base+"/_mget", `{"docs":[{"_index":"books","_id":"1"},{"_index":"nope","_id":"1"}]}`, http.StatusOK)
	sameShape(t, map[string]any{"docs": m["docs"].([]any)[:1]}, "mget_found_not_found_mix.json", ".docs[]._source")
	for i, d := range m["docs"].([]any) {
		if get(d, "_type") != "_doc" {
			t.Errorf("entry %d without _type: %v", i, d)
		}
	}
}

// Requests _mget refuses, with Elasticsearch's errors.
func TestMgetErrors(t *testing.T) {
	base := estest.New(t, estest.Config{}).URLs()[0]
	tests := []struct {
		path, body  string
		typ, reason string
	}{
		{"/_mget", "", "parse_exception", "request body or source parameter is required"},
		{"/_mget", `{"ids":["1"]}`, "action_request_validation_exception", "Validation Failed: 1: index is missing for doc 0;"},
		{"/_mget", `{"docs":[{"_index":"a"},{}]}`, "action_request_validation_exception",
			"Validation Failed: 1: id is missing for doc 0;2: index is missing for doc 1;3: id is missing for doc 1;"},
		{"/_mget", `{"docs":[]}`, "action_request_validation_exception", "Validation Failed: 1: no documents to get;"},
		{"/_mget", `{"documents":[]}`, "parse_exception", "unknown key [documents] for a START_ARRAY, expected [docs] or [ids]"},
		{"/_mget", `{"docs":{}}`, "parse_exception", "unexpected token [START_OBJECT], expected [FIELD_NAME] or [START_ARRAY]"},
		{"/_mget", `{"docs":[{"_index":"a","_id":"1","colour":1}]}`, "parse_exception", "failed to parse multi get request. unknown field [colour]"},
		{"/_mget", `{"docs":["x"]}`, "illegal_argument_exception", "docs array element should include an object"},
		{"/a/_mget", `{"ids":[{}]}`, "illegal_argument_exception", "ids array element should only contain ids"},
		{"/a/_mget", `{"docs":[{"_id":"1","stored_fields":["x"]}]}`, "illegal_argument_exception", "[stored_fields] is not supported by estest"},
	}
	for _, tt := range tests {
		m := mustSend(t, http.MethodPost, base+tt.path, tt.body, http.StatusBadRequest)
		if typ, reason := errorOf(m); typ != tt.typ || reason != tt.reason {
			t.Errorf("%s %s: %s: %s\nwant %s: %s", tt.path, tt.body, typ, reason, tt.typ, tt.reason)
		}
	}
}
