package discovery_test

// Discovery as an application meets it: through esrt.New, against estest or
// a stub /_nodes/http server on loopback.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/discovery"
	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/rt"
)

// sniffedURLs returns the URLs of the pool's current set, sorted: the
// sniffed nodes, or the seeds before a set was published (not the seeds kept
// only as a fallback).
func sniffedURLs(tr *esrt.Transport) []string {
	var got []string
	for _, s := range tr.Pool().Status() {
		if !s.Seed {
			got = append(got, s.Node.String())
		}
	}
	slices.Sort(got)
	return got
}

// Pool.Filter narrows the nodes discovery keeps; it does not bring the
// dedicated masters back into rotation.
func TestNodeFilterKeepsMastersOut(t *testing.T) {
	c := estest.New(t, estest.Config{NodeConfigs: []estest.NodeConfig{
		{Roles: []string{"master"}}, {}, {}, {Roles: []string{"master", "voting_only"}},
	}})
	tr, err := esrt.New(esrt.Config{
		Addresses:            c.URLs()[1:2],
		DiscoverNodesOnStart: true,
		Pool:                 esrt.PoolConfig{Filter: func(n *rt.Node) bool { return n.Name != "node-2" }},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if got, want := sniffedURLs(tr), c.URLs()[1:2]; !slices.Equal(got, want) {
		t.Fatalf("pool after sniffing %q, want %q (node-1: not a master, accepted by Pool.Filter)", got, want)
	}
	client := &http.Client{Transport: tr}
	for range 10 {
		res, err := client.Get("http://es/")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	for _, i := range []int{0, 3} {
		if n := len(c.Node(i).Requests()); n != 0 {
			t.Errorf("dedicated master node-%d served %d requests", i, n)
		}
	}
}

// stubCluster is a seed on loopback that answers GET /_nodes/http with body
// and every other request with 200, counting them.
type stubCluster struct {
	srv    *httptest.Server
	sniffs atomic.Int32
	served atomic.Int32
}

func newStubCluster(t *testing.T, body func(self string) []byte) *stubCluster {
	t.Helper()
	s := &stubCluster{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_nodes/http" {
			s.sniffs.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.Write(body(r.Host))
			return
		}
		s.served.Add(1)
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"tagline":"You Know, for Search"}`)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// dialsOnly is a base transport that dials addr, on loopback, and refuses
// every other address at once, as a host refuses a port on which nothing
// listens: no test sends a packet beyond this machine, and none can reach
// a listener of another test by chance.
func dialsOnly(addr string) *http.Transport {
	var d net.Dialer
	return &http.Transport{DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
		if a != addr {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connect: connection refused (test)")}
		}
		return d.DialContext(ctx, network, a)
	}}
}

// refusingAddrs returns n distinct loopback addresses on port 1, where
// nothing listens.
func refusingAddrs(n int) []string {
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i] = "127." + strconv.Itoa(i/250) + "." + strconv.Itoa(i%250) + ".1:1"
	}
	return addrs
}

// nodesOf returns a nodes info body listing data nodes at addrs.
func nodesOf(addrs []string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"nodes":{`)
	for i, a := range addrs {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"n%d":{"name":"n%d","roles":["data","ingest"],"http":{"publish_address":%q}}`, i, i, a)
	}
	b.WriteString(`}}`)
	return b.Bytes()
}

// A nodes info answer that would fill the pool with addresses that do not
// answer ends, quickly, with every request still served by the seed and one
// warning that says why.
func TestSniffedAddressesThatDoNotAnswer(t *testing.T) {
	docker, err := os.ReadFile("testdata/nodes_http/real_captures/es-8.0.0_docker_single_node.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		body func(t *testing.T) func(self string) []byte
		warn string // in the one Warn line
	}{
		{"docker capture: container address", func(*testing.T) func(string) []byte {
			return func(string) []byte { return docker }
		}, "published addresses do not answer"},
		{"50 addresses that refuse", func(t *testing.T) func(string) []byte {
			body := nodesOf(refusingAddrs(50))
			return func(string) []byte { return body }
		}, "published addresses do not answer"},
		{"20000 addresses that refuse", func(t *testing.T) func(string) []byte {
			body := nodesOf(refusingAddrs(20000))
			return func(string) []byte { return body }
		}, "more nodes than MaxNodes"},
		{"deeply nested body", func(*testing.T) func(string) []byte {
			body := `{"nodes":{"n":{"http":{"publish_address":"10.0.0.1:9200"},"x":` +
				strings.Repeat("[", 1<<20) + strings.Repeat("]", 1<<20) + `}}}`
			return func(string) []byte { return []byte(body) }
		}, "sniff failed"},
		{"more nodes than the cap, the seed among them", func(*testing.T) func(string) []byte {
			return func(self string) []byte {
				addrs := make([]string, discovery.DefaultMaxNodes+1)
				addrs[0] = self
				for i := 1; i < len(addrs); i++ {
					addrs[i] = fmt.Sprintf("10.%d.%d.1:9200", i/250, i%250)
				}
				return nodesOf(addrs)
			}
		}, "more nodes than MaxNodes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seed := newStubCluster(t, tt.body(t))
			var logs bytes.Buffer
			base := dialsOnly(seed.srv.Listener.Addr().String())
			defer base.CloseIdleConnections()
			tr, err := esrt.New(esrt.Config{
				Addresses:            []string{seed.srv.URL},
				Transport:            base,
				DiscoverNodesOnStart: true,
				Logger:               slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
			})
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			// Nothing published: the pool's set is still the seed.
			if got := sniffedURLs(tr); len(got) != 1 || got[0] != seed.srv.URL {
				t.Fatalf("pool holds %d nodes (%q...), want only the seed %s", len(got), got[:min(3, len(got))], seed.srv.URL)
			}
			client := &http.Client{Transport: tr}
			const requests = 20
			for i := range requests {
				res, err := client.Get("http://es/")
				if err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			if got := seed.served.Load(); got != requests {
				t.Errorf("the seed served %d of %d requests", got, requests)
			}
			if got := seed.sniffs.Load(); got != 1 {
				t.Errorf("%d sniffs, want 1", got)
			}
			var warns []string
			for line := range strings.Lines(logs.String()) {
				if strings.Contains(line, "level=WARN") && strings.Contains(line, "sniff") {
					warns = append(warns, line)
				}
			}
			if len(warns) != 1 || !strings.Contains(warns[0], tt.warn) {
				t.Errorf("want one sniff warning saying %q, got:\n%s", tt.warn, logs.String())
			}
		})
	}
}
