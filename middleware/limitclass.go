package middleware

import (
	"net/http"

	"github.com/esrt-dev/esrt/endpoint"
)

// DefaultLimitClass is the classification of [LimiterConfig] when Classify
// is nil. It goes by the endpoint the request calls, as [endpoint.Of]
// tells it: the one its context carries, else the one its method and path
// name. Reads are search traffic, everything else is bulk traffic:
//
//   - LimitSearch: every endpoint that only reads ([endpoint.ReadOnly]):
//     search, msearch, count, get, mget, field_caps, the search templates,
//     explain, termvectors, knn_search, terms_enum, rank_eval, esql.query,
//     the cat, stats and info APIs, and a GET, HEAD or OPTIONS of a path
//     the endpoint table does not know. And the searches that the table
//     does not call ReadOnly because they open or move a search context or
//     run asynchronously: scroll, open_point_in_time (OpenSearch
//     create_pit), async_search.submit (OpenSearch
//     asynchronous_search.search), eql.search, sql.query and
//     esql.async_query.
//   - LimitBulk: everything else: bulk, the document writes (index,
//     create, update, delete), update_by_query, delete_by_query, reindex,
//     refresh, flush, index, cluster and security management, the calls
//     that close a scroll, point in time or async search, and a request
//     with another method to a path the table does not know.
//
// A request's class does not depend on its method when the endpoint is
// known: GET /_refresh is bulk traffic like POST /_refresh.
func DefaultLimitClass(req *http.Request) LimitClass {
	return limitClassOf(endpoint.Of(req))
}

// limitClassOf is the class DefaultLimitClass gives a request to e.
func limitClassOf(e endpoint.Endpoint) LimitClass {
	if e.Safety == endpoint.ReadOnly {
		return LimitSearch
	}
	switch e.ID {
	case "scroll", "open_point_in_time", "create_pit", "async_search.submit",
		"asynchronous_search.search", "eql.search", "sql.query", "esql.async_query":
		return LimitSearch
	}
	return LimitBulk
}

// listsItems reports whether a successful response of e lists a status per
// item, which the limiter scans for rejected items: bulk, and OpenSearch's
// bulk_stream.
func listsItems(e endpoint.Endpoint) bool {
	return e.ID == "bulk" || e.ID == "bulk_stream"
}
