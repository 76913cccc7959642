package hostile_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/esrt-dev/esrt"
)

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
