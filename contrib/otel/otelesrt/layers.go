package otelesrt

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/rt"
)

// AttemptMiddleware returns the attempt layer: it sends each attempt with
// the trace context of its attempt span (started by [Instrumentation.Hooks]),
// so that the node's own spans are children of the attempt that reached
// it, and layers below it (the base transport's instrumentation) see the
// attempt span in the request's context. Put it first in
// esrt.Config.AttemptMiddleware, before a request signer, which then signs
// the headers it adds. An attempt without a span (hooks not installed, or
// no call span above) passes unchanged.
func (in *Instrumentation) AttemptMiddleware() rt.Middleware {
	return func(next http.RoundTripper) http.RoundTripper {
		return &attemptTransport{next: next, in: in}
	}
}

// attemptTransport is the attempt layer.
type attemptTransport struct {
	next http.RoundTripper
	in   *Instrumentation
}

var _ http.RoundTripper = (*attemptTransport)(nil)

// Unwrap returns the next RoundTripper.
func (t *attemptTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to next.
func (t *attemptTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }

func (t *attemptTransport) String() string { return "otel attempt" }

// RoundTrip sends req with its attempt span's context.
func (t *attemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	v, ok := t.in.live.Load(req.URL)
	if !ok {
		return t.next.RoundTrip(req)
	}
	ctx := trace.ContextWithSpan(req.Context(), v.(trace.Span))
	return t.next.RoundTrip(t.in.send(req, ctx, true))
}

// Instrument adds the instrumentation to cfg: the call layer first in
// cfg.Middleware (outermost), the attempt layer first in
// cfg.AttemptMiddleware, and the hooks after cfg.Hooks (composed: the
// hooks already there keep running, first). Call it once per Config,
// before esrt.New.
func (in *Instrumentation) Instrument(cfg *esrt.Config) {
	cfg.Middleware = append([]rt.Middleware{in.Middleware()}, cfg.Middleware...)
	cfg.AttemptMiddleware = append([]rt.Middleware{in.AttemptMiddleware()}, cfg.AttemptMiddleware...)
	cfg.Hooks = rt.ComposeHooks(cfg.Hooks, in.Hooks())
}

// Instrument builds the instrumentation of c and adds it to cfg (see
// [Instrumentation.Instrument]): a span per call with a child span per
// attempt, the call's db.client.operation.duration, esrt's metrics and
// trace context propagation. It returns the instrumentation, for
// [Instrumentation.RecordBulkItems].
func Instrument(cfg *esrt.Config, c Config) *Instrumentation {
	in := New(c)
	in.Instrument(cfg)
	return in
}

// RecordBulkItems adds n to esrt.client.bulk.items for the items of a bulk
// request whose result is result: the "result" of a bulk response item
// ("created", "updated", "deleted", "noop", "not_found"), or the status of
// an item that failed ("429", "409"). A bulk indexer calls it once per
// result per flush; the transport cannot, as it does not read response
// bodies.
func (in *Instrumentation) RecordBulkItems(ctx context.Context, result string, n int64) {
	if n <= 0 || !in.m.bulkItems.Enabled(ctx) {
		return
	}
	in.m.bulkItems.Add(ctx, n, metric.WithAttributes(systemName, attribute.String(string(keyBulkItemResult), result)))
}
