package estest

import (
	"crypto/tls"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
)

// Node is one cluster member with its own loopback listener. Its fault
// injection methods are safe to call at any time, also while requests run;
// each affects requests that arrive afterwards (Unhang, Kill and Close also
// release requests already waiting).
type Node struct {
	c     *Cluster
	index int
	name  string
	id    string
	roles []string
	attrs map[string]string
	addr  string // 127.0.0.1:port, kept across Kill and Revive
	url   string

	mu     sync.Mutex
	life   *life // nil while killed
	faults faults

	inFlight atomic.Int64
	conns    conns
	log      requestLog
}

// life is one listening period of a node, from Start or Revive to Kill.
type life struct {
	srv    *http.Server
	killed chan struct{}  // closed by Kill; releases this life's requests
	done   chan struct{}  // closed when Serve returned
	conns  sync.WaitGroup // this life's connections not yet closed
}

// defaultRolesES are the roles of a default Elasticsearch 8 node (the 8.0
// fixture's).
func defaultRolesES() []string {
	return []string{"data", "data_cold", "data_content", "data_frozen", "data_hot", "data_warm",
		"ingest", "master", "ml", "remote_cluster_client", "transform"}
}

func (c *Cluster) newNode(i int, nc NodeConfig) (*Node, error) {
	n := &Node{c: c, index: i, name: nc.Name, id: randomID(16)}
	if n.name == "" {
		n.name = "node-" + strconv.Itoa(i)
	}
	switch {
	case nc.Roles != nil:
		n.roles = slices.Clone(nc.Roles)
	case c.product == OpenSearch && c.major >= 2:
		n.roles = []string{"cluster_manager", "data", "ingest", "remote_cluster_client"}
	case c.product == OpenSearch:
		n.roles = []string{"data", "ingest", "master", "remote_cluster_client"}
	default:
		n.roles = defaultRolesES()
	}
	switch {
	case nc.Attributes != nil:
		n.attrs = maps.Clone(nc.Attributes)
	case c.product == Elasticsearch:
		n.attrs = map[string]string{"xpack.installed": "true"}
	default:
		n.attrs = map[string]string{}
	}
	n.log.limit = c.cfg.RequestLogSize
	ln, err := listen("")
	if err != nil {
		return nil, err
	}
	n.addr = ln.Addr().String()
	n.url = "http://" + n.addr
	if c.tls != nil {
		n.url = "https://" + n.addr
	}
	n.mu.Lock()
	n.serve(ln)
	n.mu.Unlock()
	return n, nil
}

// serve starts a life on ln. n.mu is held.
func (n *Node) serve(ln net.Listener) {
	l := &life{killed: make(chan struct{}), done: make(chan struct{})}
	l.srv = &http.Server{
		Handler:   http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.handle(l, w, r) }),
		ErrorLog:  log.New(io.Discard, "", 0), // TLS handshake failures are expected in tests
		ConnState: func(c net.Conn, st http.ConnState) { n.conns.track(c, st); l.track(c, st) },
	}
	if n.c.tls != nil {
		// HTTP/1.1 only, like Elasticsearch; it also keeps Hijack available
		// for connection resets.
		ln = tls.NewListener(ln, &tls.Config{
			Certificates: []tls.Certificate{n.c.tls.cert},
			NextProtos:   []string{"http/1.1"},
			MinVersion:   tls.VersionTLS12,
		})
	}
	go func() {
		defer close(l.done)
		_ = l.srv.Serve(ln)
	}()
	n.life = l
}

// URL returns the node's base URL, "http://127.0.0.1:port" (https with
// TLS). The port stays the same across Kill and Revive.
func (n *Node) URL() string { return n.url }

// Addr returns the node's "127.0.0.1:port".
func (n *Node) Addr() string { return n.addr }

// Name returns the node name.
func (n *Node) Name() string { return n.name }

// ID returns the node id, as the key of GET /_nodes/http.
func (n *Node) ID() string { return n.id }

// Roles returns the node roles.
func (n *Node) Roles() []string { return slices.Clone(n.roles) }

// Attributes returns the node attributes.
func (n *Node) Attributes() map[string]string { return maps.Clone(n.attrs) }

// Alive reports whether the node is listening (not killed, not closed).
func (n *Node) Alive() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.life != nil
}

// InFlight returns the number of requests the node is handling now,
// including hung and delayed ones.
func (n *Node) InFlight() int { return int(n.inFlight.Load()) }

// Kill stops the node as a crashed process would: the listener and every
// open connection are closed before Kill returns, so new connections are
// refused, requests in progress fail, and hung requests are released
// without an answer. The node disappears from GET /_nodes/http. Killing a
// killed node does nothing.
func (n *Node) Kill() {
	n.mu.Lock()
	l := n.life
	n.life = nil
	n.mu.Unlock()
	if l == nil {
		return
	}
	close(l.killed)
	_ = l.srv.Close()
	<-l.done
	l.conns.Wait()
}

// Revive listens again on the node's port and serves. Reviving a live node
// does nothing. It returns [ErrClosed] after Close, or the listen error (the
// port may have been taken meanwhile).
func (n *Node) Revive() error {
	// Holding c.mu orders Revive before or after Close's kill of all nodes.
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	if n.c.isClosed {
		return ErrClosed
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.life != nil {
		return nil
	}
	ln, err := listen(n.addr)
	if err != nil {
		return err
	}
	n.serve(ln)
	return nil
}
