package otelesrt_test

import (
	"context"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/esrt-dev/esrt/contrib/otel/otelesrt"
)

// telemetry is an SDK that keeps what it records in memory.
type telemetry struct {
	exporter *tracetest.InMemoryExporter
	tp       *sdktrace.TracerProvider
	reader   *sdkmetric.ManualReader
	cfg      otelesrt.Config
}

func newTelemetry(t testing.TB) *telemetry {
	t.Helper()
	tm := &telemetry{exporter: tracetest.NewInMemoryExporter(), reader: sdkmetric.NewManualReader()}
	tm.tp = sdktrace.NewTracerProvider(sdktrace.WithSyncer(tm.exporter))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(tm.reader))
	t.Cleanup(func() {
		tm.tp.Shutdown(context.Background())
		mp.Shutdown(context.Background())
	})
	tm.cfg = otelesrt.Config{TracerProvider: tm.tp, MeterProvider: mp, Propagators: propagation.TraceContext{}}
	return tm
}

// spans returns the spans ended so far, oldest first.
func (tm *telemetry) spans() tracetest.SpanStubs { return tm.exporter.GetSpans() }

// span returns the only span named name, failing t unless there is one.
func (tm *telemetry) span(t testing.TB, name string) tracetest.SpanStub {
	t.Helper()
	var found []tracetest.SpanStub
	for _, s := range tm.spans() {
		if s.Name == name {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d spans named %q, want 1; spans: %v", len(found), name, names(tm.spans()))
	}
	return found[0]
}

// children returns the spans whose parent is s, in the order they ended.
func (tm *telemetry) children(s tracetest.SpanStub) tracetest.SpanStubs {
	var out tracetest.SpanStubs
	for _, c := range tm.spans() {
		if c.Parent.SpanID() == s.SpanContext.SpanID() && c.Parent.TraceID() == s.SpanContext.TraceID() {
			out = append(out, c)
		}
	}
	return out
}

func names(spans tracetest.SpanStubs) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}

// collect returns the metrics recorded so far.
func (tm *telemetry) collect(t testing.TB) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := tm.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	return rm
}

// metric returns the metric named name, failing t if there is none.
func (tm *telemetry) metric(t testing.TB, name string) metricdata.Metrics {
	t.Helper()
	for _, sm := range tm.collect(t).ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m
			}
		}
	}
	t.Fatalf("no metric %s", name)
	return metricdata.Metrics{}
}

// attrMap returns attributes as a map of their values printed with Emit.
func attrMap(kvs []attribute.KeyValue) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.Emit()
	}
	return m
}

// setMap is attrMap for an attribute set.
func setMap(s attribute.Set) map[string]string { return attrMap(s.ToSlice()) }

// diffMaps describes how got differs from want, or returns "".
func diffMaps(got, want map[string]string) string {
	var d []string
	for k, w := range want {
		if g, ok := got[k]; !ok {
			d = append(d, "missing "+k+"="+w)
		} else if g != w {
			d = append(d, k+"="+g+", want "+w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			d = append(d, "unexpected "+k+"="+g)
		}
	}
	sort.Strings(d)
	return strings.Join(d, "; ")
}

// canned is a base transport that answers every request with the same
// status, headers and body, read and closed like net/http's: it reads and
// closes the request body, and records what it got.
type canned struct {
	status int
	header http.Header
	body   string
	err    error
	got    []*http.Request
	bodies []string
}

func (c *canned) RoundTrip(req *http.Request) (*http.Response, error) {
	c.got = append(c.got, req)
	if req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		req.Body.Close()
		c.bodies = append(c.bodies, string(b))
	}
	if c.err != nil {
		return nil, c.err
	}
	h := c.header
	if h == nil {
		h = http.Header{}
	}
	return &http.Response{
		StatusCode: c.status, Header: h.Clone(), Request: req,
		Body: io.NopCloser(strings.NewReader(c.body)), ContentLength: int64(len(c.body)),
	}, nil
}

// roundTrip sends req through tr and reads and closes the response body.
func roundTrip(t testing.TB, tr http.RoundTripper, req *http.Request) *http.Response {
	t.Helper()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("RoundTrip: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}
