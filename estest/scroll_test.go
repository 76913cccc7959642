package estest_test

import (
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/estest"
)

// indexNumbered stores documents 1..n in index with "n" set to the id.
func indexNumbered(t *testing.T, base, index string, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		id := strconv.Itoa(i)
		mustSend(t, http.MethodPut, base+"/"+index+"/_doc/"+id, `{"n":`+id+`}`, http.StatusCreated)
	}
}

// A scroll pages through the matches of its search in order, answering
// every page with the same id and an empty page at the end; each way of
// naming the id (body, parameters, path) reads the next page.
func TestScrollPages(t *testing.T) {
	c := estest.New(t, estest.Config{})
	base := c.URLs()[0]
	indexNumbered(t, base, "s", 5)

	first := mustSend(t, http.MethodPost, base+"/s/_search?scroll=1m", `{"size":2,"sort":[{"n":"asc"}]}`, http.StatusOK)
	sameShape(t, first, "scroll_os.json")
	id, _ := first["_scroll_id"].(string)
	if id == "" || get(first, "hits.total.value") != 5.0 {
		t.Fatalf("first page: %v", first)
	}
	pages := []struct {
		method, path, body string
		want               []string
	}{
		{http.MethodPost, "/_search/scroll", `{"scroll":"1m","scroll_id":"` + id + `"}`, []string{"3", "4"}},
		{http.MethodGet, "/_search/scroll?scroll=1m&scroll_id=" + id, "", []string{"5"}},
		{http.MethodGet, "/_search/scroll/" + id, "", []string{}},
		{http.MethodPost, "/_search/scroll", `{"scroll_id":"` + id + `"}`, []string{}},
	}
	if got := hitIDs(first); !reflect.DeepEqual(got, []string{"1", "2"}) {
		t.Errorf("first page %v, want [1 2]", got)
	}
	for _, p := range pages {
		m := mustSend(t, p.method, base+p.path, p.body, http.StatusOK)
		if got := hitIDs(m); !reflect.DeepEqual(got, p.want) {
			t.Errorf("%s %s: hits %v, want %v", p.method, p.path, got, p.want)
		}
		if m["_scroll_id"] != id || get(m, "hits.total.value") != 5.0 {
			t.Errorf("%s %s: _scroll_id %v, total %v; want the same id and 5", p.method, p.path, m["_scroll_id"], get(m, "hits.total.value"))
		}
	}

	// Without an index, over every index; writes after the start are not
	// seen.
	all := mustSend(t, http.MethodGet, base+"/_search?scroll=30s&size=10", "", http.StatusOK)
	mustSend(t, http.MethodPut, base+"/s/_doc/6", `{"n":6}`, http.StatusCreated)
	if got := len(hitIDs(all)); got != 5 {
		t.Errorf("scroll over every index: %d hits, want 5", got)
	}
	next := mustSend(t, http.MethodPost, base+"/_search/scroll", `{"scroll_id":"`+all["_scroll_id"].(string)+`"}`, http.StatusOK)
	if got := hitIDs(next); len(got) != 0 {
		t.Errorf("second page after a later write: %v, want none", got)
	}
}

// Scroll ids are encoded as Elasticsearch and OpenSearch encode them: with
// the context uuid for Elasticsearch, queryAndFetch over one shard.
func TestScrollIDFormat(t *testing.T) {
	tests := []struct {
		cfg    estest.Config
		prefix string
	}{
		{estest.Config{}, "FGluY2x1ZGVfY29udGV4dF91dWlk"},                         // \x14include_context_uuid
		{estest.Config{Product: estest.OpenSearch}, "DXF1ZXJ5QW5kRmV0Y2gB"},       // \x0dqueryAndFetch, one context
		{estest.Config{Product: estest.OpenSearch, Version: "1.3.0"}, "DXF1ZXJ5"}, // the same before PITs existed
	}
	for _, tt := range tests {
		c := estest.New(t, tt.cfg)
		mustSend(t, http.MethodPut, c.URLs()[0]+"/s/_doc/1", `{"n":1}`, http.StatusCreated)
		m := mustSend(t, http.MethodGet, c.URLs()[0]+"/s/_search?scroll=1m", "", http.StatusOK)
		if tt.cfg.Version == "7.17.0" {
			sameShape(t, m, "scroll_es7.json", ".hits.hits[]._source")
		}
		if id, _ := m["_scroll_id"].(string); !strings.HasPrefix(id, tt.prefix) {
			t.Errorf("%v %s: scroll id %q, want prefix %q", tt.cfg.Product, tt.cfg.Version, id, tt.prefix)
		}
	}
}

// A scroll lives keep alive after its last use, the keep alive of the
// last request that named one; an expired, cleared or unknown scroll is
// Elasticsearch's 404 search_phase_execution_exception whose root cause
// is search_context_missing_exception.
func TestScrollExpiry(t *testing.T) {
	clk := newClock()
	c := estest.New(t, estest.Config{Now: clk.Now})
	base := c.URLs()[0]
	indexNumbered(t, base, "s", 4)
	id := mustSend(t, http.MethodGet, base+"/s/_search?scroll=1m&size=1", "", http.StatusOK)["_scroll_id"].(string)
	page := func() string { return `{"scroll_id":"` + id + `"}` }

	clk.advance(59 * time.Second)
	mustSend(t, http.MethodPost, base+"/_search/scroll", page(), http.StatusOK)
	clk.advance(59 * time.Second) // 1m after the last use
	mustSend(t, http.MethodPost, base+"/_search/scroll", `{"scroll_id":"`+id+`","scroll":"5m"}`, http.StatusOK)
	clk.advance(4 * time.Minute)
	mustSend(t, http.MethodPost, base+"/_search/scroll", page(), http.StatusOK)
	clk.advance(5*time.Minute + time.Second)
	m := mustSend(t, http.MethodPost, base+"/_search/scroll", page(), http.StatusNotFound)
	sameShape(t, m, "error_400_search_phase_execution.json", ".error.failed_shards[]", ".error.root_cause[]")
	if typ, reason := errorOf(m); typ != "search_phase_execution_exception" || reason != "all shards failed" {
		t.Errorf("expired scroll: %s: %s", typ, reason)
	}
	root, _ := get(m, "error.root_cause").([]any)
	missing := regexp.MustCompile(`^No search context found for id \[\d+\]$`)
	if len(root) != 1 || get(root[0], "type") != "search_context_missing_exception" || !missing.MatchString(get(root[0], "reason").(string)) {
		t.Errorf("root_cause = %v", root)
	}
	if get(m, "error.caused_by.type") != "search_context_missing_exception" || get(m, "status") != 404.0 {
		t.Errorf("caused_by and status: %v", m)
	}
	shard, _ := get(m, "error.failed_shards").([]any)
	if len(shard) != 1 || get(shard[0], "shard") != -1.0 || get(shard[0], "index") != nil {
		t.Errorf("failed_shards = %v, want one with shard -1 and index null", shard)
	}
	// The expired scroll is gone: clearing it frees nothing.
	if m := mustSend(t, http.MethodDelete, base+"/_search/scroll/"+id, "", http.StatusNotFound); m["num_freed"] != 0.0 {
		t.Errorf("clearing an expired scroll: %v", m)
	}
}

// DELETE /_search/scroll frees scrolls named in the body (a list or one
// string), the parameter or the path, or all of them, counting one shard
// context per index; nothing freed is a 404.
func TestClearScroll(t *testing.T) {
	c := estest.New(t, estest.Config{Product: estest.OpenSearch})
	base := c.URLs()[0]
	indexNumbered(t, base, "a", 2)
	indexNumbered(t, base, "b", 2)
	open := func(path string) string {
		return mustSend(t, http.MethodGet, base+path, "", http.StatusOK)["_scroll_id"].(string)
	}
	tests := []struct {
		name      string
		path      string
		body      func(id string) string
		wantFreed float64
	}{
		{"body list", "/_search/scroll", func(id string) string { return `{"scroll_id":["` + id + `"]}` }, 1},
		{"body string", "/_search/scroll", func(id string) string { return `{"scroll_id":"` + id + `"}` }, 1},
		{"path", "/_search/scroll/{id}", func(string) string { return "" }, 1},
		{"parameter", "/_search/scroll?scroll_id={id}", func(string) string { return "" }, 1},
	}
	for _, tt := range tests {
		id := open("/a/_search?scroll=1m")
		path := strings.ReplaceAll(tt.path, "{id}", id)
		m := mustSend(t, http.MethodDelete, base+path, tt.body(id), http.StatusOK)
		sameShape(t, m, "clear_scroll_os.json")
		if m["num_freed"] != tt.wantFreed || m["succeeded"] != true {
			t.Errorf("%s: %v", tt.name, m)
		}
		mustSend(t, http.MethodDelete, base+path, tt.body(id), http.StatusNotFound)
		mustSend(t, http.MethodPost, base+"/_search/scroll", `{"scroll_id":"`+id+`"}`, http.StatusNotFound)
	}

	open("/a,b/_search?scroll=1m")
	open("/b/_search?scroll=1m")
	if m := mustSend(t, http.MethodDelete, base+"/_search/scroll/_all", "", http.StatusOK); m["num_freed"] != 3.0 {
		t.Errorf("_all freed %v, want 3 (two contexts and one)", m["num_freed"])
	}
	if m := mustSend(t, http.MethodDelete, base+"/_search/scroll", `{"scroll_id":"_all"}`, http.StatusNotFound); m["num_freed"] != 0.0 {
		t.Errorf("_all with nothing open: %v", m)
	}
}

// Requests the scroll API refuses, with Elasticsearch's errors.
func TestScrollErrors(t *testing.T) {
	c := estest.New(t, estest.Config{})
	base := c.URLs()[0]
	indexNumbered(t, base, "s", 1)
	tests := []struct {
		name, method, path, body string
		status                   int
		typ, reason              string
	}{
		{"malformed id", "POST", "/_search/scroll", `{"scroll_id":"abc"}`, 400, "illegal_argument_exception", "Cannot parse scroll id"},
		{"not base64", "GET", "/_search/scroll?scroll_id=a!b", "", 400, "illegal_argument_exception", "Cannot parse scroll id"},
		{"no id", "POST", "/_search/scroll", `{"scroll":"1m"}`, 400, "action_request_validation_exception", "Validation Failed: 1: scrollId is missing;"},
		{"unknown body key", "POST", "/_search/scroll", `{"id":"x"}`, 400, "illegal_argument_exception",
			"Unknown parameter [id] in request body or parameter is of the wrong type[VALUE_STRING] "},
		{"bad keep alive", "POST", "/s/_search?scroll=1x", "", 400, "parse_exception",
			"failed to parse setting [scroll] with value [1x] as a time value: unit is missing or unrecognized"},
		{"empty keep alive", "POST", "/s/_search?scroll=", "", 400, "parse_exception",
			"failed to parse setting [scroll] with value [] as a time value: unit is missing or unrecognized"},
		{"from and size 0", "POST", "/s/_search?scroll=1m", `{"from":1,"size":0}`, 400, "action_request_validation_exception",
			"Validation Failed: 1: using [from] is not allowed in a scroll context;2: [size] cannot be [0] in a scroll context;"},
		{"search_after", "POST", "/s/_search?scroll=1m", `{"sort":["n"],"search_after":[1]}`, 400, "action_request_validation_exception",
			"Validation Failed: 1: [search_after] cannot be used in a scroll context;"},
		{"clear without ids", "DELETE", "/_search/scroll", "", 400, "action_request_validation_exception", "Validation Failed: 1: no scroll ids specified;"},
		{"clear malformed", "DELETE", "/_search/scroll", `{"scroll_id":["abc"]}`, 400, "illegal_argument_exception", "Cannot parse scroll id"},
	}
	for _, tt := range tests {
		m := mustSend(t, tt.method, base+tt.path, tt.body, tt.status)
		if typ, reason := errorOf(m); typ != tt.typ || reason != tt.reason {
			t.Errorf("%s: %s: %s\nwant %s: %s", tt.name, typ, reason, tt.typ, tt.reason)
		}
	}
	m := mustSend(t, "POST", base+"/_search/scroll", `{"scroll_id":"abc"}`, 400)
	if get(m, "error.caused_by.type") == nil {
		t.Errorf("Cannot parse scroll id without caused_by: %v", m)
	}
	r := send(t, nil, http.MethodPut, base+"/_search/scroll", "", nil)
	if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "DELETE,GET,POST" {
		t.Errorf("PUT /_search/scroll: %d Allow %q", r.status, r.header.Get("Allow"))
	}
}
