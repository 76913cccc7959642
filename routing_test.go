package esrt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/discovery"
	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/rt"
)

// poolURLs returns the URLs of the pool's current set (not the seeds kept
// only as a fallback), sorted.
func poolURLs(tr *Transport) []string {
	var got []string
	for _, s := range tr.Pool().Status() {
		if !s.Seed {
			got = append(got, s.Node.String())
		}
	}
	slices.Sort(got)
	return got
}

// Every recorded /_nodes/http body, served by a stub, ends up in the pool as
// exactly the nodes discovery parses from it, with the seed's scheme, path
// prefix and credentials (discovery's tests pin what each body parses to).
func TestSniffFixturesIntoPool(t *testing.T) {
	files, err := filepath.Glob("discovery/testdata/nodes_http/*.json")
	if err != nil || len(files) < 15 {
		t.Fatalf("found %d fixture bodies (%v)", len(files), err)
	}
	for _, file := range files {
		if strings.HasSuffix(file, "publish_address_parse_vectors.json") {
			continue
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			body, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var gotAuth atomic.Value
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/proxy/_nodes/http" {
					http.NotFound(w, r)
					return
				}
				gotAuth.Store(r.Header.Get("Authorization"))
				w.Header().Set("Content-Type", "application/json")
				w.Write(body)
			}))
			defer srv.Close()
			seedURL := strings.Replace(srv.URL, "http://", "http://elastic:pw@", 1) + "/proxy/"
			seed, err := rt.NewNode(seedURL)
			if err != nil {
				t.Fatal(err)
			}
			want, err := discovery.ParseNodes(body, seed)
			if err != nil {
				t.Fatal(err)
			}
			var wantURLs []string
			for _, n := range want {
				wantURLs = append(wantURLs, n.String())
				if n.URL.Path != "/proxy" || n.URL.User.Username() != "elastic" {
					t.Errorf("%s: the seed's path prefix or credentials were not inherited", n)
				}
			}
			slices.Sort(wantURLs)

			// Discovery checks that new nodes answer before it publishes
			// them: every address of the fixture dials the stub.
			stubAddr := srv.Listener.Addr().String()
			var d net.Dialer
			base := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return d.DialContext(ctx, network, stubAddr)
			}}
			defer base.CloseIdleConnections()
			tr := mustNew(t, Config{Addresses: []string{seedURL}, Transport: base, DiscoverNodesOnStart: true})
			if got := poolURLs(tr); fmt.Sprint(got) != fmt.Sprint(wantURLs) {
				t.Fatalf("pool %v\nwant %v", got, wantURLs)
			}
			if got, _ := gotAuth.Load().(string); got != rt.BasicAuth("elastic", "pw").Header() {
				t.Errorf("sniff request Authorization %q, want the seed's basic credentials", got)
			}
		})
	}
}

// When every sniffed node refuses connections (addresses only reachable
// inside the cluster's network), discovery does not publish them and
// requests still reach the seeds.
func TestSniffedNodesUnreachableFallBackToSeeds(t *testing.T) {
	var served atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_nodes/http" {
			fmt.Fprint(w, `{"nodes":{
				"a":{"name":"a","roles":["data"],"http":{"publish_address":"127.0.0.1:1"}},
				"b":{"name":"b","roles":["data"],"http":{"publish_address":"127.0.0.1:2"}}}}`)
			return
		}
		served.Add(1)
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		fmt.Fprint(w, `{}`)
	}))
	defer srv.Close()
	tr := mustNew(t, Config{Addresses: []string{srv.URL}, DiscoverNodesOnStart: true, RetryBackoff: func(int) time.Duration { return 0 }})
	if got := poolURLs(tr); fmt.Sprint(got) != "["+srv.URL+"]" {
		t.Fatalf("pool after sniffing %v, want only the seed", got)
	}
	const requests = 20
	for i := range requests {
		res, err := get(t, tr, "/")
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	if got := served.Load(); got != requests {
		t.Fatalf("the seed served %d of %d requests", got, requests)
	}
}

// With every node down, a request fails with an error that names each
// attempt; once one node is back, the next request succeeds at once, without
// waiting out the dead timeouts.
func TestAllNodesDownThenOneRevived(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 3})
	// Dead timeouts far longer than the test: a request that succeeds did
	// not wait for one.
	tr := mustNew(t, Config{Addresses: c.URLs(), RetryBackoff: func(int) time.Duration { return 0 }, Pool: PoolConfig{DeadTimeout: time.Minute}})
	for _, n := range c.Nodes() {
		n.Kill()
	}
	_, err := get(t, tr, "/")
	var re *rt.RetryError
	if !errors.As(err, &re) || len(re.Attempts) != 4 {
		t.Fatalf("error %v, want a RetryError of 4 attempts", err)
	}
	nodes := map[string]bool{}
	for _, a := range re.Attempts {
		var ae *rt.AttemptError
		if !errors.As(a, &ae) || ae.Node == nil {
			t.Fatalf("attempt error %v does not name its node", a)
		}
		nodes[ae.Node.String()] = true
	}
	if len(nodes) != 3 {
		t.Errorf("the attempts went to %d nodes, want all 3: %v", len(nodes), err)
	}
	for _, u := range c.URLs() {
		if !strings.Contains(err.Error(), u) {
			t.Errorf("error does not name %s: %v", u, err)
		}
	}

	if err := c.Node(1).Revive(); err != nil {
		t.Fatal(err)
	}
	res, err := get(t, tr, "/")
	if err != nil {
		t.Fatalf("request after a revive failed: %v", err)
	}
	res.Body.Close()
	for _, s := range tr.Pool().Status() {
		if dead := s.Node.String() != c.URLs()[1]; s.Dead != dead {
			t.Errorf("%s: dead %v, want %v", s.Node, s.Dead, dead)
		}
	}
}

// A long outage of every node trips every node's breaker and uses up the
// retry budget's allowance several times over. Neither may keep the client
// down once a node is back: while every breaker is open, attempts still go
// to the nodes as last resorts (they fail with the connection error, not
// with a breaker's refusal), their refused connections cost the budget
// nothing, and the first request after one node comes back succeeds, as
// do all that follow, with dead timeouts and breaker cool-downs far longer
// than the test. The same holds for a cluster of one node.
func TestLongOutageThenOneRevived(t *testing.T) {
	for _, nodes := range []int{3, 1} {
		t.Run(fmt.Sprintf("%d nodes", nodes), func(t *testing.T) {
			c := estest.New(t, estest.Config{Nodes: nodes})
			var opened atomic.Int32
			hooks := &rt.Hooks{OnBreakerChange: func(i rt.BreakerInfo) {
				if i.To == rt.BreakerOpen {
					opened.Add(1)
				}
			}}
			tr := mustNew(t, Config{Addresses: c.URLs(), RetryBackoff: func(int) time.Duration { return 0 },
				Pool: PoolConfig{DeadTimeout: time.Minute}, Breaker: BreakerConfig{Timeout: time.Minute}, Hooks: hooks})
			for _, n := range c.Nodes() {
				n.Kill()
			}
			const outage = 200 // 600 retries: six times the budget's floor
			for i := range outage {
				_, err := get(t, tr, "/")
				if err == nil {
					t.Fatalf("request %d succeeded with every node down", i)
				}
				if errors.Is(err, rt.ErrBreakerOpen) {
					t.Fatalf("request %d was refused by a breaker instead of trying the nodes: %v", i, err)
				}
				var re *rt.RetryError
				if nodes > 1 && (!errors.As(err, &re) || len(re.Attempts) != 4) {
					t.Fatalf("request %d: %v; want 4 attempts", i, err)
				}
			}
			if got := int(opened.Load()); got != nodes {
				t.Fatalf("%d breakers opened during the outage, want all %d", got, nodes)
			}

			back := c.Node(nodes - 1)
			if err := back.Revive(); err != nil {
				t.Fatal(err)
			}
			for i := range 20 {
				res, err := get(t, tr, "/")
				if err != nil {
					t.Fatalf("request %d after a node came back: %v", i, err)
				}
				if s := drainClose(res); s != 200 {
					t.Fatalf("request %d after a node came back: status %d", i, s)
				}
			}
			if got := len(back.Requests()); got != 20 {
				t.Errorf("the node that came back served %d requests, want 20", got)
			}
		})
	}
}
