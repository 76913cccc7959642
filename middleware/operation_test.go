package middleware

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/endpoint"
	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
	"github.com/klauspost/compress/gzip"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		method, path string
		want         safety
	}{
		{"GET", "/idx/_doc/1", idempotent},
		{"HEAD", "/", idempotent},
		{"PUT", "/idx/_doc/1", idempotent},
		{"PUT", "/idx", idempotent},
		{"DELETE", "/idx/_doc/1", idempotent},
		{"PATCH", "/x", unsafe},
		{"POST", "/idx/_search", idempotent},
		{"POST", "/_search", idempotent},
		{"POST", "/a,b/_search/", idempotent},
		{"POST", "/_msearch", idempotent},
		{"POST", "/idx/_count", idempotent},
		{"POST", "/_mget", idempotent},
		{"POST", "/idx/_field_caps", idempotent},
		{"POST", "/idx/_search/template", idempotent},
		{"POST", "/_msearch/template", idempotent},
		{"POST", "/idx/_validate/query", idempotent},
		{"POST", "/idx/_explain/7", idempotent},
		{"POST", "/idx/_termvectors/7", idempotent},
		{"POST", "/idx/_doc/7", idempotent},
		{"POST", "/idx/_create/7", idempotent},
		{"POST", "/idx/_doc", unsafe},
		{"POST", "/idx/_doc/", unsafe},
		{"POST", "/idx/_update/7", byBody},
		{"POST", "/_bulk", byBody},
		{"POST", "/idx/_bulk", byBody},
		{"POST", "/_search/scroll", unsafe},
		{"POST", "/idx/_update_by_query", unsafe},
		{"POST", "/idx/_delete_by_query", unsafe},
		{"POST", "/_reindex", unsafe},
		{"POST", "/idx/_refresh", unsafe},                  // idempotent, but hedge and limiter read an idempotent POST as a read
		{"POST", "/idx/_pit", idempotent},                  // open_point_in_time: a duplicate only holds a context until its keep_alive
		{"POST", "/idx/_search/point_in_time", idempotent}, // OpenSearch's create_pit, likewise
		{"POST", "/", unsafe},
		{"POST", "", unsafe},
		// From the endpoint, not the method.
		{"PUT", "/_bulk", byBody},
		{"PUT", "/idx/_bulk", byBody},
		{"PUT", "/_security/api_key", unsafe},
		{"PUT", "/_connector", unsafe},
		{"PUT", "/_slm/policy/nightly/_execute", unsafe},
		{"GET", "/_search/scroll", unsafe},
		{"GET", "/_security/enroll/kibana", unsafe},
		{"PUT", "/idx/_frobnicate", idempotent},         // unknown: the REST contract
		{"POST", "/<logs-{now/d}>/_search", idempotent}, // a decoded date-math name, as in URL.Path
		{"POST", "/idx/_doc/a/b", unsafe},               // a decoded id with a slash: unknown
	}
	for _, tt := range tests {
		if got := classify(tt.method, tt.path); got != tt.want {
			t.Errorf("classify(%s %s) = %d, want %d", tt.method, tt.path, got, tt.want)
		}
	}
}

func TestClassifyDoesNotAllocate(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() { classify("POST", "/logs-2026.11/_search/template") })
	if allocs != 0 {
		t.Fatalf("classify allocates %v times per call", allocs)
	}
}

func TestIdempotentBody(t *testing.T) {
	tests := []struct {
		name, path, body string
		want             bool
	}{
		{"bulk all ids", "/_bulk", `{"index":{"_index":"a","_id":"1"}}
{"f":1}
{"create":{"_index":"a","_id":"2"}}
{"f":2}
{"delete":{"_index":"a","_id":"3"}}
{"update":{"_index":"a","_id":"4"}}
{"doc":{"f":4}}
`, true},
		{"bulk missing id", "/idx/_bulk", "{\"index\":{}}\n{\"f\":1}\n", false},
		{"bulk empty id", "/_bulk", "{\"index\":{\"_id\":\"\"}}\n{\"f\":1}\n", false},
		{"bulk scripted update", "/_bulk", "{\"update\":{\"_id\":\"1\"}}\n{\"script\":{\"source\":\"ctx._source.n++\"}}\n", false},
		{"bulk scripted upsert", "/_bulk", "{\"update\":{\"_id\":\"1\"}}\n{\"scripted_upsert\":true,\"upsert\":{}}\n", false},
		{"bulk unknown action", "/_bulk", "{\"frobnicate\":{\"_id\":\"1\"}}\n", false},
		{"bulk malformed", "/_bulk", "{\"index\":\n", false},
		{"bulk truncated source", "/_bulk", "{\"index\":{\"_id\":\"1\"}}\n", false},
		{"bulk empty", "/_bulk", "", false},
		{"bulk CRLF", "/_bulk", "{\"delete\":{\"_id\":\"1\"}}\r\n", true},
		{"update doc", "/idx/_update/1", `{"doc":{"a":1},"doc_as_upsert":true}`, true},
		{"update script", "/idx/_update/1", `{"script":"ctx._source.a++"}`, false},
		{"update malformed", "/idx/_update/1", `{`, false},
		{"bulk stream all ids", "/_bulk/stream", "{\"delete\":{\"_id\":\"1\"}}\n", true},
		{"not a bulk endpoint", "/_monitoring/bulk", "{\"delete\":{\"_id\":\"1\"}}\n", false},
		{"not an update endpoint", "/idx/_doc/1", `{"doc":{"a":1}}`, false},
	}
	for _, tt := range tests {
		for _, gz := range []bool{false, true} {
			name := tt.name
			if gz {
				name += "/gzip"
			}
			t.Run(name, func(t *testing.T) {
				body := []byte(tt.body)
				if gz {
					var b bytes.Buffer
					zw := gzip.NewWriter(&b)
					zw.Write(body)
					zw.Close()
					body = b.Bytes()
				}
				req, _ := http.NewRequest("POST", "http://es"+tt.path, bytes.NewReader(body))
				if gz {
					req.Header.Set("Content-Encoding", "gzip")
				}
				if got := idempotentBody(req); got != tt.want {
					t.Errorf("idempotentBody = %v, want %v", got, tt.want)
				}
			})
		}
	}
	req, _ := http.NewRequest("POST", "http://es/_bulk", io.NopCloser(strings.NewReader("{\"delete\":{\"_id\":\"1\"}}\n")))
	if idempotentBody(req) {
		t.Error("a body without GetBody cannot be inspected and must count as unsafe")
	}
}

func FuzzIdempotentBody(f *testing.F) {
	f.Add("/_bulk", "{\"index\":{\"_id\":\"1\"}}\n{}\n")
	f.Add("/_bulk", "{\"update\":{\"_id\":\"1\"}}\n{\"script\":\"x\"}\n")
	f.Add("/i/_update/1", `{"doc":{}}`)
	f.Add("/_bulk", "{\"delete\":{\"_id\":\"\"}}")
	f.Add("/logs/_bulk", "{ \"index\" : { \"_index\" : \"test\", \"_id\" : \"1\" } }\n{ \"field1\" : \"value1\" }\n{ \"delete\" : { \"_index\" : \"test\", \"_id\" : \"2\" } }\n")
	f.Add("/i/_update/1", `{"script":{"source":"ctx._source.n++"},"upsert":{"n":0}}`)
	f.Fuzz(func(t *testing.T, path, body string) {
		req, err := http.NewRequest("POST", "http://es/"+strings.TrimLeft(path, "/"), strings.NewReader(body))
		if err != nil {
			return
		}
		got := idempotentBody(req)
		// A body without a single "_id" can never be judged safe to repeat.
		if got && !strings.Contains(body, "_id") && !strings.Contains(path, "_update") {
			t.Fatalf("%s %q judged idempotent without any id", path, body)
		}
		// What the reference reading of FuzzBulkHasIDs calls unsafe is.
		switch endpoint.Of(req).Safety {
		case endpoint.IdempotentWithIDs:
			if got && refBulk(body) == refUnsafe {
				t.Fatalf("%s %q judged idempotent", path, body)
			}
		case endpoint.IdempotentWithoutScript:
			if src, ok := refObject(body); got && ok && src["script"] != nil {
				t.Fatalf("%s %q judged idempotent", path, body)
			}
		}
	})
}

// TestRetryAppliedWrites sends writes through Retry to nodes that apply
// each request and then reset its connection, so that the client cannot
// know the write happened: only what is safe to repeat may be sent again.
func TestRetryAppliedWrites(t *testing.T) {
	tests := []struct {
		name, method, path, body string
		wantSent                 int // requests that reached a node
		wantDocs                 int // documents in "logs" afterwards; -1: not checked
	}{
		{"PUT _bulk, auto id", "PUT", "/_bulk", "{\"index\":{\"_index\":\"logs\"}}\n{\"n\":1}\n", 1, 1},
		{"PUT {index}/_bulk, auto id", "PUT", "/logs/_bulk", "{\"index\":{}}\n{\"n\":1}\n", 1, 1},
		{"PUT _bulk, one id missing", "PUT", "/_bulk", "{\"index\":{\"_index\":\"logs\",\"_id\":\"1\"}}\n{\"n\":1}\n{\"create\":{\"_index\":\"logs\"}}\n{\"n\":2}\n", 1, 2},
		{"PUT _security/api_key", "PUT", "/_security/api_key", `{"name":"ingest"}`, 1, -1},
		{"GET _search/scroll", "GET", "/_search/scroll", `{"scroll":"1m","scroll_id":"x"}`, 1, -1},
		{"PUT _bulk, every id", "PUT", "/_bulk", "{\"index\":{\"_index\":\"logs\",\"_id\":\"1\"}}\n{\"n\":1}\n{\"delete\":{\"_index\":\"logs\",\"_id\":\"2\"}}\n", 3, 1},
		{"PUT {index}/_doc/{id}", "PUT", "/logs/_doc/1", `{"n":1}`, 3, 1},
		{"POST {index}/_create/{id}", "POST", "/logs/_create/1", `{"n":1}`, 3, 1},
		{"POST {index}/_pit", "POST", "/logs/_pit?keep_alive=1m", "", 3, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := estest.New(t, estest.Config{Nodes: 3})
			for _, n := range c.Nodes() {
				n.SetResetFunc(func(*http.Request) estest.ResetMode { return estest.ResetAfterApply })
			}
			var seeds []*rt.Node
			for _, u := range c.URLs() {
				n, err := rt.NewNode(u)
				if err != nil {
					t.Fatal(err)
				}
				seeds = append(seeds, n)
			}
			pool, err := selector.NewPool(selector.PoolConfig{Seeds: seeds, Selector: selector.RoundRobin()})
			if err != nil {
				t.Fatal(err)
			}
			retry, err := Retry(RetryConfig{MaxRetries: 2, Backoff: func(int) time.Duration { return 0 }})
			if err != nil {
				t.Fatal(err)
			}
			base := &http.Transport{}
			t.Cleanup(base.CloseIdleConnections)
			tr := rt.Chain(base, retry, selector.Middleware(pool))

			req, _ := http.NewRequest(tt.method, "http://es.invalid"+tt.path, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			if strings.Contains(tt.path, "_bulk") {
				req.Header.Set("Content-Type", "application/x-ndjson")
			}
			resp, err := tr.RoundTrip(req)
			if err == nil {
				resp.Body.Close()
				t.Fatal("no error although every connection was reset")
			}
			sent := 0
			for _, n := range c.Nodes() {
				sent += len(n.Requests())
			}
			if sent != tt.wantSent {
				t.Errorf("%s %s reached the nodes %d times, want %d (err %v)", tt.method, tt.path, sent, tt.wantSent, err)
			}
			if tt.wantDocs >= 0 {
				if got := c.DocCount("logs"); got != tt.wantDocs {
					t.Errorf("%d documents in logs, want %d", got, tt.wantDocs)
				}
			}
		})
	}
}

func TestOperationReadOnly(t *testing.T) {
	tests := []struct {
		method, path string
		want         bool
	}{
		{"GET", "/idx/_doc/1", true},
		{"HEAD", "/idx", true},
		{"OPTIONS", "/", true},
		{"POST", "/idx/_search", true},
		{"POST", "/_msearch", true},
		{"POST", "/idx/_count", true},
		{"POST", "/_mget", true},
		{"POST", "/idx/_field_caps", true},
		{"POST", "/idx/_termvectors", true},
		{"POST", "/idx/_termvectors/1", true},
		{"POST", "/_mtermvectors", true},
		{"POST", "/idx/_search/template", true},
		{"POST", "/_msearch/template", true},
		{"POST", "/idx/_validate/query", true},
		{"POST", "/idx/_explain/1", true},
		{"POST", "/_search/scroll", false},
		{"POST", "/idx/_doc", false},
		{"POST", "/idx/_create/1", false},
		{"POST", "/idx/_pit", false}, // retried, but not hedged
		{"POST", "/idx/_search/point_in_time", false},
		{"POST", "/_bulk", false},
		{"POST", "/idx/_update/1", false},
		{"POST", "/idx/_delete_by_query", false},
		{"POST", "/template", false},
		{"PUT", "/idx/_doc/1", false},
		{"PUT", "/idx", false},
		{"DELETE", "/idx/_doc/1", false},
		{"DELETE", "/_search/scroll", false},
		{"GET", "/_search/scroll", false},
		{"GET", "/_security/enroll/node", false},
		{"POST", "/idx%2Fx/_search", true},
		{"PATCH", "/idx", false},
	}
	for _, tt := range tests {
		if _, got := operationOf(tt.method, endpoint.Lookup(tt.method, tt.path)); got != tt.want {
			t.Errorf("operationOf(%s %s) read = %v, want %v", tt.method, tt.path, got, tt.want)
		}
	}
}

// classify returns the safety of the operation that method and path call
// in the endpoint table.
func classify(method, path string) safety {
	safe, _ := operationOf(method, endpoint.Lookup(method, path))
	return safe
}
