package middleware

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

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
		{"POST", "/idx/_refresh", unsafe},
		{"POST", "/", unsafe},
		{"POST", "", unsafe},
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
	})
}
