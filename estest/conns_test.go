package estest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/estest"
)

// connLimit bounds the wait for the server to see a connection closed by
// the client, which it learns of asynchronously.
const connLimit = 10 * time.Second

// Sequential requests over one keep-alive client reuse one connection;
// without keep-alive each opens its own. Only the node asked counts.
func TestAcceptedCountsConnections(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 2})
	n := c.Node(0)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	for range 5 {
		send(t, client, "GET", n.URL()+"/", "", nil)
	}
	if got := n.Accepted(); got != 1 {
		t.Errorf("Accepted() = %d after 5 keep-alive requests, want 1", got)
	}
	if got := n.Open(); got != 1 {
		t.Errorf("Open() = %d with one idle connection, want 1", got)
	}
	if got := c.Node(1).Accepted(); got != 0 {
		t.Errorf("the other node's Accepted() = %d, want 0", got)
	}

	once := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	for range 3 {
		send(t, once, "GET", n.URL()+"/", "", nil)
	}
	if got := n.Accepted(); got != 4 {
		t.Errorf("Accepted() = %d after 3 more requests without keep-alive, want 4", got)
	}
	tr.CloseIdleConnections()
	if !poll(connLimit, func() bool { return n.Open() == 0 }) {
		t.Errorf("Open() = %d after the client closed its connections, want 0", n.Open())
	}
}

// Kill returns once every connection is closed, and the count goes on
// across Revive. A reset connection is no longer open.
func TestOpenAcrossKillReviveAndReset(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 1, TLS: true})
	n := c.Node(0)
	tr := &http.Transport{TLSClientConfig: c.TLSConfig()}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	send(t, client, "GET", n.URL()+"/", "", nil)
	if n.Open() != 1 {
		t.Fatalf("Open() = %d with one idle connection, want 1", n.Open())
	}
	n.Kill()
	if got := n.Open(); got != 0 {
		t.Errorf("Open() = %d when Kill returned, want 0", got)
	}
	if err := n.Revive(); err != nil {
		t.Fatal(err)
	}
	tr.CloseIdleConnections() // the killed one, if the client has not noticed yet
	send(t, client, "GET", n.URL()+"/", "", nil)
	if got := n.Accepted(); got != 2 {
		t.Errorf("Accepted() = %d after a request before Kill and one after Revive, want 2", got)
	}

	n.ResetNext(1, estest.ResetBeforeApply)
	// POST: net/http retries an idempotent request on a fresh connection.
	if _, err := trySend(client, "POST", n.URL()+"/_search", "{}", nil); err == nil {
		t.Fatal("a reset request succeeded")
	}
	if !poll(connLimit, func() bool { return n.Open() == 0 }) {
		t.Errorf("Open() = %d after a reset, want 0", n.Open())
	}
}

// Close returns once every connection of every node is closed, idle or
// busy with a hung request.
func TestOpenAfterClose(t *testing.T) {
	c, err := estest.Start(estest.Config{Nodes: 2})
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	send(t, client, "GET", c.Node(0).URL()+"/", "", nil)
	c.Node(1).Hang()
	done := make(chan error, 1)
	go func() {
		_, err := trySend(client, "GET", c.Node(1).URL()+"/", "", nil)
		done <- err
	}()
	if !poll(connLimit, func() bool { return c.Node(1).InFlight() == 1 }) {
		t.Fatal("the hung request never arrived")
	}
	if c.Node(0).Open() != 1 || c.Node(1).Open() != 1 {
		t.Errorf("Open() = %d, %d before Close, want 1, 1", c.Node(0).Open(), c.Node(1).Open())
	}
	c.Close()
	if err := <-done; err == nil {
		t.Error("the hung request got an answer after Close")
	}
	for i, n := range c.Nodes() {
		if got := n.Open(); got != 0 {
			t.Errorf("node %d: Open() = %d when Close returned, want 0", i, got)
		}
	}
}
