package otelesrt

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"
)

// send returns the request to pass on: req with ctx as its context
// (withCtx) and the trace context of ctx injected by the propagator. It
// never modifies req: the propagator writes into a clone, made only when
// it writes something. The propagator is asked only when ctx carries a
// valid span context or baggage, the only things OpenTelemetry's
// propagators inject, so that a request without either costs nothing.
func (in *Instrumentation) send(req *http.Request, ctx context.Context, withCtx bool) *http.Request {
	if in.prop != nil && (trace.SpanContextFromContext(ctx).IsValid() || baggage.FromContext(ctx).Len() > 0) {
		c := &carrier{req: req, ctx: ctx}
		in.prop.Inject(ctx, c)
		if c.out != nil {
			return c.out
		}
	}
	if withCtx {
		return req.WithContext(ctx)
	}
	return req
}

// carrier is a propagation.TextMapCarrier over a request's headers that
// copies the request, and clones its headers, on the first Set: the
// headers are all it changes.
type carrier struct {
	req, out *http.Request
	ctx      context.Context
}

func (c *carrier) header() http.Header {
	if c.out != nil {
		return c.out.Header
	}
	return c.req.Header
}

func (c *carrier) Get(key string) string { return c.header().Get(key) }

func (c *carrier) Set(key, value string) {
	if c.out == nil {
		c.out = c.req.WithContext(c.ctx)
		c.out.Header = c.req.Header.Clone()
		if c.out.Header == nil {
			c.out.Header = make(http.Header)
		}
	}
	c.out.Header.Set(key, value)
}

func (c *carrier) Keys() []string {
	h := c.header()
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	return keys
}
