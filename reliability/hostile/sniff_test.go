package hostile_test

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/rt"
)

// sniffCap is the most of a nodes info answer a sniff reads (package
// discovery's cap).
const sniffCap = 32 << 20

// nodesServer answers GET /_nodes/http with nodes and any other request
// with an empty object, one request per connection.
func nodesServer(t *testing.T, nodes func(c *rawConn)) *rawServer {
	return newRawServer(t, nil, func(c *rawConn) {
		req, err := c.readRequest()
		if err != nil {
			return
		}
		if req.URL.Path == "/_nodes/http" {
			nodes(c)
			return
		}
		c.writeString("HTTP/1.1 200 OK\r\n" + jsonHead + "Connection: close\r\nContent-Length: 2\r\n\r\n{}")
	})
}

// sniffVictim builds a transport for srv that sniffs on start, and checks
// that the sniff failed and left srv, the seed, as the only node, which
// then answers a search.
func sniffVictim(t *testing.T, srv *rawServer, cfg esrt.Config) *victim {
	t.Helper()
	cfg.DiscoverNodesOnStart = true
	c := newVictim(t, srv.addr(), cfg)
	st := c.Pool().Status()
	if len(st) != 1 || st[0].Node.URL.Host != srv.addr() {
		t.Errorf("the pool holds %d nodes, want only the seed", len(st))
	}
	if status, _, err := c.get(testContext(t), "/_search"); status != http.StatusOK || err != nil {
		t.Errorf("search: status %d, err = %v", status, err)
	}
	c.clean(t, nil)
	return c
}

// An answer of 100 MiB is refused and the seed stays in use: unread when
// its Content-Length says so; when chunked, read up to the sniff's cap,
// the server stopping soon after. Reading 32 MiB takes seconds under the
// race detector on a busy machine: there the sniff request's timeout, or
// Pool.DiscoverNodesTimeout (2 s here), may end it first, which the log
// says instead.
func TestSniffHugeAnswer(t *testing.T) {
	const size = 100 << 20
	pad := bytes.Repeat([]byte(" "), 32<<10)
	chunk := fmt.Appendf(nil, "%x\r\n%s\r\n", len(pad), pad)
	for _, tt := range []struct {
		name, head string
		chunk      []byte
		written    int64
		reasons    []string
	}{
		{"Content-Length", fmt.Sprintf("Content-Length: %d", size), pad, 0, []string{"response too large"}},
		{"chunked", "Transfer-Encoding: chunked", chunk, sniffCap,
			[]string{"response too large", "deadline exceeded", "Pool.DiscoverNodesTimeout"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := nodesServer(t, func(c *rawConn) {
				c.writeString("HTTP/1.1 200 OK\r\n" + jsonHead + tt.head + "\r\n\r\n")
				for n := 0; n < size; n += len(pad) {
					if c.write(tt.chunk) != nil {
						return
					}
				}
			})
			c := sniffVictim(t, srv, esrt.Config{Pool: esrt.PoolConfig{DiscoverNodesTimeout: 2 * time.Second}})
			logs := c.log.String()
			if !slices.ContainsFunc(tt.reasons, func(r string) bool { return strings.Contains(logs, r) }) {
				t.Errorf("the log does not say %q:\n%s", tt.reasons, logs)
			}
			if strings.Contains(logs, "response too large") && !strings.Contains(logs, fmt.Sprint(sniffCap)) {
				t.Errorf("the log does not name the sniff's cap:\n%s", logs)
			}
			c.Close()
			srv.quiet()
			if w := srv.written.Load(); w > tt.written+socketSlack() {
				t.Errorf("the server wrote %d bytes; want at most %d", w, tt.written+socketSlack())
			}
		})
	}
}

// An answer nested 100 000 levels deep does not parse (encoding/json stops
// at 10 000); the seed stays in use.
func TestSniffDeeplyNestedAnswer(t *testing.T) {
	const depth = 100_000
	body := `{"nodes":{"x":{"http":{"publish_address":"127.0.0.1:1"},"deep":` +
		strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}}}`
	srv := nodesServer(t, func(c *rawConn) {
		c.writeString(fmt.Sprintf("HTTP/1.1 200 OK\r\n%sContent-Length: %d\r\n\r\n%s", jsonHead, len(body), body))
	})
	c := sniffVictim(t, srv, esrt.Config{})
	if !strings.Contains(c.log.String(), "exceeded max depth") {
		t.Errorf("the log does not say why the answer was refused:\n%s", c.log.String())
	}
}

// closedPort returns a loopback port that nothing listens on.
func closedPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// hostCounter is an attempt middleware that counts the requests to each
// host, the sniffer's included.
type hostCounter struct {
	mu    sync.Mutex
	hosts map[string]int
}

func (h *hostCounter) middleware(next http.RoundTripper) http.RoundTripper {
	return rt.Func(func(req *http.Request) (*http.Response, error) {
		h.mu.Lock()
		h.hosts[req.URL.Host]++
		h.mu.Unlock()
		return next.RoundTrip(req)
	})
}

// An answer that lists thousands of nodes no one can reach leaves the seed
// in use: under MaxNodes, after asking three of them; over it, asking
// none.
func TestSniffThousandsOfUnreachableNodes(t *testing.T) {
	for _, tt := range []struct {
		nodes  int
		asked  int
		reason string
	}{
		{4000, 3, "published addresses do not answer"},
		{6000, 0, "more nodes than MaxNodes"},
	} {
		t.Run(fmt.Sprint(tt.nodes), func(t *testing.T) {
			port := closedPort(t)
			var b strings.Builder
			b.WriteString(`{"nodes":{`)
			for i := range tt.nodes {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `"n%d":{"name":"n%d","roles":["data"],"http":{"publish_address":"127.0.%d.%d:%d"}}`,
					i, i, i/250, i%250+2, port)
			}
			b.WriteString(`}}`)
			body := b.String()
			srv := nodesServer(t, func(c *rawConn) {
				c.writeString(fmt.Sprintf("HTTP/1.1 200 OK\r\n%sContent-Length: %d\r\n\r\n%s", jsonHead, len(body), body))
			})
			counter := &hostCounter{hosts: map[string]int{}}
			c := sniffVictim(t, srv, esrt.Config{AttemptMiddleware: []rt.Middleware{counter.middleware}})
			if !strings.Contains(c.log.String(), tt.reason) {
				t.Errorf("the log does not say %q:\n%s", tt.reason, c.log.String())
			}
			counter.mu.Lock()
			defer counter.mu.Unlock()
			if asked := len(counter.hosts) - 1; asked != tt.asked {
				t.Errorf("asked %d of the listed nodes, want %d", asked, tt.asked)
			}
		})
	}
}

// A node that stalls its nodes info answer holds esrt.New only until
// Pool.DiscoverNodesTimeout, which a Warn line names; the seed stays in
// use.
func TestSniffStallingAnswer(t *testing.T) {
	srv := nodesServer(t, func(c *rawConn) {
		c.writeString("HTTP/1.1 200 OK\r\n" + jsonHead + "Content-Length: 1000\r\n\r\n{\"nodes\":")
		c.stall()
	})
	c := sniffVictim(t, srv, esrt.Config{Pool: esrt.PoolConfig{DiscoverNodesTimeout: 300 * time.Millisecond}})
	if w := warnings(c.log.String()); len(w) != 1 || !strings.Contains(w[0], "Pool.DiscoverNodesTimeout") {
		t.Errorf("want one warning naming Pool.DiscoverNodesTimeout, got:\n%s", c.log.String())
	}
	c.Close()
	srv.quiet()
}

// warnings returns the Warn lines of a text log.
func warnings(logs string) []string {
	var out []string
	for line := range strings.Lines(logs) {
		if strings.Contains(line, "level=WARN") {
			out = append(out, line)
		}
	}
	return out
}
