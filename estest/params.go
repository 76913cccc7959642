package estest

import (
	"net/http"
	"slices"
	"strings"
)

// globalParams are the query parameters every route accepts: pretty and
// filter_path (filterpath.go) are honoured; human and error_trace change nothing estest answers (it
// renders no human-readable sizes and no stack traces).
var globalParams = []string{"pretty", "human", "error_trace", "filter_path"}

// Parameter groups shared by several routes. Those marked "no effect" are
// accepted because estest's answer is already what they would produce:
// writes are visible at once (refresh, realtime), there is one shard and
// no timeout ever fires (timeout, wait_for_active_shards, preference,
// routing on reads), updates are applied atomically (retry_on_conflict).
var (
	writeParams  = []string{"refresh", "timeout", "wait_for_active_shards"}        // refresh honoured, others no effect
	casParams    = []string{"if_seq_no", "if_primary_term"}                        // honoured
	readParams   = []string{"preference", "realtime", "refresh", "routing"}        // no effect
	searchParams = []string{"q", "df", "default_operator", "from", "size", "sort", // honoured
		"scroll", "allow_partial_search_results", "rest_total_hits_as_int", "ignore_unavailable",
		"preference", "routing", "request_cache", "timeout", "batched_reduce_size", // no effect
		"max_concurrent_shard_requests", "pre_filter_shard_size", "ccs_minimize_roundtrips", "typed_keys"}
	healthParams = []string{"level", "wait_for_status", "timeout", "master_timeout"} // level=cluster and wait_for_status honoured
	countParams  = []string{"q", "df", "default_operator", "ignore_unavailable", "preference", "routing"}
)

// routeParams lists, by "METHOD pattern", the query parameters a route
// honours or accepts without effect, beyond globalParams. A route without
// an entry accepts only globalParams.
var routeParams = map[string][]string{
	"GET _nodes":                         {"timeout"},
	"GET _nodes/http":                    {"timeout"},
	"GET _nodes/{nodes}/http":            {"timeout"},
	"GET _cluster/health":                healthParams,
	"GET _cluster/health/{index}":        healthParams,
	"POST _bulk":                         writeParams,
	"PUT _bulk":                          writeParams,
	"POST {index}/_bulk":                 writeParams,
	"PUT {index}/_bulk":                  writeParams,
	"GET _search":                        searchParams,
	"POST _search":                       searchParams,
	"GET {index}/_search":                searchParams,
	"POST {index}/_search":               searchParams,
	"GET _count":                         countParams,
	"POST _count":                        countParams,
	"GET {index}/_count":                 countParams,
	"POST {index}/_count":                countParams,
	"GET _search/scroll":                 {"scroll", "scroll_id", "rest_total_hits_as_int"},
	"POST _search/scroll":                {"scroll", "scroll_id", "rest_total_hits_as_int"},
	"GET _search/scroll/{scroll_id}":     {"scroll", "rest_total_hits_as_int"},
	"POST _search/scroll/{scroll_id}":    {"scroll", "rest_total_hits_as_int"},
	"DELETE _search/scroll":              {"scroll_id"},
	"GET _mget":                          readParams,
	"POST _mget":                         readParams,
	"GET {index}/_mget":                  readParams,
	"POST {index}/_mget":                 readParams,
	"GET _refresh":                       {"ignore_unavailable"},
	"POST _refresh":                      {"ignore_unavailable"},
	"GET {index}/_refresh":               {"ignore_unavailable"},
	"POST {index}/_refresh":              {"ignore_unavailable"},
	"GET {index}":                        {"ignore_unavailable", "master_timeout"},
	"HEAD {index}":                       {"ignore_unavailable", "master_timeout"},
	"PUT {index}":                        {"timeout", "master_timeout", "wait_for_active_shards"},
	"DELETE {index}":                     {"timeout", "master_timeout"},
	"POST {index}/_doc":                  slices.Concat(writeParams, casParams, []string{"op_type", "routing"}),
	"PUT {index}/_doc/{id}":              slices.Concat(writeParams, casParams, []string{"op_type", "routing"}),
	"POST {index}/_doc/{id}":             slices.Concat(writeParams, casParams, []string{"op_type", "routing"}),
	"GET {index}/_doc/{id}":              readParams,
	"HEAD {index}/_doc/{id}":             readParams,
	"DELETE {index}/_doc/{id}":           slices.Concat(writeParams, casParams, []string{"routing"}),
	"PUT {index}/_create/{id}":           slices.Concat(writeParams, casParams, []string{"routing"}), // the handler refuses if_seq_no and if_primary_term
	"POST {index}/_create/{id}":          slices.Concat(writeParams, casParams, []string{"routing"}), // the handler refuses if_seq_no and if_primary_term
	"POST {index}/_update/{id}":          slices.Concat(writeParams, casParams, []string{"retry_on_conflict", "routing"}),
	"POST {index}/_pit":                  {"keep_alive", "ignore_unavailable", "preference", "routing"},
	"POST {index}/_search/point_in_time": {"keep_alive", "ignore_unavailable", "preference", "routing"},
}

// checkParams answers 400 illegal_argument_exception, worded as
// Elasticsearch's BaseRestHandler words it, when the request carries a
// query parameter the route neither honours nor accepts without effect.
func checkParams(rq *request, pattern []string) (response, bool) {
	allowed := routeParams[rq.r.Method+" "+strings.Join(pattern, "/")]
	var bad []string
	for name := range rq.params {
		if !slices.Contains(globalParams, name) && !slices.Contains(allowed, name) {
			bad = append(bad, name)
		}
	}
	if len(bad) == 0 {
		return response{}, true
	}
	slices.Sort(bad)
	return unrecognizedParams(rq.r.URL.Path, bad).response(), false
}

// unrecognizedParams is the error for names, sorted.
func unrecognizedParams(path string, names []string) *esError {
	reason := "request [" + path + "] contains unrecognized parameter: [" + names[0] + "]"
	if len(names) > 1 {
		reason = "request [" + path + "] contains unrecognized parameters: [" + strings.Join(names, "], [") + "]"
	}
	return newError(http.StatusBadRequest, "illegal_argument_exception", reason)
}
