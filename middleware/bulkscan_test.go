package middleware

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/esrt-dev/esrt/estest"
)

func TestLimiterBulkItems(t *testing.T) {
	rejectedItem := `{"took":3,"errors":true,"items":[{"index":{"_index":"i","_id":"1","status":201}},` +
		`{"index":{"_index":"i","_id":"2","status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution"}}}]}`
	pretty := "{\n  \"errors\" : true,\n  \"items\" : [ {\n    \"index\" : {\n      \"status\" : 429,\n      \"error\" : { }\n    }\n  } ]\n}\n"
	tests := []struct {
		name   string
		cfg    LimiterConfig
		path   string
		status int
		header http.Header
		body   string
		want   bool
	}{
		{name: "rejected item", path: "/_bulk", status: 200, body: rejectedItem, want: true},
		{name: "index bulk", path: "/idx/_bulk", status: 200, body: rejectedItem, want: true},
		{name: "streamed bulk", path: "/idx/_bulk/stream", status: 200, body: rejectedItem, want: true},
		{name: "pretty", path: "/_bulk", status: 200, body: pretty, want: true},
		{name: "restart after a partial key", path: "/_bulk", status: 200, body: `{"statu"status":429}`, want: true},
		{name: "every item accepted", path: "/_bulk", status: 200, body: `{"errors":false,"items":[{"index":{"status":201}},{"index":{"status":200}}]}`},
		{name: "another status", path: "/_bulk", status: 200, body: `{"items":[{"index":{"status":4290}},{"index":{"status":42}}]}`},
		{name: "another key", path: "/_bulk", status: 200, body: `{"items":[{"index":{"xstatus":429,"status_":429}}]}`},
		{name: "a string", path: "/_bulk", status: 200, body: `{"items":[{"index":{"status":"429"}}]}`},
		{name: "not a bulk", path: "/idx/_search", status: 200, body: rejectedItem},
		{name: "not a success", path: "/_bulk", status: 400, body: rejectedItem},
		{name: "compressed", path: "/_bulk", status: 200, header: http.Header{"Content-Encoding": {"gzip"}}, body: rejectedItem},
		{name: "ignored", cfg: LimiterConfig{IgnoreBulkItems: true}, path: "/_bulk", status: 200, body: rejectedItem},
	}
	readers := []struct {
		name string
		wrap func(io.Reader) io.Reader
	}{
		{"whole", func(r io.Reader) io.Reader { return r }},
		{"byte by byte", iotest.OneByteReader},
		{"halves", iotest.HalfReader},
	}
	for _, tt := range tests {
		for _, rd := range readers {
			t.Run(tt.name+"/"+rd.name, func(t *testing.T) {
				l := mustLimiter(t, tt.cfg)
				tr := l.Middleware()(limiterAnswering(tt.status, tt.body, tt.header, nil))
				res, err := tr.RoundTrip(limiterRequest(context.Background(), "POST", tt.path, "", nil))
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(rd.wrap(res.Body))
				res.Body.Close()
				if err != nil || string(got) != tt.body {
					t.Fatalf("body = %q, %v; want %q", got, err, tt.body)
				}
				st := l.Stats()
				if rejected := st.Bulk.Rejections+st.Search.Rejections == 1; rejected != tt.want {
					t.Errorf("rejection seen: %v, want %v (stats %+v)", rejected, tt.want, st)
				}
			})
		}
	}
}

// TestLimiterBulkItemsFromCluster checks the scan against the bytes of a
// bulk response with an item rejected the way Elasticsearch rejects it.
func TestLimiterBulkItemsFromCluster(t *testing.T) {
	c := estest.New(t, estest.Config{})
	c.Node(0).RejectBulkItems(func(it estest.BulkItem) bool { return it.Pos == 1 })
	l := mustLimiter(t, LimiterConfig{})
	tr := l.Middleware()(http.DefaultTransport)
	body := "{\"index\":{\"_index\":\"i\",\"_id\":\"1\"}}\n{\"a\":1}\n{\"index\":{\"_index\":\"i\",\"_id\":\"2\"}}\n{\"a\":2}\n"
	req, err := http.NewRequestWithContext(t.Context(), "POST", c.URLs()[0]+"/_bulk", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(got), "es_rejected_execution_exception") {
		t.Fatalf("%d %s: want a 200 with a rejected item", res.StatusCode, got)
	}
	if st := l.Stats().Bulk; st.Rejections != 1 || st.Decreases != 1 {
		t.Errorf("stats = %+v, want the rejected item counted", st)
	}
}
