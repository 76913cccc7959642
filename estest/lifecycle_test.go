package estest_test

import (
	"net/http"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/estest"
)

func TestConfig(t *testing.T) {
	c := estest.New(t, estest.Config{
		Nodes:           3,
		ClusterName:     "prod",
		PublishHostname: true,
		NodeConfigs: []estest.NodeConfig{
			{Name: "m1", Roles: []string{"master"}, Attributes: map[string]string{"zone": "a"}},
			{Roles: []string{}},
		},
	})
	tests := []struct {
		i     int
		name  string
		roles []string
		attrs map[string]string
	}{
		{0, "m1", []string{"master"}, map[string]string{"zone": "a"}},
		{1, "node-1", []string{}, map[string]string{"xpack.installed": "true"}},
		{2, "node-2", nil, map[string]string{"xpack.installed": "true"}},
	}
	m := send(t, nil, "GET", c.URLs()[0]+"/_nodes/http", "", nil).object(t)
	if m["cluster_name"] != "prod" {
		t.Errorf("cluster_name %v", m["cluster_name"])
	}
	for _, tt := range tests {
		n := c.Node(tt.i)
		if n.Name() != tt.name || !reflect.DeepEqual(n.Attributes(), tt.attrs) || len(n.ID()) != 22 {
			t.Errorf("node %d: %s %v %s", tt.i, n.Name(), n.Attributes(), n.ID())
		}
		if tt.roles != nil && !reflect.DeepEqual(n.Roles(), tt.roles) {
			t.Errorf("node %d roles %v, want %v", tt.i, n.Roles(), tt.roles)
		}
		if tt.roles == nil && !slices.Contains(n.Roles(), "data") {
			t.Errorf("node %d default roles %v", tt.i, n.Roles())
		}
		info := get(m, "nodes."+n.ID())
		if got := get(info, "http.publish_address"); got != "localhost/"+n.Addr() {
			t.Errorf("node %d publish_address %v", tt.i, got)
		}
		if get(info, "name") != tt.name {
			t.Errorf("node %d name %v", tt.i, get(info, "name"))
		}
	}
	if len(c.Nodes()) != 3 || len(c.URLs()) != 3 || c.URLs()[2] != c.Node(2).URL() {
		t.Errorf("Nodes/URLs: %v", c.URLs())
	}
	h := send(t, nil, "GET", c.URLs()[0]+"/_cluster/health", "", nil).object(t)
	if h["number_of_data_nodes"] != 1.0 || h["number_of_nodes"] != 3.0 {
		t.Errorf("health %v", h)
	}

	if _, err := estest.Start(estest.Config{Version: "8.x"}); err == nil {
		t.Error("Start accepted version 8.x")
	}
	one := estest.New(t, estest.Config{NodeConfigs: []estest.NodeConfig{{}, {}}})
	if len(one.Nodes()) != 2 {
		t.Errorf("NodeConfigs sized the cluster to %d", len(one.Nodes()))
	}
}

// serverStacks returns the stacks of goroutines that belong to a cluster:
// estest's own and net/http's server side.
func serverStacks() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "estest.(*") || strings.Contains(g, "net/http.(*conn).serve") ||
			strings.Contains(g, "net/http.(*Server).Serve") {
			out = append(out, g)
		}
	}
	return out
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	if s := serverStacks(); len(s) > 0 {
		// Clusters of earlier tests are closed by their Cleanup; wait for
		// net/http to finish their connections.
		poll(2*time.Second, func() bool { return len(serverStacks()) == 0 })
	}
	c, err := estest.Start(estest.Config{Nodes: 3, TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{TLSClientConfig: c.TLSConfig()}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	for _, u := range c.URLs() {
		send(t, client, "PUT", u+"/g/_doc/1", `{"a":1}`, nil)
	}
	c.Node(0).Hang()
	c.Node(1).SetLatency(time.Hour)
	c.Node(2).Kill()
	done := make(chan struct{}, 2)
	for _, u := range c.URLs()[:2] {
		go func() {
			trySend(client, "GET", u+"/", "", nil)
			done <- struct{}{}
		}()
	}
	if !poll(2*time.Second, func() bool { return c.Node(0).InFlight() == 1 && c.Node(1).InFlight() == 1 }) {
		t.Fatal("requests never arrived")
	}
	closed := make(chan struct{})
	go func() {
		c.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close blocked")
	}
	for range 2 {
		<-done
	}
	tr.CloseIdleConnections()
	if !poll(2*time.Second, func() bool { return len(serverStacks()) == 0 }) {
		t.Errorf("goroutines left after Close:\n%s", strings.Join(serverStacks(), "\n\n"))
	}
}

func BenchmarkStartClose(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		c, err := estest.Start(estest.Config{Nodes: 3})
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}
