package otelesrt_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/esrt-dev/esrt/contrib/otel/otelesrt"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/rt/rttest"
)

// Both layers keep the RoundTripper contract, recording or not, for a
// search (the kit's default request, with query capture on) and a _bulk
// (both observe the request body).
func TestConformance(t *testing.T) {
	tm := newTelemetry(t)
	capture := tm.cfg
	capture.CaptureQueryText = true
	bulk := rttest.Config{NewRequest: func(ctx context.Context, body io.Reader) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, "POST", "http://elastic:changeme@es.invalid:9200/_bulk", body)
	}, Body: []byte(threeActions)}
	noop := otelesrt.Config{TracerProvider: noopTP(), MeterProvider: noopMP()}

	t.Run("call", func(t *testing.T) { rttest.Run(t, otelesrt.Middleware(capture)) })
	t.Run("call bulk", func(t *testing.T) { bulk.Run(t, otelesrt.Middleware(tm.cfg)) })
	t.Run("call noop", func(t *testing.T) { rttest.Run(t, otelesrt.Middleware(noop)) })
	t.Run("attempt", func(t *testing.T) { rttest.Run(t, otelesrt.New(tm.cfg).AttemptMiddleware()) })
	t.Run("attempt with its span", func(t *testing.T) {
		in := otelesrt.New(tm.cfg)
		rttest.Run(t, func(next http.RoundTripper) http.RoundTripper {
			return router(tm, in.Hooks(), in.AttemptMiddleware()(next))
		})
	})
	if len(tm.spans()) == 0 {
		t.Error("the kit's requests left no span")
	}
}

// router stands in for esrt's: it sends each request as one attempt,
// under a call span, calling the attempt hooks around it as esrt's router
// does, with a request of its own that keeps the caller's URL.
func router(tm *telemetry, hooks *rt.Hooks, next http.RoundTripper) http.RoundTripper {
	return &standIn{tm: tm, hooks: hooks, next: next}
}

type standIn struct {
	tm    *telemetry
	hooks *rt.Hooks
	next  http.RoundTripper
}

func (r *standIn) CloseIdleConnections() { rt.CloseIdleConnections(r.next) }

func (r *standIn) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, span := r.tm.tp.Tracer("test").Start(req.Context(), "call")
	defer span.End()
	out := req.WithContext(ctx)
	info := rt.AttemptInfo{Request: out, Attempt: 1}
	r.hooks.AttemptStart(info)
	resp, err := r.next.RoundTrip(out)
	r.hooks.AttemptDone(rt.AttemptDoneInfo{AttemptInfo: info, Response: resp, Err: err})
	return resp, err
}
