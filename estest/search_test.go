package estest_test

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/esrt-dev/esrt/estest"
)

// A sorted search reports each hit with a null _score and its sort values,
// and a null max_score, as Elasticsearch does without track_scores; an
// unsorted one reports scores and the best of them.
func TestSearchHitsSortedAndScored(t *testing.T) {
	c := estest.New(t, estest.Config{})
	base := c.URLs()[0]
	for id, doc := range map[string]string{"1": `{"n":2,"t":"a b"}`, "2": `{"n":1,"t":"a"}`} {
		if r := send(t, nil, http.MethodPut, base+"/nums/_doc/"+id+"?refresh=true", doc, nil); r.status != http.StatusCreated {
			t.Fatalf("index %s: %d %s", id, r.status, r.body)
		}
	}
	r := send(t, nil, http.MethodPost, base+"/nums/_search", `{"sort":[{"n":"asc"}]}`, nil)
	hits := r.object(t)["hits"].(map[string]any)
	list := hits["hits"].([]any)
	if r.status != http.StatusOK || len(list) != 2 || hits["max_score"] != nil {
		t.Fatalf("sorted search: %d %s", r.status, r.body)
	}
	first := list[0].(map[string]any)
	if first["_id"] != "2" || first["_score"] != nil || !reflect.DeepEqual(first["sort"], []any{1.0}) {
		t.Errorf("first sorted hit = %v, want _id 2, _score null, sort [1]", first)
	}
	if _, ok := first["_score"]; !ok {
		t.Errorf("sorted hit has no _score key: %v", first)
	}

	r = send(t, nil, http.MethodPost, base+"/nums/_search", `{"query":{"match":{"t":"a b"}}}`, nil)
	hits = r.object(t)["hits"].(map[string]any)
	list = hits["hits"].([]any)
	if r.status != http.StatusOK || len(list) != 2 || hits["max_score"] != 2.0 {
		t.Fatalf("scored search: %d %s", r.status, r.body)
	}
	if h := list[1].(map[string]any); h["_id"] != "2" || h["_score"] != 1.0 || h["sort"] != nil {
		t.Errorf("second scored hit = %v, want _id 2, _score 1, no sort", h)
	}
}
