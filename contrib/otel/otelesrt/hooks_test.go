package otelesrt_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"

	"github.com/esrt-dev/esrt/contrib/otel/otelesrt"
	"github.com/esrt-dev/esrt/rt"
)

var errRefused = os.NewSyscallError("connect", syscall.ECONNREFUSED)

// The hooks as esrt's retry and router call them for a call whose first
// attempt is refused and whose retry is hedged: a span per attempt under
// the call span, with its number, node, hedge flag, retry reason and
// outcome; the attempt layer sends each attempt with its own span's
// context.
func TestAttemptSpans(t *testing.T) {
	tm := newTelemetry(t)
	in := otelesrt.New(tm.cfg)
	hooks := in.Hooks()
	base := &canned{status: 200}
	attemptLayer := in.AttemptMiddleware()(base)
	node1, _ := rt.NewNode("http://10.0.0.1:9200")
	node2, _ := rt.NewNode("https://10.0.0.2:9243")
	node2.Name = "instance-2"

	var call trace.Span
	tr := otelesrt.Middleware(tm.cfg)(rtFunc(func(req *http.Request) (*http.Response, error) {
		call = trace.SpanFromContext(req.Context())
		attempt := func(n int, node *rt.Node, hedge bool, status int, err error) {
			out := req.Clone(req.Context()) // the router's copy, with the node's address
			out.URL.Scheme, out.URL.Host = node.URL.Scheme, node.URL.Host
			info := rt.AttemptInfo{Request: out, Node: node, Attempt: n, Hedge: hedge}
			hooks.AttemptStart(info)
			var resp *http.Response
			if err == nil {
				resp, _ = attemptLayer.RoundTrip(out)
				resp.StatusCode = status
			}
			hooks.AttemptDone(rt.AttemptDoneInfo{AttemptInfo: info, Response: resp, Err: err, Duration: time.Millisecond})
		}
		attempt(1, node1, false, 0, errRefused)
		hooks.Retry(rt.RetryInfo{Request: req, Attempt: 2, Err: errRefused, Delay: 250 * time.Millisecond})
		attempt(2, node2, false, 503, nil)
		attempt(3, node1, true, 200, nil)
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
	}))
	roundTrip(t, tr, newRequest(t, context.Background(), "GET", "http://es/books/_doc/1", ""))

	parent := tm.span(t, "get books")
	attempts := tm.children(parent)
	if len(attempts) != 3 {
		t.Fatalf("attempt spans: %v, want 3", names(attempts))
	}
	want := []map[string]string{
		{"http.request.method": "GET", "esrt.attempt": "1", "esrt.attempt.hedge": "false",
			"url.full": "http://10.0.0.1:9200/books/_doc/1", "server.address": "10.0.0.1", "server.port": "9200",
			"esrt.attempt.outcome": "failure", "error.type": "connection_refused"},
		{"http.request.method": "GET", "esrt.attempt": "2", "esrt.attempt.hedge": "false", "http.request.resend_count": "1",
			"esrt.retry.reason": "connection_refused", "elasticsearch.node.name": "instance-2",
			"url.full": "https://10.0.0.2:9243/books/_doc/1", "server.address": "10.0.0.2", "server.port": "9243",
			"esrt.attempt.outcome": "failure", "error.type": "503", "http.response.status_code": "503"},
		{"http.request.method": "GET", "esrt.attempt": "3", "esrt.attempt.hedge": "true", "http.request.resend_count": "2",
			"url.full": "http://10.0.0.1:9200/books/_doc/1", "server.address": "10.0.0.1", "server.port": "9200",
			"esrt.attempt.outcome": "success", "http.response.status_code": "200"},
	}
	wantStatus := []codes.Code{codes.Error, codes.Error, codes.Unset}
	for i, s := range attempts {
		if s.Name != "GET" || s.SpanKind != trace.SpanKindClient {
			t.Errorf("attempt %d: %q %v, want a GET client span", i+1, s.Name, s.SpanKind)
		}
		if d := diffMaps(attrMap(s.Attributes), want[i]); d != "" {
			t.Errorf("attempt %d: %s", i+1, d)
		}
		if s.Status.Code != wantStatus[i] {
			t.Errorf("attempt %d: status %v, want %v", i+1, s.Status.Code, wantStatus[i])
		}
	}
	// The node got each attempt's own span as the parent.
	for i, got := range base.got {
		sc := attempts[i+1].SpanContext
		if tp := got.Header.Get("traceparent"); tp != "00-"+sc.TraceID().String()+"-"+sc.SpanID().String()+"-01" {
			t.Errorf("attempt %d went with traceparent %q, want its span %s", i+2, tp, sc.SpanID())
		}
		if trace.SpanContextFromContext(got.Context()).SpanID() != sc.SpanID() {
			t.Errorf("attempt %d: the layers below do not see the attempt span", i+2)
		}
	}
	if len(parent.Events) != 1 || parent.Events[0].Name != "retry" {
		t.Fatalf("call span events: %v, want one retry", parent.Events)
	}
	if d := diffMaps(attrMap(parent.Events[0].Attributes), map[string]string{
		"esrt.attempt": "2", "esrt.retry.reason": "connection_refused", "esrt.retry.delay": "0.25"}); d != "" {
		t.Errorf("retry event: %s", d)
	}
	if call == nil || call.SpanContext().SpanID() != parent.SpanContext.SpanID() {
		t.Error("the call span is not in the context the layers below get")
	}
}

// Attempts of a request that no recording span covers get no span: a
// request outside any traced call starts no trace of its own.
func TestNoAttemptSpanWithoutAParent(t *testing.T) {
	tm := newTelemetry(t)
	in := otelesrt.New(tm.cfg)
	req := newRequest(t, context.Background(), "GET", "http://10.0.0.1:9200/", "")
	info := rt.AttemptInfo{Request: req, Attempt: 1}
	in.Hooks().AttemptStart(info)
	base := &canned{status: 200}
	roundTrip(t, in.AttemptMiddleware()(base), req)
	in.Hooks().AttemptDone(rt.AttemptDoneInfo{AttemptInfo: info, Response: &http.Response{StatusCode: 200}})
	if n := len(tm.spans()); n != 0 {
		t.Errorf("%d spans", n)
	}
	if base.got[0] != req {
		t.Error("the attempt layer copied a request it had nothing to add to")
	}
}

// esrt's own counters: attempts by outcome, retries by reason, node
// changes, breaker changes, bulk items by result.
func TestEsrtMetrics(t *testing.T) {
	tm := newTelemetry(t)
	in := otelesrt.New(tm.cfg)
	hooks := in.Hooks()
	node, _ := rt.NewNode("http://elastic:s3cret@10.0.0.1:9200")
	req := newRequest(t, context.Background(), "POST", "http://10.0.0.1:9200/_bulk", "")
	info := rt.AttemptInfo{Request: req, Node: node, Attempt: 1}
	hooks.AttemptDone(rt.AttemptDoneInfo{AttemptInfo: info, Err: errRefused})
	hooks.AttemptDone(rt.AttemptDoneInfo{AttemptInfo: info, Response: &http.Response{StatusCode: 429}})
	hooks.AttemptDone(rt.AttemptDoneInfo{AttemptInfo: info, Response: &http.Response{StatusCode: 200}})
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(rt.ErrHedgeLost)
	lost := info
	lost.Request = req.WithContext(ctx)
	hooks.AttemptDone(rt.AttemptDoneInfo{AttemptInfo: lost, Err: context.Canceled})
	hooks.Retry(rt.RetryInfo{Request: req, Attempt: 2, StatusCode: 429})
	hooks.Retry(rt.RetryInfo{Request: req, Attempt: 3, Err: errors.New("weird")})
	hooks.NodeDown(rt.NodeInfo{Node: node, Failures: 1, Err: errRefused})
	hooks.NodeUp(rt.NodeInfo{Node: node})
	hooks.BreakerChange(rt.BreakerInfo{Name: "10.0.0.1:9200", Node: node, From: rt.BreakerClosed, To: rt.BreakerOpen})
	in.RecordBulkItems(context.Background(), "created", 998)
	in.RecordBulkItems(context.Background(), "429", 2)

	server := map[string]string{"db.system.name": "elasticsearch", "server.address": "10.0.0.1", "server.port": "9200"}
	with := func(m map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	sys := map[string]string{"db.system.name": "elasticsearch"}
	checkSum(t, tm.metric(t, "esrt.client.attempts"), "{attempt}", []point{
		{with(server, "esrt.attempt.outcome", "failure", "error.type", "connection_refused"), 1},
		{with(server, "esrt.attempt.outcome", "failure", "error.type", "429"), 1},
		{with(server, "esrt.attempt.outcome", "success"), 1},
		{with(server, "esrt.attempt.outcome", "hedge_lost", "error.type", "hedge_lost"), 1},
	})
	checkSum(t, tm.metric(t, "esrt.client.retries"), "{retry}", []point{
		{with(sys, "db.operation.name", "bulk", "esrt.retry.reason", "429"), 1},
		{with(sys, "db.operation.name", "bulk", "esrt.retry.reason", "_OTHER"), 1},
	})
	checkSum(t, tm.metric(t, "esrt.client.node.changes"), "{change}", []point{
		{with(server, "esrt.node.state", "down"), 1},
		{with(server, "esrt.node.state", "up"), 1},
	})
	checkSum(t, tm.metric(t, "esrt.client.breaker.changes"), "{change}", []point{
		{with(sys, "esrt.breaker.name", "10.0.0.1:9200", "esrt.breaker.state", "open", "esrt.breaker.previous_state", "closed"), 1},
	})
	checkSum(t, tm.metric(t, "esrt.client.bulk.items"), "{item}", []point{
		{with(sys, "esrt.bulk.item.result", "created"), 998},
		{with(sys, "esrt.bulk.item.result", "429"), 2},
	})
}

type point struct {
	attrs map[string]string
	value int64
}

// checkSum checks that m is a monotonic sum with exactly the points want.
func checkSum(t *testing.T, m metricdata.Metrics, unit string, want []point) {
	t.Helper()
	sum, ok := m.Data.(metricdata.Sum[int64])
	if !ok || !sum.IsMonotonic || m.Unit != unit {
		t.Fatalf("%s: %T monotonic=%v unit %q, want a monotonic int64 sum in %s", m.Name, m.Data, sum.IsMonotonic, m.Unit, unit)
	}
	if len(sum.DataPoints) != len(want) {
		t.Errorf("%s: %d points, want %d", m.Name, len(sum.DataPoints), len(want))
	}
	for _, w := range want {
		found := false
		for _, dp := range sum.DataPoints {
			if diffMaps(setMap(dp.Attributes), w.attrs) == "" {
				found = true
				if dp.Value != w.value {
					t.Errorf("%s %v = %d, want %d", m.Name, w.attrs, dp.Value, w.value)
				}
			}
		}
		if !found {
			t.Errorf("%s: no point %v", m.Name, w.attrs)
		}
	}
}
