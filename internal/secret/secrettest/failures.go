package secrettest

import (
	_ "embed"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// A Failure is what a request meets at a node. Bad configuration, the
// failure of New rather than of a request, is each matrix's own: what is
// bad depends on what is configured.
type Failure string

// The failures every matrix produces, on loopback.
const (
	OK        Failure = "ok"                 // 200, the baseline: the credential reaches the node
	Refused   Failure = "connection refused" // a closed port
	TLS       Failure = "TLS failure"        // a self-signed https server, no CACert
	Status401 Failure = "401"                // Elasticsearch's missing-credentials answer
	Status403 Failure = "403"                // OpenSearch's no-permissions answer
	Status503 Failure = "503 retried"        // retried, then returned
	Reset     Failure = "connection reset"   // the connection closes before any answer
	Timeout   Failure = "timeout"            // the node never answers; the caller's deadline ends it
)

// Failures lists every Failure, in order.
var Failures = []Failure{OK, Refused, TLS, Status401, Status403, Status503, Reset, Timeout}

var (
	//go:embed testdata/error_401_security_exception_es8.json
	body401 []byte
	//go:embed testdata/error_403_security_exception_os.json
	body403 []byte
	//go:embed testdata/search_plain_hits_es.json
	bodySearch []byte
)

// A Node is a loopback node that fails as its Failure says.
type Node struct {
	// URL is the node's address: http://127.0.0.1:port, https:// for TLS.
	URL string

	// Status is the status the caller gets, or 0 when it gets an error.
	Status int

	// Auth receives the Authorization header of every request the node
	// answers (buffered; requests beyond its capacity are not reported).
	Auth chan string
}

// Start starts a node that fails with f, closed when t ends. For Timeout
// the node holds every request until its client goes away: the caller
// must set a deadline.
func Start(t testing.TB, f Failure) *Node {
	t.Helper()
	n := &Node{Auth: make(chan string, 16)}
	if f == Refused {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		n.URL = "http://" + l.Addr().String()
		l.Close()
		return n
	}
	status, body := http.StatusOK, bodySearch
	switch f {
	case Status401:
		status, body = http.StatusUnauthorized, body401
	case Status403:
		status, body = http.StatusForbidden, body403
	case Status503:
		status, body = http.StatusServiceUnavailable, []byte(`{"error":"unavailable","status":503}`)
	}
	h := func(w http.ResponseWriter, r *http.Request) {
		select {
		case n.Auth <- r.Header.Get("Authorization"):
		default:
		}
		// Reading the body to its end lets the server see the client go
		// away, which ends the request's context.
		io.Copy(io.Discard, r.Body)
		switch f {
		case Timeout:
			<-r.Context().Done()
			return
		case Reset:
			if c, _, err := w.(http.Hijacker).Hijack(); err == nil {
				c.Close()
			}
			return
		case Status401:
			w.Header().Set("WWW-Authenticate", `Basic realm="security", charset="UTF-8"`)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		w.WriteHeader(status)
		w.Write(body)
	}
	var srv *httptest.Server
	if f == TLS {
		srv = httptest.NewUnstartedServer(http.HandlerFunc(h))
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake errors are the point
		srv.StartTLS()
	} else {
		srv = httptest.NewServer(http.HandlerFunc(h))
	}
	t.Cleanup(srv.Close)
	n.URL = srv.URL
	if f != TLS && f != Timeout && f != Reset {
		n.Status = status
	}
	return n
}
