package otelesrt_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/esrt-dev/esrt/contrib/otel/otelesrt"
)

// fixed is a base that answers every request at once with a new small
// response, as a network would, without the network.
type fixed struct{}

func (fixed) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"took":1,"hits":{"hits":[]}}`)), Request: req}, nil
}

// recordingSDK returns an SDK that records everything, sampling every
// span and exporting none, so that what is measured is the recording.
func recordingSDK(b *testing.B) (*sdktrace.TracerProvider, *sdkmetric.MeterProvider) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(tracetest.NewNoopExporter())))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() {
		tp.Shutdown(context.Background())
		mp.Shutdown(context.Background())
	})
	return tp, mp
}

// BenchmarkCall is one search through the call layer, or through
// otelhttp's transport, on the same base: the cost of the
// instrumentation per request.
func BenchmarkCall(b *testing.B) {
	prop := propagation.TraceContext{}
	b.Run("none", func(b *testing.B) { benchCall(b, fixed{}) })
	b.Run("otelesrt/noop", func(b *testing.B) {
		benchCall(b, otelesrt.Middleware(otelesrt.Config{TracerProvider: noopTP(), MeterProvider: noopMP(), Propagators: prop})(fixed{}))
	})
	b.Run("otelhttp/noop", func(b *testing.B) {
		benchCall(b, otelhttp.NewTransport(fixed{}, otelhttp.WithTracerProvider(noopTP()), otelhttp.WithMeterProvider(noopMP()), otelhttp.WithPropagators(prop)))
	})
	b.Run("otelesrt/sdk", func(b *testing.B) {
		tp, mp := recordingSDK(b)
		benchCall(b, otelesrt.Middleware(otelesrt.Config{TracerProvider: tp, MeterProvider: mp, Propagators: prop})(fixed{}))
	})
	b.Run("otelhttp/sdk", func(b *testing.B) {
		tp, mp := recordingSDK(b)
		benchCall(b, otelhttp.NewTransport(fixed{}, otelhttp.WithTracerProvider(tp), otelhttp.WithMeterProvider(mp), otelhttp.WithPropagators(prop)))
	})
}

func benchCall(b *testing.B, tr http.RoundTripper) {
	const query = `{"query":{"match":{"title":"dune"}}}`
	req, err := http.NewRequest("POST", "http://127.0.0.1:9200/books/_search", strings.NewReader(query))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	b.ReportAllocs()
	for b.Loop() {
		r := req.Clone(req.Context()) // the caller's request for each call
		r.Body, _ = req.GetBody()
		resp, err := tr.RoundTrip(r)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
