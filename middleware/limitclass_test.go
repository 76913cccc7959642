package middleware

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/esrt-dev/esrt/endpoint"
	"github.com/esrt-dev/esrt/rt"
)

func TestDefaultLimitClass(t *testing.T) {
	tests := []struct {
		method, path string
		want         LimitClass
	}{
		{"GET", "/idx/_doc/1", LimitSearch},
		{"HEAD", "/idx", LimitSearch},
		{"GET", "/_search", LimitSearch},
		{"POST", "/idx/_search", LimitSearch},
		{"POST", "/a,b/_search/", LimitSearch},
		{"POST", "/_msearch", LimitSearch},
		{"POST", "/idx/_count", LimitSearch},
		{"POST", "/_mget", LimitSearch},
		{"POST", "/idx/_search/template", LimitSearch},
		{"POST", "/idx/_explain/1", LimitSearch},
		{"POST", "/_search/scroll", LimitSearch},
		{"POST", "/idx/_pit", LimitSearch},
		{"POST", "/idx/_async_search", LimitSearch},
		{"POST", "/idx/_knn_search", LimitSearch},
		{"POST", "/idx/_terms_enum", LimitSearch},
		{"POST", "/idx/_rank_eval", LimitSearch},
		{"POST", "/idx/_eql/search", LimitSearch},
		{"POST", "/_sql", LimitSearch},
		{"POST", "/_query", LimitSearch},
		{"POST", "/_msearch/template", LimitSearch},
		{"POST", "/idx/_termvectors", LimitSearch},
		{"POST", "/idx/_validate/query", LimitSearch},
		{"POST", "/idx/search", LimitBulk},
		{"POST", "/idx/scroll", LimitBulk},
		{"PATCH", "/idx", LimitBulk},
		{"POST", "/_reindex", LimitBulk},
		{"POST", "/idx/_refresh", LimitBulk},
		{"POST", "/_bulk", LimitBulk},
		{"POST", "/idx/_bulk", LimitBulk},
		{"PUT", "/idx/_doc/1", LimitBulk},
		{"POST", "/idx/_doc/1", LimitBulk},
		{"POST", "/idx/_create/1", LimitBulk},
		{"POST", "/idx/_doc", LimitBulk},
		{"POST", "/idx/_update/1", LimitBulk},
		{"DELETE", "/idx/_doc/1", LimitBulk},
		{"POST", "/idx/_update_by_query", LimitBulk},
		{"PUT", "/idx", LimitBulk},
	}
	for _, tt := range tests {
		req := limiterRequest(context.Background(), tt.method, tt.path, "", nil)
		if got := DefaultLimitClass(req); got != tt.want {
			t.Errorf("DefaultLimitClass(%s %s) = %v, want %v", tt.method, tt.path, got, tt.want)
		}
	}
}

// TestLimitClassOfEndpoints pins the class of each kind of endpoint by its
// id: the path is only there to reach the id, which the test checks first.
func TestLimitClassOfEndpoints(t *testing.T) {
	tests := []struct {
		id, method, path string
		want             LimitClass
	}{
		// Reads: endpoint.ReadOnly.
		{"search", "GET", "/idx/_search", LimitSearch},
		{"search", "POST", "/idx/_search", LimitSearch},
		{"msearch", "POST", "/_msearch", LimitSearch},
		{"count", "POST", "/idx/_count", LimitSearch},
		{"get", "GET", "/idx/_doc/1", LimitSearch},
		{"mget", "POST", "/idx/_mget", LimitSearch},
		{"exists", "HEAD", "/idx/_doc/1", LimitSearch},
		{"field_caps", "POST", "/idx/_field_caps", LimitSearch},
		{"knn_search", "POST", "/idx/_knn_search", LimitSearch},
		{"terms_enum", "POST", "/idx/_terms_enum", LimitSearch},
		{"rank_eval", "POST", "/idx/_rank_eval", LimitSearch},
		{"esql.query", "POST", "/_query", LimitSearch},
		{"ppl.query", "POST", "/_plugins/_ppl", LimitSearch},
		{"cat.indices", "GET", "/_cat/indices", LimitSearch},
		{"cluster.health", "GET", "/_cluster/health", LimitSearch},
		{"info", "GET", "/", LimitSearch},
		// Searches that open or move a search context, or run
		// asynchronously, which the table does not call ReadOnly.
		{"scroll", "GET", "/_search/scroll", LimitSearch},
		{"scroll", "POST", "/_search/scroll", LimitSearch},
		{"scroll", "POST", "/_search/scroll/c2Nyb2xs", LimitSearch},
		{"open_point_in_time", "POST", "/idx/_pit", LimitSearch},
		{"create_pit", "POST", "/idx/_search/point_in_time", LimitSearch},
		{"async_search.submit", "POST", "/idx/_async_search", LimitSearch},
		{"asynchronous_search.search", "POST", "/_plugins/_asynchronous_search", LimitSearch},
		{"eql.search", "POST", "/idx/_eql/search", LimitSearch},
		{"eql.search", "GET", "/idx/_eql/search", LimitSearch},
		{"sql.query", "POST", "/_sql", LimitSearch},
		{"sql.query", "POST", "/_plugins/_sql", LimitSearch},
		{"esql.async_query", "POST", "/_query/async", LimitSearch},
		// Writes.
		{"bulk", "POST", "/_bulk", LimitBulk},
		{"bulk", "PUT", "/idx/_bulk", LimitBulk},
		{"bulk_stream", "POST", "/_bulk/stream", LimitBulk},
		{"index", "POST", "/idx/_doc", LimitBulk},
		{"index", "PUT", "/idx/_doc/1", LimitBulk},
		{"create", "PUT", "/idx/_create/1", LimitBulk},
		{"update", "POST", "/idx/_update/1", LimitBulk},
		{"delete", "DELETE", "/idx/_doc/1", LimitBulk},
		{"update_by_query", "POST", "/idx/_update_by_query", LimitBulk},
		{"delete_by_query", "POST", "/idx/_delete_by_query", LimitBulk},
		{"reindex", "POST", "/_reindex", LimitBulk},
		{"indices.create", "PUT", "/idx", LimitBulk},
		{"indices.refresh", "POST", "/idx/_refresh", LimitBulk},
		{"indices.refresh", "GET", "/idx/_refresh", LimitBulk},
		{"indices.flush", "GET", "/_flush", LimitBulk},
		{"security.enroll_node", "GET", "/_security/enroll/node", LimitBulk},
		{"security.create_api_key", "POST", "/_security/api_key", LimitBulk},
		{"monitoring.bulk", "POST", "/_monitoring/bulk", LimitBulk},
		// Closing a search context is not a search.
		{"clear_scroll", "DELETE", "/_search/scroll", LimitBulk},
		{"close_point_in_time", "DELETE", "/_pit", LimitBulk},
		{"delete_pit", "DELETE", "/_search/point_in_time", LimitBulk},
		{"async_search.delete", "DELETE", "/_async_search/x", LimitBulk},
		{"sql.clear_cursor", "POST", "/_sql/close", LimitBulk},
		// Paths the table does not know follow their method's safety.
		{"", "GET", "/_unknown/thing", LimitSearch},
		{"", "HEAD", "/_unknown/thing", LimitSearch},
		{"", "OPTIONS", "/_unknown/thing", LimitSearch},
		{"", "POST", "/_unknown/thing", LimitBulk},
		{"", "PUT", "/_unknown/thing", LimitBulk},
		{"", "PATCH", "/idx", LimitBulk},
	}
	for _, tt := range tests {
		req := limiterRequest(context.Background(), tt.method, tt.path, "", nil)
		if id := endpoint.Of(req).ID; id != tt.id {
			t.Errorf("%s %s calls %q, want %q", tt.method, tt.path, id, tt.id)
			continue
		}
		if got := DefaultLimitClass(req); got != tt.want {
			t.Errorf("DefaultLimitClass(%s %s: %s) = %v, want %v", tt.method, tt.path, tt.id, got, tt.want)
		}
	}
}

func TestListsItems(t *testing.T) {
	for _, tt := range []struct {
		method, path string
		want         bool
	}{
		{"POST", "/_bulk", true},
		{"PUT", "/idx/_bulk", true},
		{"POST", "/idx/_bulk/stream", true},
		{"POST", "/_monitoring/bulk", false}, // no items in its answer
		{"POST", "/_msearch", false},
		{"POST", "/_security/api_key/_bulk_update", false},
		{"POST", "/idx/_unknown/_bulk", false},
	} {
		if got := listsItems(endpoint.Lookup(tt.method, tt.path)); got != tt.want {
			t.Errorf("listsItems(%s %s) = %v, want %v", tt.method, tt.path, got, tt.want)
		}
	}
}

// TestLimiterGoesByContextEndpoint checks that the endpoint a request's
// context carries decides its class and the scan of its response, whatever
// its path says.
func TestLimiterGoesByContextEndpoint(t *testing.T) {
	rejectedItem := `{"errors":true,"items":[{"index":{"status":429}}]}`
	bulk := endpoint.Parse("POST", "/_bulk")
	search := endpoint.Parse("POST", "/_search")
	tests := []struct {
		name      string
		path      string
		call      endpoint.Call
		wantClass LimitClass
		wantScan  bool
	}{
		{"bulk at a search path", "/idx/_search", bulk, LimitBulk, true},
		{"search at a bulk path", "/_bulk", search, LimitSearch, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := endpoint.NewContext(context.Background(), tt.call)
			req := limiterRequest(ctx, "POST", tt.path, "", nil)
			if got := DefaultLimitClass(req); got != tt.wantClass {
				t.Errorf("DefaultLimitClass = %v, want %v", got, tt.wantClass)
			}
			l := mustLimiter(t, LimiterConfig{})
			res, err := l.Middleware()(limiterAnswering(200, rejectedItem, nil, nil)).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			st := l.Stats()
			admitted := st.Bulk
			if tt.wantClass == LimitSearch {
				admitted = st.Search
			}
			if admitted.Admitted != 1 {
				t.Errorf("stats %+v: want the request admitted as class %v", st, tt.wantClass)
			}
			if scanned := admitted.Rejections == 1; scanned != tt.wantScan {
				t.Errorf("rejected item seen: %v, want %v (stats %+v)", scanned, tt.wantScan, st)
			}
		})
	}

	t.Run("retried 429", func(t *testing.T) {
		l := mustLimiter(t, LimiterConfig{})
		req := limiterRequest(endpoint.NewContext(context.Background(), bulk), "GET", "/_search", "", nil)
		l.Hooks().OnRetry(rt.RetryInfo{Request: req, Attempt: 2, StatusCode: http.StatusTooManyRequests})
		if st := l.Stats(); st.Bulk.Rejections != 1 || st.Search.Rejections != 0 {
			t.Errorf("stats %+v: want the rejection counted for bulk", st)
		}
	})
}
