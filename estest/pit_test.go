package estest_test

import (
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/estest"
)

// Each product and version routes only its own point-in-time API, and a
// version without one refuses a search naming a point in time, so that a
// client falls back to scroll, which every version has.
func TestPITFlavours(t *testing.T) {
	tests := []struct {
		name   string
		cfg    estest.Config
		es, os bool // which open PIT path answers
	}{
		{"elasticsearch 9", estest.Config{}, true, false},
		{"elasticsearch 7.10", estest.Config{Version: "7.10.0"}, true, false},
		{"elasticsearch 7.9", estest.Config{Version: "7.9.3"}, false, false},
		{"opensearch 2.4", estest.Config{Product: estest.OpenSearch, Version: "2.4.0"}, false, true},
		{"opensearch 2.3", estest.Config{Product: estest.OpenSearch, Version: "2.3.0"}, false, false},
		{"opensearch 1.3", estest.Config{Product: estest.OpenSearch, Version: "1.3.7"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := estest.New(t, tt.cfg).URLs()[0]
			indexNumbered(t, base, "books", 3)
			paths := []struct {
				method, path string
				routed       bool
			}{
				{http.MethodPost, "/books/_pit?keep_alive=1m", tt.es},
				{http.MethodDelete, "/_pit", tt.es},
				{http.MethodPost, "/books/_search/point_in_time?keep_alive=1m", tt.os},
				{http.MethodDelete, "/_search/point_in_time", tt.os},
				{http.MethodGet, "/_search/point_in_time/_all", tt.os},
			}
			var pitID string
			for _, p := range paths {
				r := send(t, nil, p.method, base+p.path, "", nil)
				noHandler := r.status == http.StatusBadRequest && string(r.body) ==
					`{"error":"no handler found for uri [`+p.path+`] and method [`+p.method+`]"}`
				if p.path == "/_pit" {
					// Without the route, it is the delete index API, as on
					// the real servers.
					typ, _ := errorOf(r.object(t))
					noHandler = typ == "index_not_found_exception"
				}
				if noHandler == p.routed {
					t.Errorf("%s %s: %d %s, routed %v", p.method, p.path, r.status, r.body, p.routed)
				}
				if p.routed && p.method == http.MethodPost {
					m := r.object(t)
					pitID, _ = m["id"].(string)
					if tt.os {
						pitID, _ = m["pit_id"].(string)
					}
				}
			}
			if tt.es || tt.os {
				m := mustSend(t, http.MethodPost, base+"/_search", `{"pit":{"id":"`+pitID+`","keep_alive":"1m"}}`, http.StatusOK)
				if m["pit_id"] != pitID || get(m, "hits.total.value") != 3.0 {
					t.Errorf("search with the point in time: %v", m)
				}
				return
			}
			m := mustSend(t, http.MethodPost, base+"/_search", `{"pit":{"id":"x","keep_alive":"1m"}}`, http.StatusBadRequest)
			if typ, reason := errorOf(m); typ != "parsing_exception" || reason != "Unknown key for a START_OBJECT in [pit]." {
				t.Errorf("pit on a version without: %s: %s", typ, reason)
			}
			m = mustSend(t, http.MethodPost, base+"/books/_search?scroll=1m", `{"size":2}`, http.StatusOK)
			if m["_scroll_id"] == nil || len(hitIDs(m)) != 2 {
				t.Errorf("scroll fallback: %v", m)
			}
		})
	}
}

// OpenSearch's point in time: open answers pit_id, _shards and
// creation_time; the search reads the frozen documents; the list and the
// deletes answer per id; an unknown id counts as deleted, as OpenSearch
// counts it; expiry is lazy, by Config.Now.
func TestOpenSearchPIT(t *testing.T) {
	clk := newClock()
	c := estest.New(t, estest.Config{Product: estest.OpenSearch, Now: clk.Now})
	base := c.URLs()[0]
	indexNumbered(t, base, "books", 2)

	open := mustSend(t, http.MethodPost, base+"/books/_search/point_in_time?keep_alive=1m", "", http.StatusOK)
	sameShape(t, open, "open_pit_os.json")
	id, _ := open["pit_id"].(string)
	if open["creation_time"] != float64(clk.Now().UnixMilli()) || get(open, "_shards.total") != 1.0 {
		t.Errorf("open: %v", open)
	}
	mustSend(t, http.MethodPut, base+"/books/_doc/3", `{"n":3}`, http.StatusCreated)
	search := `{"pit":{"id":"` + id + `","keep_alive":"2m"},"sort":[{"n":"asc"}]}`
	if m := mustSend(t, http.MethodPost, base+"/_search", search, http.StatusOK); !reflect.DeepEqual(hitIDs(m), []string{"1", "2"}) || m["pit_id"] != id {
		t.Errorf("search with the point in time: %v", m)
	}
	list := mustSend(t, http.MethodGet, base+"/_search/point_in_time/_all", "", http.StatusOK)
	pits, _ := list["pits"].([]any)
	if len(pits) != 1 || get(pits[0], "pit_id") != id || get(pits[0], "keep_alive") != 120000.0 {
		t.Errorf("list: %v", list)
	}

	clk.advance(2*time.Minute + time.Second)
	mustSend(t, http.MethodPost, base+"/_search", search, http.StatusNotFound)
	if m := mustSend(t, http.MethodGet, base+"/_search/point_in_time/_all", "", http.StatusOK); len(m["pits"].([]any)) != 0 {
		t.Errorf("an expired point in time is listed: %v", m)
	}

	id2 := mustSend(t, http.MethodPost, base+"/books/_search/point_in_time?keep_alive=1m", "", http.StatusOK)["pit_id"].(string)
	del := mustSend(t, http.MethodDelete, base+"/_search/point_in_time", `{"pit_id":["`+id2+`","gone"]}`, http.StatusOK)
	sameShape(t, del, "close_pit_os.json")
	want := []any{map[string]any{"successful": true, "pit_id": id2}, map[string]any{"successful": true, "pit_id": "gone"}}
	if !reflect.DeepEqual(del["pits"], want) {
		t.Errorf("delete = %v, want %v", del["pits"], want)
	}
	mustSend(t, http.MethodPost, base+"/_search", `{"pit":{"id":"`+id2+`"}}`, http.StatusNotFound)

	mustSend(t, http.MethodPost, base+"/books/_search/point_in_time?keep_alive=1m", "", http.StatusOK)
	mustSend(t, http.MethodPost, base+"/books/_search/point_in_time?keep_alive=1m", "", http.StatusOK)
	if m := mustSend(t, http.MethodDelete, base+"/_search/point_in_time/_all", "", http.StatusOK); len(m["pits"].([]any)) != 2 {
		t.Errorf("delete _all: %v", m)
	}
	errs := []struct{ method, path, body, reason string }{
		{http.MethodPost, "/books/_search/point_in_time", "", "Validation Failed: 1: keep alive not specified;"},
		{http.MethodDelete, "/_search/point_in_time", "", "Validation Failed: 1: no pit ids specified;"},
		{http.MethodDelete, "/_search/point_in_time", `{"id":"x"}`, "Unknown parameter [id] in request body or parameter is of the wrong type[VALUE_STRING] "},
	}
	for _, e := range errs {
		m := mustSend(t, e.method, base+e.path, e.body, http.StatusBadRequest)
		if _, reason := errorOf(m); reason != e.reason {
			t.Errorf("%s %s %s: %q, want %q", e.method, e.path, e.body, reason, e.reason)
		}
	}
}

// Elasticsearch's point in time expires keep alive after its last use and
// closes with Elasticsearch's shapes.
func TestElasticsearchPITExpiry(t *testing.T) {
	clk := newClock()
	c := estest.New(t, estest.Config{Now: clk.Now})
	base := c.URLs()[0]
	indexNumbered(t, base, "books", 1)
	open := mustSend(t, http.MethodPost, base+"/books/_pit?keep_alive=1m", "", http.StatusOK)
	sameShape(t, open, "open_pit_es.json")
	search := `{"pit":{"id":"` + open["id"].(string) + `"}}`
	clk.advance(time.Minute)
	mustSend(t, http.MethodPost, base+"/_search", search, http.StatusOK)
	clk.advance(time.Minute + time.Millisecond)
	mustSend(t, http.MethodPost, base+"/_search", search, http.StatusNotFound)

	id := mustSend(t, http.MethodPost, base+"/books/_pit?keep_alive=1m", "", http.StatusOK)["id"].(string)
	sameShape(t, mustSend(t, http.MethodDelete, base+"/_pit", `{"id":"`+id+`"}`, http.StatusOK), "close_pit_es.json")
}
