package estest_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/estest"
)

// endpointParams lists, per route estest answers, the query parameters
// the Elasticsearch reference documents for that endpoint, and the ones
// estest honours or accepts without effect. Every other one must be
// refused with 400 naming it.
var endpointParams = []struct {
	method, path, body string
	documented         []string
	accepted           []string
}{
	{"GET", "/", "", nil, nil},
	{"GET", "/_nodes/http", "", []string{"flat_settings", "timeout"}, []string{"timeout"}},
	{"GET", "/_cluster/health", "", []string{"expand_wildcards", "level", "local", "master_timeout", "timeout",
		"wait_for_active_shards", "wait_for_events", "wait_for_nodes", "wait_for_no_initializing_shards",
		"wait_for_no_relocating_shards", "wait_for_status"},
		[]string{"level", "master_timeout", "timeout", "wait_for_status"}},
	{"POST", "/_bulk", "{\"index\":{\"_index\":\"i\",\"_id\":\"9\"}}\n{}\n", []string{"include_source_on_error",
		"list_executed_pipelines", "pipeline", "refresh", "routing", "_source", "_source_excludes", "_source_includes",
		"timeout", "wait_for_active_shards", "require_alias", "require_data_stream"},
		[]string{"refresh", "timeout", "wait_for_active_shards"}},
	{"POST", "/i/_search", "", []string{"allow_no_indices", "allow_partial_search_results", "analyzer",
		"analyze_wildcard", "batched_reduce_size", "ccs_minimize_roundtrips", "default_operator", "df",
		"docvalue_fields", "expand_wildcards", "explain", "from", "ignore_throttled", "ignore_unavailable",
		"include_named_queries_score", "lenient", "max_concurrent_shard_requests", "pre_filter_shard_size",
		"preference", "q", "request_cache", "rest_total_hits_as_int", "routing", "scroll", "search_type",
		"seq_no_primary_term", "size", "sort", "_source", "_source_excludes", "_source_includes", "stats",
		"stored_fields", "suggest_field", "suggest_mode", "suggest_size", "suggest_text", "terminate_after",
		"timeout", "track_scores", "track_total_hits", "typed_keys", "version", "force_synthetic_source"},
		[]string{"allow_partial_search_results", "batched_reduce_size", "ccs_minimize_roundtrips", "default_operator",
			"df", "from", "ignore_unavailable", "max_concurrent_shard_requests", "pre_filter_shard_size", "preference",
			"q", "request_cache", "rest_total_hits_as_int", "routing", "scroll", "size", "sort", "timeout", "typed_keys"}},
	{"POST", "/i/_count", "", []string{"allow_no_indices", "analyzer", "analyze_wildcard", "default_operator", "df",
		"expand_wildcards", "ignore_throttled", "ignore_unavailable", "lenient", "min_score", "preference", "routing",
		"terminate_after", "q"},
		[]string{"default_operator", "df", "ignore_unavailable", "preference", "q", "routing"}},
	{"POST", "/_search/scroll", `{"scroll_id":"x"}`, []string{"scroll", "scroll_id", "rest_total_hits_as_int"},
		[]string{"scroll", "scroll_id", "rest_total_hits_as_int"}},
	{"DELETE", "/_search/scroll", `{"scroll_id":"x"}`, []string{"scroll_id"}, []string{"scroll_id"}},
	{"POST", "/i/_mget", `{"ids":["1"]}`, []string{"preference", "realtime", "refresh", "routing", "_source",
		"_source_excludes", "_source_includes", "stored_fields"},
		[]string{"preference", "realtime", "refresh", "routing"}},
	{"POST", "/i/_refresh", "", []string{"allow_no_indices", "expand_wildcards", "ignore_unavailable"},
		[]string{"ignore_unavailable"}},
	{"GET", "/i", "", []string{"allow_no_indices", "expand_wildcards", "features", "flat_settings",
		"ignore_unavailable", "include_defaults", "local", "master_timeout"},
		[]string{"ignore_unavailable", "master_timeout"}},
	{"PUT", "/j", "", []string{"master_timeout", "timeout", "wait_for_active_shards"},
		[]string{"master_timeout", "timeout", "wait_for_active_shards"}},
	{"DELETE", "/k", "", []string{"allow_no_indices", "expand_wildcards", "ignore_unavailable", "master_timeout", "timeout"},
		[]string{"master_timeout", "timeout"}},
	{"PUT", "/i/_doc/2", `{}`, []string{"if_primary_term", "if_seq_no", "include_source_on_error", "op_type",
		"pipeline", "refresh", "routing", "timeout", "version", "version_type", "wait_for_active_shards",
		"require_alias", "require_data_stream"},
		[]string{"if_primary_term", "if_seq_no", "op_type", "refresh", "routing", "timeout", "wait_for_active_shards"}},
	{"PUT", "/i/_create/3", `{}`, []string{"include_source_on_error", "pipeline", "refresh", "routing", "timeout",
		"version", "version_type", "wait_for_active_shards", "require_alias", "require_data_stream"},
		[]string{"refresh", "routing", "timeout", "wait_for_active_shards"}},
	{"GET", "/i/_doc/1", "", []string{"preference", "realtime", "refresh", "routing", "_source", "_source_excludes",
		"_source_includes", "stored_fields", "version", "version_type"},
		[]string{"preference", "realtime", "refresh", "routing"}},
	{"POST", "/i/_update/1", `{"doc":{}}`, []string{"if_primary_term", "if_seq_no", "include_source_on_error",
		"lang", "refresh", "require_alias", "retry_on_conflict", "routing", "timeout", "wait_for_active_shards",
		"_source", "_source_excludes", "_source_includes"},
		[]string{"if_primary_term", "if_seq_no", "refresh", "retry_on_conflict", "routing", "timeout", "wait_for_active_shards"}},
	{"DELETE", "/i/_doc/4", "", []string{"if_primary_term", "if_seq_no", "refresh", "routing", "timeout",
		"version", "version_type", "wait_for_active_shards"},
		[]string{"if_primary_term", "if_seq_no", "refresh", "routing", "timeout", "wait_for_active_shards"}},
	{"POST", "/i/_pit", "", []string{"keep_alive", "ignore_unavailable", "preference", "routing", "expand_wildcards",
		"allow_partial_search_results", "max_concurrent_shard_requests"},
		[]string{"keep_alive", "ignore_unavailable", "preference", "routing"}},
}

// paramValue is a plausible value for a parameter, so that an accepted
// parameter is judged by whether it is recognised, not by its value.
func paramValue(name string) string {
	switch name {
	case "scroll", "keep_alive":
		return "1m"
	case "timeout", "master_timeout":
		return "1s"
	case "wait_for_status":
		return "yellow"
	case "level":
		return "cluster"
	case "op_type":
		return "index"
	case "q":
		return "*"
	case "default_operator":
		return "OR"
	}
	return "1"
}

// TestEveryParameterHonouredOrRefused sends each documented parameter of
// each endpoint, plus global ones and an unknown one, and asserts that
// every parameter estest does not accept is refused with Elasticsearch's
// 400 naming it, and that none of those it accepts is refused.
func TestEveryParameterHonouredOrRefused(t *testing.T) {
	c := estest.New(t, estest.Config{})
	base := c.URLs()[0]
	mustSend(t, "PUT", base+"/i/_doc/1?refresh=true", `{"n":1}`, http.StatusCreated)
	for _, ep := range endpointParams {
		names := append(slices.Clone(ep.documented), "pretty", "human", "error_trace", "filter_path", "no_such_param")
		for _, name := range names {
			accepted := slices.Contains(ep.accepted, name) || name == "pretty" || name == "human" || name == "error_trace" || name == "filter_path"
			u := base + ep.path + "?" + url.Values{name: {paramValue(name)}}.Encode()
			r := send(t, nil, ep.method, u, ep.body, nil)
			refused := r.status == http.StatusBadRequest && strings.Contains(string(r.body), "unrecognized parameter")
			if accepted && refused {
				t.Errorf("%s %s: accepted parameter [%s] refused: %s", ep.method, ep.path, name, r.body)
			}
			if accepted || ep.method == "HEAD" {
				continue
			}
			typ, reason := errorOf(r.object(t))
			want := "request [" + ep.path + "] contains unrecognized parameter: [" + name + "]"
			if r.status != http.StatusBadRequest || typ != "illegal_argument_exception" || reason != want {
				t.Errorf("%s %s?%s=: status %d, %s %q; want 400 illegal_argument_exception %q",
					ep.method, ep.path, name, r.status, typ, reason, want)
			}
		}
	}
}

// TestUnrecognizedParametersListed checks the plural wording, names
// sorted, and that the refusal comes before the handler runs.
func TestUnrecognizedParametersListed(t *testing.T) {
	base := estest.New(t, estest.Config{}).URLs()[0]
	m := mustSend(t, "PUT", base+"/i/_doc/1?version=3&pipeline=p", `{"n":1}`, http.StatusBadRequest)
	typ, reason := errorOf(m)
	want := "request [/i/_doc/1] contains unrecognized parameters: [pipeline], [version]"
	if typ != "illegal_argument_exception" || reason != want {
		t.Errorf("got %s %q, want illegal_argument_exception %q", typ, reason, want)
	}
	mustSend(t, "GET", base+"/i/_doc/1", "", http.StatusNotFound)
}

// TestHealthWaitForStatus checks that wait_for_status is honoured: a
// status the cluster lacks is a 408 with timed_out true, as Elasticsearch
// answers when its wait times out, and level other than cluster is refused.
func TestHealthWaitForStatus(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 1})
	base := c.URLs()[0]
	mustSend(t, "PUT", base+"/i", "", http.StatusOK)
	m := mustSend(t, "GET", base+"/_cluster/health?wait_for_status=yellow", "", http.StatusOK)
	if m["timed_out"] != false || m["status"] != "yellow" {
		t.Errorf("yellow: %v", m)
	}
	m = mustSend(t, "GET", base+"/_cluster/health?wait_for_status=green&timeout=1s", "", http.StatusRequestTimeout)
	if m["timed_out"] != true || m["status"] != "yellow" {
		t.Errorf("green on a one-node cluster: %v", m)
	}
	mustSend(t, "GET", base+"/_cluster/health?wait_for_status=blue", "", http.StatusBadRequest)
	mustSend(t, "GET", base+"/_cluster/health?level=indices", "", http.StatusBadRequest)
}

// TestFilterPathOnTheWire checks filter_path end to end: a search answer
// is cut down, and an error envelope is not filtered.
func TestFilterPathOnTheWire(t *testing.T) {
	base := estest.New(t, estest.Config{}).URLs()[0]
	mustSend(t, "PUT", base+"/i/_doc/1?filter_path=result", `{"n":1}`, http.StatusCreated)
	r := send(t, nil, "GET", base+"/i/_search?filter_path=hits.total", "", nil)
	if got, want := string(r.body), `{"hits":{"total":{"value":1,"relation":"eq"}}}`; got != want {
		t.Errorf("search: got %s, want %s", got, want)
	}
	m := mustSend(t, "GET", base+"/nope/_search?filter_path=hits.total", "", http.StatusNotFound)
	if typ, _ := errorOf(m); typ != "index_not_found_exception" {
		t.Errorf("error envelope filtered: %v", m)
	}
}

// TestRoutingReported checks that a document written with routing, by
// the document API or a bulk action, reports it as _routing on get and
// in search hits, as Elasticsearch does, and one without does not.
func TestRoutingReported(t *testing.T) {
	base := estest.New(t, estest.Config{}).URLs()[0]
	mustSend(t, "PUT", base+"/r/_doc/1?routing=u1", `{"n":1}`, http.StatusCreated)
	mustSend(t, "POST", base+"/_bulk", "{\"index\":{\"_index\":\"r\",\"_id\":\"2\",\"routing\":\"u2\"}}\n{\"n\":2}\n{\"index\":{\"_index\":\"r\",\"_id\":\"3\"}}\n{\"n\":3}\n", http.StatusOK)
	for id, want := range map[string]any{"1": "u1", "2": "u2", "3": nil} {
		if got := mustSend(t, "GET", base+"/r/_doc/"+id, "", http.StatusOK)["_routing"]; got != want {
			t.Errorf("GET %s: _routing %v, want %v", id, got, want)
		}
	}
	mustSend(t, "POST", base+"/r/_update/1", `{"doc":{"n":10}}`, http.StatusOK)
	if got := mustSend(t, "GET", base+"/r/_doc/1", "", http.StatusOK)["_routing"]; got != "u1" {
		t.Errorf("after update: _routing %v, want u1", got)
	}
	hits := get(mustSend(t, "POST", base+"/r/_search", `{"sort":[{"n":"asc"}]}`, http.StatusOK), "hits.hits").([]any)
	if len(hits) != 3 || get(hits[0], "_routing") != "u2" || get(hits[1], "_routing") != nil || get(hits[2], "_routing") != "u1" {
		t.Errorf("search hits: %v", hits)
	}
}
