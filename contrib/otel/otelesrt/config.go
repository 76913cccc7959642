package otelesrt

import (
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// Config configures the instrumentation. Its zero value is ready to use:
// the global providers and propagator, trace context propagation on, no
// query text.
type Config struct {
	// TracerProvider makes the spans. If nil, the global one
	// (otel.GetTracerProvider) as it is when the instrumentation is built;
	// OpenTelemetry's default global provider forwards to the provider set
	// later with otel.SetTracerProvider. With trace/noop's provider no span
	// is started and the call layer does no work of its own for tracing.
	TracerProvider trace.TracerProvider

	// MeterProvider makes the instruments. If nil, the global one
	// (otel.GetMeterProvider), as for TracerProvider. Nothing is measured
	// while an instrument is not enabled (metric/noop's provider, or no
	// SDK behind the global one).
	MeterProvider metric.MeterProvider

	// Propagators writes the trace context into every outgoing request. If
	// nil, the global one (otel.GetTextMapPropagator), which propagates
	// nothing until one is set with otel.SetTextMapPropagator (for W3C
	// traceparent: propagation.TraceContext{}).
	Propagators propagation.TextMapPropagator

	// DisablePropagation sends requests without trace context headers.
	DisablePropagation bool

	// CaptureQueryText records db.query.text for search-type endpoints
	// (search, msearch, async_search.submit, eql.search, esql.query, ...):
	// the request body with every literal value replaced by ?, at most
	// 2048 bytes. If false, no body is read for it.
	CaptureQueryText bool
}

// Instrumentation holds the tracer and the instruments that its layers
// share: the call middleware, the attempt middleware and the hooks. Build
// one with [New]; it is safe for concurrent use.
type Instrumentation struct {
	tracer  trace.Tracer
	tracing bool // false with trace/noop's provider
	prop    propagation.TextMapPropagator
	query   bool
	m       instruments

	// live holds the attempt spans in flight, by the attempt's *url.URL:
	// the router gives every attempt a URL of its own, and the layers
	// between it and the attempt middleware keep it.
	live sync.Map
}

// New returns the instrumentation c describes.
func New(c Config) *Instrumentation {
	tp := c.TracerProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	mp := c.MeterProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	in := &Instrumentation{
		tracer:  tp.Tracer(instrumentationScope, trace.WithSchemaURL(schemaURL)),
		tracing: !isNoopTracerProvider(tp),
		query:   c.CaptureQueryText,
	}
	if !c.DisablePropagation {
		in.prop = c.Propagators
		if in.prop == nil {
			in.prop = otel.GetTextMapPropagator()
		}
	}
	in.m = newInstruments(mp.Meter(instrumentationScope, metric.WithSchemaURL(schemaURL)))
	return in
}

func isNoopTracerProvider(tp trace.TracerProvider) bool {
	switch tp.(type) {
	case tracenoop.TracerProvider, *tracenoop.TracerProvider:
		return true
	}
	return false
}
