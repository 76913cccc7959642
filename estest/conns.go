package estest

import (
	"net"
	"net/http"
	"sync/atomic"
)

// conns counts a node's connections as its servers see them, across Kill
// and Revive: its http.Server.ConnState hook.
type conns struct {
	accepted atomic.Int64
	open     atomic.Int64
}

// track is part of the ConnState hook of every life's server. A hijacked
// connection counts as closed: estest hijacks only to reset, and closes the
// connection at once.
func (c *conns) track(_ net.Conn, st http.ConnState) {
	switch st {
	case http.StateNew:
		c.accepted.Add(1)
		c.open.Add(1)
	case http.StateClosed, http.StateHijacked:
		c.open.Add(-1)
	}
}

// Accepted returns the number of connections the node has accepted since
// the cluster started, across Kill and Revive: a test counts with it how
// many connections a client opened, for example that sequential requests
// reuse one. A TLS connection counts when accepted, before its handshake.
func (n *Node) Accepted() int { return int(n.conns.accepted.Load()) }

// Open returns the number of the node's connections open now: accepted and
// not yet closed, whether busy or idle. The server learns of a connection
// the client closed when it reads the end of it, shortly afterwards, so a
// test that expects 0, after closing a client, polls with a deadline.
// Kill and Close return once every connection is closed: Open is 0 then.
func (n *Node) Open() int { return int(n.conns.open.Load()) }

// track is the rest of the hook: it counts the life's connections, so that
// Kill waits until every one is closed and net/http's goroutine for it is
// ending. A connection accepted while Kill closed the others is closed at
// once.
func (l *life) track(c net.Conn, st http.ConnState) {
	switch st {
	case http.StateNew:
		l.conns.Add(1) // in Serve's goroutine, before Serve returns: before Kill waits
		select {
		case <-l.killed:
			_ = c.Close()
		default:
		}
	case http.StateClosed, http.StateHijacked:
		l.conns.Done()
	}
}
