package otelesrt_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/esrt-dev/esrt/contrib/otel/otelesrt"
	"github.com/esrt-dev/esrt/endpoint"
)

func newRequest(t testing.TB, ctx context.Context, method, url, body string) *http.Request {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// A search: every attribute of the call span, from the request (escaped
// indices, credentials and signatures in the URL) and from the response
// (status, Elastic Cloud's headers).
func TestCallSpanAttributes(t *testing.T) {
	tm := newTelemetry(t)
	base := &canned{status: 200, body: `{"hits":{}}`, header: http.Header{
		"X-Found-Handling-Cluster":  {"e9106fc68e3044f0b1475b04bf4ffd5f"},
		"X-Found-Handling-Instance": {"instance-0000000001"},
	}}
	tr := otelesrt.Middleware(tm.cfg)(base)
	req := newRequest(t, context.Background(), "POST",
		"https://elastic:s3cret@es.example.com:9243/orders%2Clogs/_search?size=1&X-Amz-Signature=abc123", `{"query":{"match_all":{}}}`)
	req.Header.Set("Authorization", "Basic ZWxhc3RpYzpzM2NyZXQ=")
	roundTrip(t, tr, req)

	s := tm.span(t, "search orders, logs")
	if s.SpanKind != trace.SpanKindClient {
		t.Errorf("kind = %v, want client", s.SpanKind)
	}
	want := map[string]string{
		"db.system.name":               "elasticsearch",
		"db.operation.name":            "search",
		"db.collection.name":           "orders, logs",
		"db.operation.parameter.index": "orders,logs",
		"http.request.method":          "POST",
		"url.full":                     "https://REDACTED:REDACTED@es.example.com:9243/orders%2Clogs/_search?size=1&X-Amz-Signature=REDACTED",
		"server.address":               "es.example.com",
		"server.port":                  "9243",
		"db.response.status_code":      "200",
		"db.namespace":                 "e9106fc68e3044f0b1475b04bf4ffd5f",
		"elasticsearch.node.name":      "instance-0000000001",
	}
	if d := diffMaps(attrMap(s.Attributes), want); d != "" {
		t.Error(d)
	}
	if s.Status.Code != codes.Unset {
		t.Errorf("status = %v, want unset", s.Status)
	}
	if len(tm.children(s)) != 0 {
		t.Errorf("children without hooks: %v", names(tm.children(s)))
	}
}

// The span ends when the caller is done with the response body: read to
// its end, closed, or failed.
func TestCallSpanEndsWithTheBody(t *testing.T) {
	tm := newTelemetry(t)
	tr := otelesrt.Middleware(tm.cfg)(&canned{status: 200, body: `{"found":true}`})

	resp, err := tr.RoundTrip(newRequest(t, context.Background(), "GET", "http://es:9200/books/_doc/1", ""))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tm.spans()); n != 0 {
		t.Fatalf("%d spans ended before the body was read", n)
	}
	if _, ok := resp.Body.(io.WriterTo); !ok {
		t.Errorf("the body lost io.WriterTo")
	}
	io.ReadAll(resp.Body)
	if n := len(tm.spans()); n != 1 {
		t.Fatalf("%d spans after reading the body to its end, want 1", n)
	}
	resp.Body.Close()
	if n := len(tm.spans()); n != 1 {
		t.Fatalf("%d spans after Close, want still 1", n)
	}

	resp, _ = tr.RoundTrip(newRequest(t, context.Background(), "GET", "http://es:9200/books/_doc/2", ""))
	resp.Body.Close()
	if n := len(tm.spans()); n != 2 {
		t.Fatalf("%d spans after closing an unread body, want 2", n)
	}
}

// A body that fails while it is read makes the call fail.
func TestCallSpanBodyReadError(t *testing.T) {
	tm := newTelemetry(t)
	base := rtFunc(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{}, Request: req,
			Body: io.NopCloser(io.MultiReader(strings.NewReader("{"), errReader{io.ErrUnexpectedEOF}))}, nil
	})
	resp, err := otelesrt.Middleware(tm.cfg)(base).RoundTrip(newRequest(t, context.Background(), "GET", "http://es:9200/_cluster/health", ""))
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	s := tm.span(t, "cluster.health")
	a := attrMap(s.Attributes)
	if a["error.type"] != "connection_reset" || s.Status.Code != codes.Error {
		t.Errorf("error.type = %q, status %v; want connection_reset, Error", a["error.type"], s.Status)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// A transport error: error.type, the status, an exception event, and no
// credential from the error's message.
func TestCallSpanError(t *testing.T) {
	tm := newTelemetry(t)
	base := &canned{err: &urlError{msg: `Put "https://elastic:s3cret@10.0.0.1:9200/books/_doc/1?sig=abc123": connection refused`}}
	_, err := otelesrt.Middleware(tm.cfg)(base).RoundTrip(newRequest(t, context.Background(), "PUT", "https://elastic:s3cret@10.0.0.1:9200/books/_doc/1?sig=abc123", `{}`))
	if err == nil {
		t.Fatal("no error")
	}
	s := tm.span(t, "index books")
	a := attrMap(s.Attributes)
	if a["error.type"] != "_OTHER" || s.Status.Code != codes.Error {
		t.Errorf("error.type = %q, status %v", a["error.type"], s.Status)
	}
	if _, ok := a["db.response.status_code"]; ok {
		t.Errorf("db.response.status_code without a response")
	}
	if len(s.Events) != 1 || s.Events[0].Name != "exception" {
		t.Fatalf("events = %v, want one exception", s.Events)
	}
	for _, text := range append([]string{s.Status.Description}, values(attrMap(s.Events[0].Attributes))...) {
		if strings.Contains(text, "s3cret") || strings.Contains(text, "abc123") {
			t.Errorf("a credential in %q", text)
		}
	}
	if a["url.full"] != "https://REDACTED:REDACTED@10.0.0.1:9200/books/_doc/1?sig=REDACTED" {
		t.Errorf("url.full = %s", a["url.full"])
	}
}

type urlError struct{ msg string }

func (e *urlError) Error() string { return e.msg }

func values(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// The endpoint the request's context carries wins over the path; a path
// no endpoint matches is named by its method.
func TestCallSpanName(t *testing.T) {
	ctx := endpoint.NewContext(context.Background(), endpoint.Call{
		Endpoint: endpoint.Endpoint{ID: "indices.create"},
		Indices:  []string{"logs-a", "logs-b"},
		Params:   map[string]string{"index": "logs-a,logs-b"},
	})
	tests := []struct {
		ctx          context.Context
		method, path string
		name, op     string
	}{
		{context.Background(), "GET", "/_cluster/health", "cluster.health", "cluster.health"},
		{context.Background(), "POST", "/_bulk", "bulk", "bulk"},
		{context.Background(), "GET", "/%3Clogs-%7Bnow%2Fd%7D%3E/_count", "count <logs-{now/d}>", "count"},
		{ctx, "PUT", "/whatever", "indices.create logs-a, logs-b", "indices.create"},
		{context.Background(), "POST", "/_frobnicate/x", "POST", "POST"},
		{context.Background(), "FROB", "/_frobnicate/x", "HTTP", "_OTHER"},
	}
	for _, tt := range tests {
		tm := newTelemetry(t)
		roundTrip(t, otelesrt.Middleware(tm.cfg)(&canned{status: 200}), newRequest(t, tt.ctx, tt.method, "http://es:9200"+tt.path, ""))
		spans := tm.spans()
		if len(spans) != 1 {
			t.Fatalf("%s %s: %d spans", tt.method, tt.path, len(spans))
		}
		a := attrMap(spans[0].Attributes)
		if spans[0].Name != tt.name || a["db.operation.name"] != tt.op {
			t.Errorf("%s %s: span %q, db.operation.name %q; want %q, %q", tt.method, tt.path, spans[0].Name, a["db.operation.name"], tt.name, tt.op)
		}
		if tt.method == "FROB" && (a["http.request.method"] != "_OTHER" || a["http.request.method_original"] != "FROB") {
			t.Errorf("unknown method: %v", a)
		}
	}
}

// The trace context goes out in a copy of the request; the caller's stays
// as it was. DisablePropagation sends none. Without a tracer, a trace
// context the caller's context carries still goes out.
func TestPropagation(t *testing.T) {
	tm := newTelemetry(t)
	base := &canned{status: 200}
	req := newRequest(t, context.Background(), "GET", "http://es:9200/_search", "")
	roundTrip(t, otelesrt.Middleware(tm.cfg)(base), req)
	s := tm.span(t, "search")
	want := "00-" + s.SpanContext.TraceID().String() + "-" + s.SpanContext.SpanID().String() + "-01"
	if got := base.got[0].Header.Get("traceparent"); got != want {
		t.Errorf("traceparent = %q, want %q", got, want)
	}
	if req.Header.Get("traceparent") != "" || len(req.Header) != 0 {
		t.Errorf("the caller's request was changed: %v", req.Header)
	}

	off := tm.cfg
	off.DisablePropagation = true
	base = &canned{status: 200}
	roundTrip(t, otelesrt.Middleware(off)(base), newRequest(t, context.Background(), "GET", "http://es:9200/_search", ""))
	if got := base.got[0].Header.Get("traceparent"); got != "" {
		t.Errorf("traceparent %q with propagation off", got)
	}

	noop := otelesrt.Config{TracerProvider: noopTP(), MeterProvider: noopMP(), Propagators: tm.cfg.Propagators}
	ctx, parent := tm.tp.Tracer("test").Start(context.Background(), "parent")
	defer parent.End()
	base = &canned{status: 200}
	roundTrip(t, otelesrt.Middleware(noop)(base), newRequest(t, ctx, "GET", "http://es:9200/_search", ""))
	want = "00-" + parent.SpanContext().TraceID().String() + "-" + parent.SpanContext().SpanID().String() + "-01"
	if got := base.got[0].Header.Get("traceparent"); got != want {
		t.Errorf("without a tracer: traceparent = %q, want the caller's %q", got, want)
	}
}

// errors.Is works through the middleware: the error is next's.
func TestCallErrorUnchanged(t *testing.T) {
	tm := newTelemetry(t)
	sentinel := errors.New("boom")
	_, err := otelesrt.Middleware(tm.cfg)(&canned{err: sentinel}).RoundTrip(newRequest(t, context.Background(), "GET", "http://es/", ""))
	if err != sentinel {
		t.Errorf("err = %v, want next's", err)
	}
}
