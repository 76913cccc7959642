package esrt

import (
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/rt"
)

// connCounter is a loopback server that counts its open connections.
type connCounter struct {
	*httptest.Server
	open atomic.Int32
}

// newConnCounter starts a plain HTTP/1.1 server, or with h2 a TLS server
// that speaks HTTP/2, whose CA certificate it returns.
func newConnCounter(t *testing.T, h2 bool, h http.HandlerFunc) (*connCounter, []byte) {
	t.Helper()
	s := &connCounter{Server: httptest.NewUnstartedServer(h)}
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			s.open.Add(1)
		case http.StateClosed, http.StateHijacked:
			s.open.Add(-1)
		}
	}
	var caCert []byte
	if h2 {
		s.EnableHTTP2 = true
		s.StartTLS()
		caCert = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s, caCert
}

// waitFor polls cond for a few seconds: connections close and goroutines
// end asynchronously, but promptly, after Close.
func waitFor(cond func() bool) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// Requests in flight at Close get their answer, but their retries start no
// attempt, and every connection is closed once their bodies are: none is
// left idle in the closed pool, and no goroutine is left behind. Over
// HTTP/2, a connection busy at Close is closed when its last stream ends.
func TestCloseWithRequestsInFlight(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		t.Run(map[bool]string{false: "HTTP/1.1", true: "HTTP/2"}[h2], func(t *testing.T) { testCloseWithRequestsInFlight(t, h2) })
	}
}

func testCloseWithRequestsInFlight(t *testing.T, h2 bool) {
	const transports = 10
	arrived := make(chan struct{}, transports)
	release := make(chan struct{})
	var requests atomic.Int32
	srv, caCert := newConnCounter(t, h2, func(w http.ResponseWriter, r *http.Request) {
		if h2 != (r.ProtoMajor == 2) {
			t.Errorf("request over %s", r.Proto)
		}
		if requests.Add(1) <= transports {
			arrived <- struct{}{}
			<-release
		}
		w.WriteHeader(http.StatusServiceUnavailable) // retried, if retries were allowed
		w.Write([]byte(`{"error":"unavailable"}`))
	})
	before := runtime.NumGoroutine()

	trs := make([]*Transport, transports)
	errs := make([]error, transports)
	var wg sync.WaitGroup
	for i := range trs {
		tr, err := New(Config{Addresses: []string{srv.URL}, CACert: caCert, RetryBackoff: func(int) time.Duration { return 0 }})
		if err != nil {
			t.Fatal(err)
		}
		trs[i] = tr
		wg.Go(func() {
			res, err := get(t, tr, "/_search")
			if err == nil {
				io.Copy(io.Discard, res.Body) // as a client does: that keeps the connection
				res.Body.Close()
			}
			errs[i] = err
		})
	}
	for range transports {
		<-arrived
	}
	for _, tr := range trs {
		tr.Close()
	}
	close(release)
	wg.Wait()

	for i, err := range errs {
		var local *rt.LocalError
		if !errors.Is(err, ErrClosed) || !errors.As(err, &local) {
			t.Errorf("request %d: %v, want an rt.LocalError wrapping ErrClosed", i, err)
		}
	}
	if n := requests.Load(); n != transports {
		t.Errorf("the server got %d requests, want %d: attempts started after Close", n, transports)
	}
	if !waitFor(func() bool { return srv.open.Load() == 0 }) {
		t.Errorf("%d connections still open after Close", srv.open.Load())
	}
	if !waitFor(func() bool { return runtime.NumGoroutine() <= before }) {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines after Close, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
	}
}

// Close reaches the base transport through a middleware that does not
// forward CloseIdleConnections, such as an rt.Func.
func TestCloseThroughFuncMiddleware(t *testing.T) {
	srv, _ := newConnCounter(t, false, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{}`)) })
	tr, err := New(Config{
		Addresses: []string{srv.URL},
		Middleware: []rt.Middleware{func(next http.RoundTripper) http.RoundTripper {
			return rt.Func(next.RoundTrip)
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := get(t, tr, "/")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body) // read to the end: the connection stays open, idle
	res.Body.Close()
	if srv.open.Load() != 1 {
		t.Fatalf("%d connections open, want the one that served the request", srv.open.Load())
	}
	tr.Close()
	if !waitFor(func() bool { return srv.open.Load() == 0 }) {
		t.Fatalf("%d connections still open after Close", srv.open.Load())
	}
}

// An attempt refused after Close reaches no layer below the guard and is
// nobody's failure: the node stays healthy.
func TestAttemptAfterCloseIsLocal(t *testing.T) {
	var calls atomic.Int32
	var tr *Transport
	tr = mustNew(t, Config{
		Addresses:    []string{"http://es1:9200", "http://es2:9200"},
		RetryBackoff: func(int) time.Duration { return 0 },
		Transport: rt.Func(func(req *http.Request) (*http.Response, error) {
			calls.Add(1)
			tr.Close() // the request is in flight at Close
			return nil, errors.New("connection reset by peer")
		}),
	})
	_, err := get(t, tr, "/_search")
	var local *rt.LocalError
	if !errors.Is(err, ErrClosed) || !errors.As(err, &local) || calls.Load() != 1 {
		t.Fatalf("error %v after %d attempts, want one attempt, then an rt.LocalError wrapping ErrClosed", err, calls.Load())
	}
	dead := 0
	for _, st := range tr.Pool().Status() {
		if st.Dead || st.Failures > 0 {
			dead++
		}
	}
	if dead != 1 {
		t.Fatalf("%d nodes marked down, want only the one whose attempt failed: %+v", dead, tr.Pool().Status())
	}
}
