package hostile_test

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	// maxConns bounds the connections one server accepts: no case needs
	// more, and a client that kept reconnecting would fail the test
	// instead of looping.
	maxConns = 64
	// maxWrite bounds what an endless producer writes on one connection.
	// It is far above every cap the tests configure: reaching it means
	// the client kept reading.
	maxWrite = 1 << 30
	// patience bounds the wait for a server to see its client go away. It
	// is no speed requirement: only a client that never lets go reaches it.
	patience = 30 * time.Second
)

// rawServer is a loopback TCP server that answers every connection with a
// hand-written function, and records what it received and wrote.
type rawServer struct {
	t        *testing.T
	ln       net.Listener
	serve    func(c *rawConn)
	written  atomic.Int64 // bytes written, all connections
	handlers atomic.Int32 // connection handlers running
	wg       sync.WaitGroup

	mu    sync.Mutex
	conns []net.Conn
	reqs  []*http.Request // the requests read, bodies drained
	hit   bool            // a producer reached maxWrite
}

// rawConn is one accepted connection.
type rawConn struct {
	net.Conn
	r   *bufio.Reader
	srv *rawServer
}

// newRawServer starts a loopback server; with tlsCfg, a TLS one.
func newRawServer(t *testing.T, tlsCfg *tls.Config, serve func(c *rawConn)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{t: t, ln: ln, serve: serve}
	s.wg.Add(1)
	go s.accept(tlsCfg)
	t.Cleanup(s.close)
	return s
}

func (s *rawServer) accept(tlsCfg *tls.Config) {
	defer s.wg.Done()
	for range maxConns {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetWriteBuffer(64 << 10) // keep what the kernel holds small
		}
		if tlsCfg != nil {
			c = tls.Server(c, tlsCfg)
		}
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		s.wg.Add(1)
		s.handlers.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.handlers.Add(-1)
			defer c.Close()
			s.serve(&rawConn{Conn: c, r: bufio.NewReader(c), srv: s})
		}()
	}
}

// close stops the server and every connection, and waits for the
// handlers.
func (s *rawServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// addr is the server's host:port.
func (s *rawServer) addr() string { return s.ln.Addr().String() }

// requests returns the requests read so far.
func (s *rawServer) requests() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.reqs...)
}

// quiet waits until every connection's handler has returned, with the
// listener still open; it fails the test after patience. Endless
// producers return when a write fails: when the client went away.
func (s *rawServer) quiet() {
	s.t.Helper()
	for deadline := time.Now().Add(patience); s.handlers.Load() > 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			s.t.Fatalf("the server still writes after %v: the client did not let go", patience)
		}
	}
	if s.reachedMax() {
		s.t.Fatalf("a producer wrote %d bytes on one connection: the client kept reading", maxWrite)
	}
}

func (s *rawServer) reachedMax() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hit
}

// readRequest reads one request and drains its body.
func (c *rawConn) readRequest() (*http.Request, error) {
	req, err := http.ReadRequest(c.r)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, req.Body)
	req.Body.Close()
	c.srv.mu.Lock()
	c.srv.reqs = append(c.srv.reqs, req)
	c.srv.mu.Unlock()
	return req, nil
}

// write writes p, counting the bytes that went out.
func (c *rawConn) write(p []byte) error {
	n, err := c.Conn.Write(p)
	c.srv.written.Add(int64(n))
	return err
}

// writeString writes s.
func (c *rawConn) writeString(s string) error { return c.write([]byte(s)) }

// repeat writes chunk again and again until a write fails (the client
// went away) or maxWrite bytes went out, which it records.
func (c *rawConn) repeat(chunk []byte) {
	for n := 0; n < maxWrite; n += len(chunk) {
		if c.write(chunk) != nil {
			return
		}
	}
	c.srv.mu.Lock()
	c.srv.hit = true
	c.srv.mu.Unlock()
}

// stall blocks until the client closes the connection (or the server is
// closed), reading and discarding what comes.
func (c *rawConn) stall() {
	io.Copy(io.Discard, c.r)
}

// socketSlack is what the kernel may hold between the two ends of a
// loopback connection, on top of what the client read: the largest send
// and receive buffers that autotuning may reach (Linux's tcp_wmem and
// tcp_rmem maxima), or 64 MiB where they cannot be read.
func socketSlack() int64 {
	var sum int64
	for _, f := range []string{"/proc/sys/net/ipv4/tcp_rmem", "/proc/sys/net/ipv4/tcp_wmem"} {
		b, err := os.ReadFile(f)
		fields := strings.Fields(string(b))
		if err != nil || len(fields) != 3 {
			return 64 << 20
		}
		n, err := strconv.ParseInt(fields[2], 10, 64)
		if err != nil {
			return 64 << 20
		}
		sum += n
	}
	return sum + 1<<20 // and framing: chunk headers, HTTP heads
}
