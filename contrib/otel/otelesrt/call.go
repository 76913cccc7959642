package otelesrt

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/esrt-dev/esrt/endpoint"
	"github.com/esrt-dev/esrt/rt"
)

// Middleware returns the call layer: one CLIENT span and one
// db.client.operation.duration measurement per call, and the trace context
// in the request's headers. Put it outermost, where it sees each call once
// as the caller made it and its final outcome after every retry: first in
// esrt.Config.Middleware, around an *esrt.Transport, or around any other
// RoundTripper (go-elasticsearch's or opensearch-go's default transport).
//
// The span starts when RoundTrip is called and ends when the caller has
// read the response body to its end or closed it (or at once for an error
// or a response without a body), so that it covers the whole call. The
// request it passes on is a clone when the propagator writes headers or a
// body is observed; the caller's request is never modified.
//
// With trace/noop's TracerProvider and a MeterProvider whose instruments
// are not enabled, RoundTrip allocates nothing: it only asks the
// propagator to inject a trace context that the request's context already
// carries.
func (in *Instrumentation) Middleware() rt.Middleware {
	return func(next http.RoundTripper) http.RoundTripper {
		return &callTransport{next: next, in: in}
	}
}

// Middleware returns New(c).Middleware(): the call layer alone. Use
// [Instrument] for the attempt spans and esrt's metrics as well.
func Middleware(c Config) rt.Middleware { return New(c).Middleware() }

// callTransport is the call layer.
type callTransport struct {
	next http.RoundTripper
	in   *Instrumentation
}

var _ http.RoundTripper = (*callTransport)(nil)

// Unwrap returns the next RoundTripper.
func (t *callTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to next.
func (t *callTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }

func (t *callTransport) String() string { return "otel call" }

// RoundTrip sends req and records the call.
func (t *callTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	in := t.in
	metrics := in.m.duration.Enabled(req.Context())
	if !in.tracing && !metrics {
		return t.next.RoundTrip(in.send(req, req.Context(), false))
	}
	c, out := in.startCall(req, metrics)
	if c == nil {
		return t.next.RoundTrip(out)
	}
	resp, err := t.next.RoundTrip(out)
	return c.finish(resp, err)
}

// stateKey is the context key of a call's [callState].
type stateKey struct{}

// call is one call in flight: what its span and its measurement need.
type call struct {
	in      *Instrumentation
	ctx     context.Context // the caller's, with the span
	span    trace.Span      // nil when not recording
	metrics bool
	start   time.Time

	op, collection, method string
	url                    *url.URL // the caller's
	full                   string   // its url.full, or ""

	batch *bulkCounter    // for a _bulk
	query *querySanitizer // for a search-type call with CaptureQueryText
	tap   *tap            // when the body is observed as it streams

	// From the response.
	status              int
	node                *url.URL // the attempt's URL, or the node's
	namespace, nodeName string
}

// startCall starts the span of req's call and returns the call, or nil
// when there is nothing to record (a span the sampler dropped, and no
// metrics), and the request to pass on.
func (in *Instrumentation) startCall(req *http.Request, metrics bool) (*call, *http.Request) {
	ep := endpoint.CallOf(req)
	c := &call{in: in, metrics: metrics, start: time.Now(), method: methodValue(req.Method), url: req.URL}
	c.op = ep.ID
	if c.op == "" {
		c.op = c.method
	}
	c.collection = strings.Join(ep.Indices, ", ")
	ctx := req.Context()
	observed := false
	if in.tracing {
		observed = c.observeNow(req, ep.ID)
		var span trace.Span
		ctx, span = in.tracer.Start(ctx, c.spanName(),
			trace.WithSpanKind(trace.SpanKindClient),
			trace.WithTimestamp(c.start),
			trace.WithAttributes(c.startAttributes(req, ep, observed)...))
		if span.IsRecording() {
			c.span = span
			ctx = context.WithValue(ctx, stateKey{}, new(callState))
		}
	}
	c.ctx = ctx
	out := in.send(req, ctx, in.tracing)
	if c.span == nil && !metrics {
		return nil, out
	}
	if w := c.observer(); w != nil && !observed && c.span != nil && out != req {
		c.tap = tapBody(out, w)
	}
	return c, out
}

// observeNow prepares what the span learns from the request body — the
// number of actions of a _bulk, the query text of a search — and reads it
// now if it can do so without consuming the body. It reports whether the
// observation is complete (or there is none).
func (c *call) observeNow(req *http.Request, id string) bool {
	switch {
	case id == "bulk":
		c.batch = new(bulkCounter)
	case c.in.query && searchEndpoints[id]:
		c.query = new(querySanitizer)
	default:
		return true
	}
	return readBody(req, c.observer())
}

// observer returns what the request body is written to, or nil.
func (c *call) observer() io.Writer {
	switch {
	case c.batch != nil:
		return c.batch
	case c.query != nil:
		return c.query
	}
	return nil
}

// spanName is "{db.operation.name} {db.collection.name}", or the operation
// alone without an index.
func (c *call) spanName() string {
	op := c.op
	if op == otherValue {
		op = "HTTP"
	}
	if c.collection == "" {
		return op
	}
	return op + " " + c.collection
}

// startAttributes are the attributes known when the call starts: all the
// sampling-relevant ones.
func (c *call) startAttributes(req *http.Request, ep endpoint.Call, observed bool) []attribute.KeyValue {
	attrs := make([]attribute.KeyValue, 0, 10+len(ep.Params))
	attrs = append(attrs, systemName, keyDBOperationName.String(c.op), keyHTTPMethod.String(c.method))
	if c.method == otherValue {
		attrs = append(attrs, keyHTTPMethodOrig.String(req.Method))
	}
	if c.collection != "" {
		attrs = append(attrs, keyDBCollectionName.String(c.collection))
	}
	for k, v := range ep.Params {
		attrs = append(attrs, attribute.String(paramKey(k), v))
	}
	c.full = redactURL(req.URL)
	attrs = appendServer(attrs, req.URL, c.full)
	if observed {
		attrs = c.appendObserved(attrs)
	}
	return attrs
}

// appendObserved appends what the request body told: db.operation.batch.size
// for a _bulk of two actions or more, db.query.text.
func (c *call) appendObserved(attrs []attribute.KeyValue) []attribute.KeyValue {
	if c.batch != nil && c.batch.actions >= 2 {
		attrs = append(attrs, keyDBBatchSize.Int(c.batch.actions))
	}
	if c.query != nil {
		if text := c.query.Text(); text != "" {
			attrs = append(attrs, keyDBQueryText.String(text))
		}
	}
	return attrs
}

// paramKey returns db.operation.parameter.<name>, without building the
// common ones.
func paramKey(name string) string {
	switch name {
	case "index":
		return paramPrefix + "index"
	case "id":
		return paramPrefix + "id"
	}
	return paramPrefix + name
}

// appendServer appends url.full (full, redactURL(u)), server.address and
// server.port of u, if it has a host.
func appendServer(attrs []attribute.KeyValue, u *url.URL, full string) []attribute.KeyValue {
	if full == "" {
		return attrs
	}
	return append(attrs, keyURLFull.String(full),
		keyServerAddress.String(u.Hostname()), keyServerPort.Int(port(u)))
}

// port returns u's port, or its scheme's default.
func port(u *url.URL) int {
	if p, err := strconv.Atoi(u.Port()); err == nil {
		return p
	}
	if u.Scheme == "https" {
		return 443
	}
	return 80
}

// methodValue is http.request.method: the method if the HTTP semantic
// conventions know it, else _OTHER. An empty method is GET, as net/http
// sends it.
func methodValue(m string) string {
	switch m {
	case "":
		return http.MethodGet
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete,
		http.MethodPatch, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return otherValue
}
