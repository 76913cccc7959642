package estest_test

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/esrt-dev/esrt/estest"
)

// A failed shard drops its index's documents from searches, counts and
// scrolls, which report it in _shards as Elasticsearch does; when every
// shard failed, or partial results are refused, the search is an error.
func TestFailShards(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 2})
	base := c.URLs()[1]
	mustSend(t, http.MethodPut, base+"/a/_doc/1", `{"n":1}`, http.StatusCreated)
	mustSend(t, http.MethodPut, base+"/b/_doc/2", `{"n":2}`, http.StatusCreated)
	c.FailShards("b", estest.ShardFailure{})

	m := mustSend(t, http.MethodPost, base+"/a,b/_search", `{"sort":[{"n":"asc"}]}`, http.StatusOK)
	sameShape(t, m, "search_shards_failures.json", ".hits.hits[]._source")
	if got := hitIDs(m); !reflect.DeepEqual(got, []string{"1"}) {
		t.Errorf("hits %v, want only index a's", got)
	}
	want := map[string]any{"_shards.total": 2.0, "_shards.successful": 1.0, "_shards.failed": 1.0}
	for path, v := range want {
		if got := get(m, path); got != v {
			t.Errorf("%s = %v, want %v", path, got, v)
		}
	}
	failures, _ := get(m, "_shards.failures").([]any)
	if len(failures) != 1 {
		t.Fatalf("failures = %v", failures)
	}
	f := failures[0]
	if get(f, "shard") != 0.0 || get(f, "index") != "b" || get(f, "node") != c.Node(0).ID() ||
		get(f, "reason.type") != "query_shard_exception" || get(f, "reason.index") != "b" || get(f, "reason.index_uuid") == nil {
		t.Errorf("failure = %v", f)
	}

	count := mustSend(t, http.MethodGet, base+"/a,b/_count", "", http.StatusOK)
	if count["count"] != 1.0 || get(count, "_shards.failed") != 1.0 || get(count, "_shards.failures") == nil {
		t.Errorf("count: %v", count)
	}
	scroll := mustSend(t, http.MethodGet, base+"/a,b/_search?scroll=1m", "", http.StatusOK)
	if len(hitIDs(scroll)) != 1 || get(scroll, "_shards.failed") != 1.0 {
		t.Errorf("scroll: %v", scroll)
	}

	all := mustSend(t, http.MethodGet, base+"/b/_search", "", http.StatusBadRequest)
	sameShape(t, all, "error_400_search_phase_execution.json", ".error.failed_shards[].reason")
	if typ, reason := errorOf(all); typ != "search_phase_execution_exception" || reason != "all shards failed" ||
		get(all, "error.caused_by.type") != "query_shard_exception" {
		t.Errorf("every shard failed: %v", all)
	}
	partial := mustSend(t, http.MethodGet, base+"/a,b/_search?allow_partial_search_results=false", "", http.StatusBadRequest)
	if _, reason := errorOf(partial); reason != "Partial shards failure" || get(partial, "error.caused_by") != nil {
		t.Errorf("partial results refused: %v", partial)
	}

	c.FailShards("b", estest.ShardFailure{Type: "no_shard_available_action_exception", Reason: "No shard available"})
	if m := mustSend(t, http.MethodGet, base+"/b/_search", "", http.StatusInternalServerError); get(m, "error.root_cause") == nil {
		t.Errorf("server error cause: %v", m)
	}
	c.FailShards("b", estest.ShardFailure{Type: "no_shard_available_action_exception", Status: http.StatusServiceUnavailable})
	mustSend(t, http.MethodGet, base+"/b/_search", "", http.StatusServiceUnavailable)

	c.HealShards("b")
	if m := mustSend(t, http.MethodGet, base+"/a,b/_search", "", http.StatusOK); len(hitIDs(m)) != 2 || get(m, "_shards.failures") != nil {
		t.Errorf("after HealShards: %v", m)
	}
	c.FailShards("a", estest.ShardFailure{})
	c.FailShards("b", estest.ShardFailure{})
	c.HealShards("")
	mustSend(t, http.MethodGet, base+"/a,b/_search", "", http.StatusOK)
}

// A point in time opened before the failure reads only the shards that
// answer.
func TestFailShardsWithPIT(t *testing.T) {
	c := estest.New(t, estest.Config{})
	base := c.URLs()[0]
	mustSend(t, http.MethodPut, base+"/a/_doc/1", `{"n":1}`, http.StatusCreated)
	mustSend(t, http.MethodPut, base+"/b/_doc/2", `{"n":2}`, http.StatusCreated)
	id := mustSend(t, http.MethodPost, base+"/a,b/_pit?keep_alive=1m", "", http.StatusOK)["id"].(string)
	c.FailShards("a", estest.ShardFailure{Reason: "broken"})
	m := mustSend(t, http.MethodPost, base+"/_search", `{"pit":{"id":"`+id+`"}}`, http.StatusOK)
	if got := hitIDs(m); !reflect.DeepEqual(got, []string{"2"}) || get(m, "_shards.failures") == nil {
		t.Errorf("search with the point in time: %v", m)
	}
}
