package middleware

import (
	"errors"
	"net/http"
	"net/http/httptrace"
	"strings"
	"syscall"
	"testing"

	"github.com/esrt-dev/esrt/rt"
)

// An attempt whose writing failed before the request's last byte reached
// no server in full, so even an operation that is not safe to repeat (an
// index request with an automatic id) is retried; one whose writing
// succeeded before the connection broke is not.
func TestRetryAfterFailedWrite(t *testing.T) {
	reset := &netError{syscall.ECONNRESET}
	for _, tt := range []struct {
		name       string
		writeErr   error // what httptrace's WroteRequest reports
		wantStatus int
		wantCalls  int
	}{
		{"write failed", reset, 200, 2},
		{"written, then the connection broke", nil, 0, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			next := rt.Func(func(req *http.Request) (*http.Response, error) {
				calls++
				if calls > 1 {
					return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
				}
				trace := httptrace.ContextClientTrace(req.Context())
				trace.WroteHeaders()
				if trace.WroteRequest != nil {
					trace.WroteRequest(httptrace.WroteRequestInfo{Err: tt.writeErr})
				}
				return nil, reset
			})
			tr := mustRetry(t, RetryConfig{Backoff: noWait})(next)
			req, _ := http.NewRequest("POST", "http://es/logs/_doc", strings.NewReader(`{"n":1}`))
			res, err := tr.RoundTrip(req)
			var re *rt.RetryError
			switch {
			case tt.wantStatus != 0 && (err != nil || res.StatusCode != tt.wantStatus):
				t.Errorf("got %v, want status %d", err, tt.wantStatus)
			case tt.wantStatus == 0 && (!errors.As(err, &re) || re.Reason != rt.StopMayHaveBeenApplied):
				t.Errorf("got %v, want an *rt.RetryError: may have been applied", err)
			}
			if calls != tt.wantCalls {
				t.Errorf("%d attempts, want %d", calls, tt.wantCalls)
			}
		})
	}
}

// netError is a connection error as net/http returns it after a write.
type netError struct{ err error }

func (e *netError) Error() string { return "write tcp: " + e.err.Error() }
func (e *netError) Unwrap() error { return e.err }
