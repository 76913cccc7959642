package otelesrt_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/contrib/otel/otelesrt"
)

const threeActions = `{"index":{"_index":"books","_id":"1"}}
{"title":"one"}
{"delete":{"_index":"books","_id":"2"}}
{"update":{"_index":"books","_id":"3"}}
{"doc":{"title":"three"}}
`

// db.operation.batch.size counts a _bulk's actions, whether the body can be
// read again (GetBody) or only streamed once; the node gets the body as
// sent.
func TestBatchSize(t *testing.T) {
	tests := []struct {
		name, body string
		getBody    bool
		want       string // "" for no attribute
	}{
		{"GetBody", threeActions, true, "3"},
		{"streamed", threeActions, false, "3"},
		{"one action", `{"delete":{"_index":"books","_id":"2"}}` + "\n", true, ""},
		{"one action streamed", `{"delete":{"_index":"books","_id":"2"}}` + "\n", false, ""},
	}
	for _, tt := range tests {
		tm := newTelemetry(t)
		base := &canned{status: 200, body: `{"errors":false,"items":[]}`}
		req := newRequest(t, context.Background(), "POST", "http://es:9200/_bulk", tt.body)
		if !tt.getBody {
			req.GetBody = nil
			req.Body = io.NopCloser(strings.NewReader(tt.body))
		}
		roundTrip(t, otelesrt.Middleware(tm.cfg)(base), req)
		if base.bodies[0] != tt.body {
			t.Errorf("%s: the node got %q", tt.name, base.bodies[0])
		}
		got, ok := attrMap(tm.span(t, "bulk").Attributes)["db.operation.batch.size"]
		if tt.want == "" && ok || got != tt.want {
			t.Errorf("%s: db.operation.batch.size = %q (%v), want %q", tt.name, got, ok, tt.want)
		}
	}
}

// db.query.text only with CaptureQueryText, only for search-type
// endpoints, sanitized, from GetBody or from the streamed body.
func TestQueryText(t *testing.T) {
	const query = `{"query":{"term":{"user.id":"kimchy"}},"size":20}`
	tests := []struct {
		name, method, path string
		capture, getBody   bool
		want               string
	}{
		{"off", "POST", "/books/_search", false, true, ""},
		{"GetBody", "POST", "/books/_search", true, true, `{"query":{"term":{"user.id":?}},"size":?}`},
		{"streamed", "POST", "/books/_search", true, false, `{"query":{"term":{"user.id":?}},"size":?}`},
		{"not a search", "PUT", "/books/_doc/1", true, true, ""},
	}
	for _, tt := range tests {
		tm := newTelemetry(t)
		cfg := tm.cfg
		cfg.CaptureQueryText = tt.capture
		base := &canned{status: 200, body: `{}`}
		req := newRequest(t, context.Background(), tt.method, "http://es:9200"+tt.path, query)
		if !tt.getBody {
			req.GetBody = nil
			req.Body = io.NopCloser(strings.NewReader(query))
		}
		roundTrip(t, otelesrt.Middleware(cfg)(base), req)
		if base.bodies[0] != query {
			t.Errorf("%s: the node got %q", tt.name, base.bodies[0])
		}
		spans := tm.spans()
		if len(spans) != 1 {
			t.Fatalf("%s: %d spans", tt.name, len(spans))
		}
		got, ok := attrMap(spans[0].Attributes)["db.query.text"]
		if tt.want == "" && ok || got != tt.want {
			t.Errorf("%s: db.query.text = %q (%v), want %q", tt.name, got, ok, tt.want)
		}
	}
}
