package faults_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/selector"
)

// TestFaultMatrixNameStopsResolving addresses two nodes by host name,
// resolved through a resolver the test controls, in the base transport's
// DialContext (esrt.Config has no resolver of its own: a program sets
// Config.Transport to esrt.NewHTTPTransport's transport with its dialer).
// When the first node's name stops resolving, the other node takes every
// operation over, each received once; when no name resolves, the caller
// gets an error that holds the *net.DNSError, and nothing is sent.
func TestFaultMatrixNameStopsResolving(t *testing.T) {
	ops := []struct{ method, path, body string }{
		{"GET", "/fm/_doc/1", ""},
		{"PUT", "/fm/_doc/1", `{"n":1}`},
		{"POST", "/fm/_doc", `{"n":1}`},
		{"POST", "/_search/scroll", `{"scroll_id":"abc"}`},
	}
	k := newCounter()
	a, b := startRaw(t, k, noFault), startRaw(t, k, noFault)
	names := &resolver{hosts: map[string]string{"es-a.test": a.Listener.Addr().String(), "es-b.test": b.Listener.Addr().String()}}
	base, err := esrt.NewHTTPTransport(esrt.HTTPTransportConfig{})
	if err != nil {
		t.Fatal(err)
	}
	base.DialContext = names.dial
	tr := newTransport(t, esrt.Config{
		Addresses: []string{"http://es-a.test:9200", "http://es-b.test:9200"},
		Transport: base,
		Pool:      esrt.PoolConfig{Selector: preferHost("es-a.test:9200")},
	})
	send := func(i int, c string) (*http.Response, error) {
		req, _ := http.NewRequest(ops[i].method, "http://es"+ops[i].path, strings.NewReader(ops[i].body))
		req.Header.Set(caseHeader, c)
		return tr.RoundTrip(req)
	}

	names.remove("es-a.test")
	tr.CloseIdleConnections() // a name matters for new connections only
	for i, op := range ops {
		c := "one gone " + op.method + " " + op.path
		want := expect(dnsGone, opOf(op.method, op.path, []byte(op.body)))
		res, err := send(i, c)
		checkOutcome(t, c, want, res, err)
		if n, bodies := k.get(c); n != want.received || !intact(bodies, []byte(op.body)) {
			t.Errorf("%s: received %d times (intact: %v), want %d", c, n, intact(bodies, []byte(op.body)), want.received)
		}
	}

	names.remove("es-b.test")
	tr.CloseIdleConnections()
	for i, op := range ops {
		c := "all gone " + op.method + " " + op.path
		// Nothing can be sent: as every node refusing connections.
		want := expect(refusedAll, opOf(op.method, op.path, []byte(op.body)))
		res, err := send(i, c)
		checkOutcome(t, c, want, res, err)
		var dnsErr *net.DNSError
		if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
			t.Errorf("%s: got %v, want an error holding a *net.DNSError", c, err)
		}
		if n, _ := k.get(c); n != want.received {
			t.Errorf("%s: received %d times, want %d", c, n, want.received)
		}
	}
}

// resolver maps host names to loopback addresses; a name removed no
// longer resolves.
type resolver struct {
	mu    sync.Mutex
	hosts map[string]string
}

func (r *resolver) remove(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.hosts, name)
}

// dial connects to the address that addr's host resolves to, or fails as
// net.Dialer does for a name that does not resolve.
func (r *resolver) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	to, ok := r.hosts[host]
	r.mu.Unlock()
	if !ok {
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
	}
	var d net.Dialer
	return d.DialContext(ctx, network, to)
}

// preferHost returns a selector that chooses the node at host while it is
// a candidate.
func preferHost(host string) selector.Selector {
	return selector.SelectorFunc(func(cands []selector.Candidate) int {
		for i, c := range cands {
			if c.Node.URL.Host == host {
				return i
			}
		}
		return 0
	})
}
