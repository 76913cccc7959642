package esrt

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/rt"
)

// A request that does not only read is never sent again by net/http's
// Transport on its own: when a reused connection breaks after such a
// request was written, net/http would resend a GET whose body it can
// replay, unseen by the retry middleware. Each case warms a keep-alive
// connection with GET /, then sends the request, which the server reads
// and answers with a reset.
func TestUnsafeGetIsNotResentByNetHTTP(t *testing.T) {
	for _, tt := range []struct {
		name, path, body string
		cfg              Config
		wantReason       rt.StopReason
	}{
		{"scroll continuation with a body", "/_search/scroll", `{"scroll":"1m","scroll_id":"abc"}`,
			Config{}, rt.StopMayHaveBeenApplied},
		{"scroll continuation in the path", "/_search/scroll/abc", "", Config{}, rt.StopMayHaveBeenApplied},
		{"enroll mints credentials", "/_security/enroll/kibana", "", Config{}, rt.StopMayHaveBeenApplied},
		{"retries disabled", "/_search/scroll/abc", "", Config{DisableRetry: true}, rt.StopDisabled},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			seen := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				if r.URL.Path == "/" {
					w.Write([]byte(`{}`))
					return
				}
				mu.Lock()
				seen++
				if string(b) != tt.body || len(r.TransferEncoding) > 0 {
					// The request on the wire is the caller's: same body,
					// no chunked encoding of an empty one.
					t.Errorf("received body %q with transfer encoding %q, want %q and none", b, r.TransferEncoding, tt.body)
				}
				mu.Unlock()
				conn, _, _ := http.NewResponseController(w).Hijack()
				conn.(*net.TCPConn).SetLinger(0)
				conn.Close()
			}))
			defer srv.Close()
			cfg := tt.cfg
			cfg.Addresses = []string{srv.URL}
			cfg.RetryBackoff = func(int) time.Duration { return 0 }
			tr := mustNew(t, cfg)
			res, err := get(t, tr, "/")
			if err != nil {
				t.Fatal(err)
			}
			drainClose(res) // the connection goes back to the pool, to be reused
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req, _ := http.NewRequest("GET", "http://es"+tt.path, body)
			res, err = tr.RoundTrip(req)
			if res != nil {
				drainClose(res)
			}
			var re *rt.RetryError
			if !errors.As(err, &re) || re.Reason != tt.wantReason {
				t.Errorf("got %v, want an *rt.RetryError with reason %q", err, tt.wantReason)
			}
			mu.Lock()
			defer mu.Unlock()
			if seen != 1 {
				t.Errorf("the server received the request %d times, want once", seen)
			}
		})
	}
}
