package bench

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// node is a plain loopback server standing in for one Elasticsearch node,
// with switches for the failures of the scenario benchmarks: a delay, an
// error status, a connection reset before or after the body is read (and,
// for a write, applied), and death (its listener and connections closed)
// and revival on the same port. It answers every request with a small
// search response; a write (a body that holds `"n":<number>`) is counted
// per number, so that a write applied twice shows as a duplicate. It does
// not depend on estest, so the measurements are the clients' alone.
type node struct {
	addr string
	srv  *http.Server

	mu   sync.Mutex
	ln   net.Listener
	dead bool

	delay      atomic.Int64 // nanoseconds before answering
	status     atomic.Int64 // 0: 200
	resetEvery atomic.Int64 // 0: never; k: every k-th request is reset
	resetAfter atomic.Bool  // reset after reading and applying the body (else before)

	requests atomic.Int64 // requests received (read or not)
	newConns atomic.Int64 // connections accepted
	conns    sync.Map     // net.Conn -> struct{}, the open ones
	applied  sync.Map     // n -> *atomic.Int64, writes applied
}

// The response of every node: a search response, with the product header
// go-elasticsearch's product check wants.
var nodeBody = []byte(cannedBody)

// newNode starts a node on a free loopback port; tb stops it.
func newNode(tb testing.TB) *node {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	n := &node{addr: ln.Addr().String(), ln: ln}
	n.srv = &http.Server{Handler: n, ReadHeaderTimeout: 10 * time.Second, ConnState: n.connState}
	go n.srv.Serve(ln)
	tb.Cleanup(n.stop)
	return n
}

// newNodes starts count nodes and returns them with their URLs.
func newNodes(tb testing.TB, count int) ([]*node, []string) {
	ns := make([]*node, count)
	urls := make([]string, count)
	for i := range ns {
		ns[i] = newNode(tb)
		urls[i] = "http://" + ns[i].addr
	}
	return ns, urls
}

func (n *node) stop() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.dead = true
	n.srv.Close()
}

// kill closes the node's listener and every connection: new connections
// are refused until revive.
func (n *node) kill() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.dead {
		return
	}
	n.dead = true
	n.ln.Close()
	// Close the open connections too; Serve returns, and the server is
	// kept for the next listener (Shutdown and Close would end it).
	n.conns.Range(func(k, _ any) bool {
		k.(net.Conn).Close()
		return true
	})
}

func (n *node) connState(c net.Conn, s http.ConnState) {
	switch s {
	case http.StateNew:
		n.newConns.Add(1)
		n.conns.Store(c, struct{}{})
	case http.StateClosed, http.StateHijacked:
		n.conns.Delete(c)
	}
}

// revive listens on the node's address again.
func (n *node) revive(tb testing.TB) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.dead {
		return
	}
	var ln net.Listener
	var err error
	for range 100 { // the port may take a moment to be free
		if ln, err = net.Listen("tcp", n.addr); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		tb.Fatalf("revive %s: %v", n.addr, err)
	}
	n.ln, n.dead = ln, false
	go n.srv.Serve(ln)
}

func (n *node) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k := n.requests.Add(1)
	if every := n.resetEvery.Load(); every > 0 && k%every == 0 {
		if n.resetAfter.Load() {
			n.apply(r)
		}
		reset(w)
		return
	}
	n.apply(r)
	if d := n.delay.Load(); d > 0 {
		time.Sleep(time.Duration(d))
	}
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["X-Elastic-Product"] = []string{"Elasticsearch"}
	if s := n.status.Load(); s != 0 {
		w.WriteHeader(int(s))
		io.WriteString(w, `{"error":{"type":"unavailable"},"status":`+strconv.Itoa(int(s))+`}`)
		return
	}
	w.Write(nodeBody)
}

// apply reads the body and counts the write it holds, if any.
func (n *node) apply(r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	i := bytes.Index(body, []byte(`"n":`))
	if i < 0 {
		return
	}
	end := i + 4
	for end < len(body) && body[end] >= '0' && body[end] <= '9' {
		end++
	}
	v, err := strconv.Atoi(string(body[i+4 : end]))
	if err != nil {
		return
	}
	c, _ := n.applied.LoadOrStore(v, new(atomic.Int64))
	c.(*atomic.Int64).Add(1)
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

// duplicates returns how many writes the nodes applied more than once, and
// how many distinct writes they applied.
func duplicates(nodes []*node) (dup, distinct int) {
	counts := map[int]int64{}
	for _, n := range nodes {
		n.applied.Range(func(k, v any) bool {
			counts[k.(int)] += v.(*atomic.Int64).Load()
			return true
		})
	}
	for _, c := range counts {
		dup += int(c - 1)
	}
	return dup, len(counts)
}
