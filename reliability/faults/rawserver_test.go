package faults_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
)

// A small loopback server that counts what it receives, per case, and
// injects a fault into the first request of each case. A case is named by
// the request's caseHeader, which the tests set.

const caseHeader = "X-Fm-Case"

// counter records, per case, the requests a server received and whether
// each body arrived as sent.
type counter struct {
	mu       sync.Mutex
	received map[string]int
	bodies   map[string][][]byte
}

func newCounter() *counter {
	return &counter{received: map[string]int{}, bodies: map[string][][]byte{}}
}

// add records a request of case c with body b, and returns how many
// requests of c were received, this one included.
func (k *counter) add(c string, b []byte) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.received[c]++
	k.bodies[c] = append(k.bodies[c], b)
	return k.received[c]
}

// get returns the requests received for case c and their bodies.
func (k *counter) get(c string) (int, [][]byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.received[c], k.bodies[c]
}

// rawServer answers every request with 200 {} except the first of each
// case, which meets its fault: a status, or a reset once the request was
// read in full.
type rawServer struct {
	*httptest.Server
	count *counter
	fault fault
}

// startRaw starts a server injecting f and counting into k.
func startRaw(t testing.TB, k *counter, f fault) *rawServer {
	t.Helper()
	s := &rawServer{count: k, fault: f}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *rawServer) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	n := s.count.add(r.Header.Get(caseHeader), body)
	if n > 1 {
		writeJSON(w, 200, `{}`)
		return
	}
	switch s.fault {
	case status429:
		writeJSON(w, 429, `{"error":{"type":"es_rejected_execution_exception","reason":"rejected"},"status":429}`)
	case status502, status503, status504:
		code := statusOf[s.fault]
		writeJSON(w, code, fmt.Sprintf(`{"error":{"type":"fm","reason":"fault"},"status":%d}`, code))
	case resetAfterRead:
		reset(w)
	default:
		writeJSON(w, 200, `{}`)
	}
}

func writeJSON(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	io.WriteString(w, body)
}

// reset closes the request's connection with a TCP reset, without an
// answer.
func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

// deadAddress returns the URL of a loopback port nothing listens on.
func deadAddress(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// intact reports whether every body in got equals want.
func intact(got [][]byte, want []byte) bool {
	for _, b := range got {
		if !bytes.Equal(b, want) {
			return false
		}
	}
	return true
}
