package otelesrt_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/esrt-dev/esrt/contrib/otel/otelesrt"
	"github.com/esrt-dev/esrt/rt"
)

func noopTP() trace.TracerProvider { return tracenoop.NewTracerProvider() }
func noopMP() metric.MeterProvider { return metricnoop.NewMeterProvider() }

// reuse is a base that answers every request with the same response, so
// that what a round trip allocates is the middleware's.
type reuse struct{ resp http.Response }

func (r *reuse) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	return &r.resp, nil
}

// With no-op providers the call layer, the attempt layer and the hooks
// allocate nothing per request.
func TestNoAllocationsWithNoopProviders(t *testing.T) {
	in := otelesrt.New(otelesrt.Config{TracerProvider: noopTP(), MeterProvider: noopMP(), Propagators: propagation.TraceContext{}})
	base := &reuse{resp: http.Response{StatusCode: 200, Body: http.NoBody}}
	tr := rt.Chain(base, in.Middleware(), in.AttemptMiddleware())
	hooks := in.Hooks()
	req, _ := http.NewRequest("POST", "http://es:9200/books/_search", nil)
	node, _ := rt.NewNode("http://es:9200")
	info := rt.AttemptInfo{Request: req, Node: node, Attempt: 1}
	unavailable := http.Response{StatusCode: 503, Body: http.NoBody}
	errRefused := errors.New("connection refused")
	allocs := testing.AllocsPerRun(200, func() {
		resp, err := tr.RoundTrip(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatal(resp, err)
		}
		hooks.AttemptStart(info)
		hooks.AttemptDone(rt.AttemptDoneInfo{AttemptInfo: info, Response: resp})
		hooks.AttemptDone(rt.AttemptDoneInfo{AttemptInfo: info, Response: &unavailable})
		hooks.AttemptDone(rt.AttemptDoneInfo{AttemptInfo: info, Err: errRefused})
		hooks.NodeDown(rt.NodeInfo{Node: node, Err: errRefused})
		hooks.BreakerChange(rt.BreakerInfo{Name: "cluster", From: rt.BreakerClosed, To: rt.BreakerOpen})
		hooks.Retry(rt.RetryInfo{Request: req, Attempt: 2, StatusCode: 503})
		in.RecordBulkItems(context.Background(), "created", 2)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per request, want 0", allocs)
	}
}

// The same with the SDK recording allocates: the test above can fail.
func TestAllocationsWithTheSDK(t *testing.T) {
	tm := newTelemetry(t)
	tr := otelesrt.Middleware(tm.cfg)(&canned{status: 200})
	req, _ := http.NewRequest("POST", "http://es:9200/books/_search", strings.NewReader("{}"))
	allocs := testing.AllocsPerRun(10, func() {
		resp, _ := tr.RoundTrip(req)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	})
	if allocs == 0 {
		t.Error("no allocation with the SDK recording: is anything recorded?")
	}
}
