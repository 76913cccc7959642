package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/estest"
)

func TestNodesTable(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 3, NodeConfigs: []estest.NodeConfig{
		{Name: "master-a", Roles: []string{"master"}},
		{Name: "data-b", Roles: []string{"data", "ingest"}},
		{Name: "coord-c", Roles: []string{}},
	}})
	code, out, errOut := runCmd(t, "nodes", "--url", c.URLs()[1])
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q\n%s", code, errOut, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !regexp.MustCompile(`^NAME +URL +ROLES +VERSION +ANSWERS +LATENCY$`).MatchString(lines[0]) {
		t.Fatalf("want a header and 3 nodes:\n%s", out)
	}
	addr := func(i int) string { return strings.TrimPrefix(c.URLs()[i], "http://") }
	for i, re := range []string{
		`^coord-c +http://` + addr(2) + ` +- +9\.1\.0 +yes \(200 OK\) +\S+$`,
		`^data-b +http://` + addr(1) + ` +di +9\.1\.0 +yes \(200 OK\) +\S+$`,
		`^master-a +` + addr(0) + ` +m +9\.1\.0 +skipped: dedicated master +-$`,
	} {
		if !regexp.MustCompile(re).MatchString(lines[i+1]) {
			t.Errorf("line %d = %q, want %s", i+1, lines[i+1], re)
		}
	}
}

func TestNodesForbidden(t *testing.T) {
	c := estest.New(t, estest.Config{Username: "elastic", Password: testPassword})
	code, out, errOut := runCmd(t, "nodes", "--url", c.URLs()[0])
	if code != 1 || out != "" || strings.Count(errOut, "\n") != 1 ||
		!strings.Contains(errOut, "401") || !strings.Contains(errOut, "keep sniffing off") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestNodesUnreachableAddresses(t *testing.T) {
	// The Docker case: the cluster answers, but the addresses its nodes
	// publish (here a port nothing listens on) do not answer from here.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"nodes":{"abc":{"name":"es01","version":"9.1.0","roles":["data","master"],"http":{"publish_address":%q}}}}`, dead)
	}))
	t.Cleanup(srv.Close)
	code, out, errOut := runCmd(t, "nodes", "--url", srv.URL)
	if code != 1 || !regexp.MustCompile(`(?m)^es01 +http://`+regexp.QuoteMeta(dead)+` +dm +9\.1\.0 +no +-$`).MatchString(out) {
		t.Errorf("exit %d, stdout:\n%s", code, out)
	}
	if strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "none of the published addresses answers from here") {
		t.Errorf("stderr %q", errOut)
	}
}

func TestNodesClusterDown(t *testing.T) {
	c := estest.New(t, estest.Config{})
	url := c.URLs()[0]
	c.Node(0).Kill()
	code, out, errOut := runCmd(t, "nodes", "--url", url)
	if code != 1 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "esrt nodes: ") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestNodesTLSFingerprint(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 2, TLS: true})
	code, out, errOut := runCmd(t, "nodes", "--fingerprint", c.CAFingerprint(), "--url", c.URLs()[0])
	if code != 0 || strings.Count(out, "https://127.0.0.1:") != 2 || strings.Count(out, "yes (200 OK)") != 2 {
		t.Errorf("exit %d, stderr %q\n%s", code, errOut, out)
	}
}
