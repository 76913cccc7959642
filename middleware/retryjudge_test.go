package middleware

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/esrt-dev/esrt/endpoint"
	"github.com/esrt-dev/esrt/rt"
)

// TestPermanent: each class of error that no retry can fix is found with
// errors.Is or errors.As, also wrapped, and nothing else is permanent.
func TestPermanent(t *testing.T) {
	plain := func() *http.Request {
		req, _ := http.NewRequest("GET", "http://es/idx/_search", nil)
		return req
	}
	routed := func() *http.Request { // the router fills scheme and host
		req, _ := http.NewRequest("GET", "/idx/_search", nil)
		return req
	}
	withHeader := func(k, v string) func() *http.Request {
		return func() *http.Request {
			req := plain()
			req.Header[k] = []string{v}
			return req
		}
	}
	withTrailer := func() *http.Request {
		req := plain()
		req.Trailer = http.Header{"X-Sum": {"a\r\nb"}}
		return req
	}
	withMethod := func() *http.Request {
		req := plain()
		req.Method = "GET /x"
		return req
	}
	withScheme := func() *http.Request {
		req, _ := http.NewRequest("GET", "ftp://es/idx/_search", nil)
		return req
	}
	reset := &netOpError{op: "read", err: syscall.ECONNRESET}
	wrap := func(err error) error { return fmt.Errorf("esrt: a hint: %w", err) }
	urlErr := func(err error) error { return &url.Error{Op: "Get", URL: "http://es/", Err: err} }
	tests := []struct {
		name string
		req  func() *http.Request
		err  error
		want bool
	}{
		{"local error", plain, &rt.LocalError{Err: errNoCredentials}, true},
		{"wrapped local error", plain, &rt.AttemptError{Attempt: 1, Err: &rt.LocalError{Err: errNoCredentials}}, true},
		{"certificate verification", plain, &tls.CertificateVerificationError{Err: errors.New("x")}, true},
		{"unknown authority", plain, urlErr(x509.UnknownAuthorityError{}), true},
		{"hostname", plain, wrap(x509.HostnameError{Host: "es"}), true},
		{"certificate invalid", plain, wrap(x509.CertificateInvalidError{Reason: x509.Expired}), true},
		{"fingerprint", plain, wrap(rt.ErrFingerprintMismatch), true},
		{"https to plain http", plain, urlErr(tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}), true},
		{"scheme mismatch", plain, wrap(http.ErrSchemeMismatch), true},
		{"header value with a line break", withHeader("X-Key", "a\nb"), errors.New("net/http: invalid header field value for \"X-Key\""), true},
		{"header name not a token", withHeader("X Key", "v"), errors.New("net/http: invalid header field name"), true},
		{"trailer value with a line break", withTrailer, errors.New("net/http: invalid trailer"), true},
		{"method not a token", withMethod, errors.New("net/http: invalid method"), true},
		{"unsupported scheme", withScheme, errors.New("unsupported protocol scheme \"ftp\""), true},
		{"connection reset", plain, reset, false},
		{"connection reset in a url.Error", plain, urlErr(reset), false},
		{"connection refused", plain, refused, false},
		{"no scheme before routing", routed, reset, false},
		{"attempt timeout", plain, wrap(context.DeadlineExceeded), false},
		{"cancelled below", plain, context.Canceled, false},
		{"unexpected EOF", plain, io.ErrUnexpectedEOF, false},
		{"open breaker", plain, wrap(rt.ErrBreakerOpen), false},
		{"no node", plain, rt.ErrNoNode, false},
		{"no longer a message match: redirects", plain, errors.New("stopped after 10 redirects"), false},
	}
	for _, tt := range tests {
		if got := permanent(tt.req(), tt.err); got != tt.want {
			t.Errorf("%s: permanent = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestRetryNeverRetriesUnsendable: a request that net/http refuses to send
// whatever the node is not retried.
func TestRetryNeverRetriesUnsendable(t *testing.T) {
	base := &http.Transport{} // refuses before dialing
	t.Cleanup(base.CloseIdleConnections)
	tests := []struct {
		name string
		req  func() *http.Request
	}{
		{"header value with a line break", func() *http.Request {
			req, _ := http.NewRequest("GET", "http://127.0.0.1:1/", nil)
			req.Header.Set("X-Key", "a\nb")
			return req
		}},
		{"unsupported scheme", func() *http.Request {
			req, _ := http.NewRequest("GET", "ftp://127.0.0.1:1/", nil)
			return req
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			counting := rt.Func(func(req *http.Request) (*http.Response, error) {
				calls.Add(1)
				return base.RoundTrip(req)
			})
			_, err := mustRetry(t, RetryConfig{Backoff: noWait})(counting).RoundTrip(tt.req())
			var re *rt.RetryError
			if !errors.As(err, &re) || re.Reason != rt.StopPermanent {
				t.Errorf("error %v, want an *rt.RetryError with reason %v", err, rt.StopPermanent)
			}
			if n := calls.Load(); n != 1 {
				t.Errorf("%d attempts, want 1", n)
			}
		})
	}
}

// TestRetryJudgesEndpointInContext: the endpoint a request's context
// carries (endpoint.NewContext) decides whether the request is sent again,
// over what the table says of its method and path.
func TestRetryJudgesEndpointInContext(t *testing.T) {
	read := endpoint.Endpoint{ID: "search", Safety: endpoint.ReadOnly}
	unsafe := endpoint.Endpoint{ID: "index", Safety: endpoint.Unsafe}
	bulk := endpoint.Endpoint{ID: "bulk", Safety: endpoint.IdempotentWithIDs, NDJSON: true}
	withIDs := "{\"index\":{\"_id\":\"1\"}}\n{}\n"
	tests := []struct {
		name         string
		method, path string
		body         string
		in           endpoint.Endpoint
		first        outcome
		wantAttempts int
		wantReason   rt.StopReason
	}{
		// The table calls POST /idx/_doc an auto-id index: unsafe.
		{"unsafe path, read-only in the context: retried", "POST", "/idx/_doc", `{"a":1}`, read, outcome{err: reset, written: true}, 2, 0},
		// The table calls GET /idx/_search a read.
		{"read path, unsafe in the context: not retried", "GET", "/idx/_search", "", unsafe, outcome{err: reset, written: true}, 1, rt.StopMayHaveBeenApplied},
		{"read path, unsafe in the context: retried when refused", "GET", "/idx/_search", "", unsafe,
			outcome{err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}, 2, 0},
		{"read path, unsafe in the context: not retried after a 503", "GET", "/idx/_search", "", unsafe, outcome{status: 503}, 1, 0},
		// The table does not know POST /_custom/ingest: unsafe by method.
		{"unknown path, bulk in the context: judged by its body", "POST", "/_custom/ingest", withIDs, bulk, outcome{err: reset, written: true}, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := &script{outcomes: []outcome{tt.first, {status: 200}}}
			ctx := endpoint.NewContext(context.Background(), endpoint.Call{Endpoint: tt.in})
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			res, err := do(t, mustRetry(t, RetryConfig{Backoff: noWait})(base), tt.method, tt.path, body, ctx)
			if res != nil {
				res.Body.Close()
			}
			if got := base.count(); got != tt.wantAttempts {
				t.Fatalf("%d attempts, want %d (err %v)", got, tt.wantAttempts, err)
			}
			var re *rt.RetryError
			switch {
			case tt.wantAttempts == 1 && tt.first.err != nil:
				if !errors.As(err, &re) || re.Reason != tt.wantReason {
					t.Errorf("error %v, want an *rt.RetryError with reason %v", err, tt.wantReason)
				}
			case tt.wantAttempts == 1:
				if err != nil || res.StatusCode != tt.first.status {
					t.Errorf("got %v, %v; want the attempt's response", res, err)
				}
			}
		})
	}
}

// TestHedgeJudgesEndpointInContext: the endpoint a request's context
// carries decides whether it is hedged, and names its latency record.
func TestHedgeJudgesEndpointInContext(t *testing.T) {
	tests := []struct {
		name         string
		method, path string
		in           endpoint.Endpoint
		wantAttempts int
	}{
		{"write path, read-only in the context: hedged", "POST", "/idx/_doc", endpoint.Endpoint{ID: "knn_search", Safety: endpoint.ReadOnly}, 2},
		{"read path, unsafe in the context: not hedged", "GET", "/idx/_search", endpoint.Endpoint{ID: "sql.query", Safety: endpoint.Unsafe}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				base := &hedgeBase{primary: hedgeStep{after: time.Second, status: 200}, hedge: hedgeStep{after: time.Millisecond, status: 200}}
				ht := mustHedge(t, HedgeConfig{Delay: 100 * time.Millisecond, MinSamples: 1, Budget: unlimitedBudget(t)})(base).(*hedgeTransport)
				ctx := endpoint.NewContext(t.Context(), endpoint.Call{Endpoint: tt.in})
				req, _ := http.NewRequestWithContext(ctx, tt.method, "http://es"+tt.path, strings.NewReader(`{}`))
				res, err := ht.RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if calls, _ := base.snapshot(); len(calls) != tt.wantAttempts {
					t.Fatalf("%d attempts, want %d", len(calls), tt.wantAttempts)
				}
				if tt.wantAttempts == 2 && ht.ops.get(tt.in.ID).seen.Load() != 1 {
					t.Errorf("the context's endpoint %q has no latency sample", tt.in.ID)
				}
			})
		})
	}
}
