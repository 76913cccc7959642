package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/estest"
)

// runCmd runs the command line args and returns its exit code and output.
func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// noSecret fails the test if secret appears in any of texts.
func noSecret(t *testing.T, secret string, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(s, secret) {
			t.Errorf("output shows the secret %q:\n%s", secret, s)
		}
	}
}

func TestRequestClusterHealth(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 2})
	code, out, errOut := runCmd(t, "request", "--url", c.URLs()[0], "--url", c.URLs()[1], "GET", "/_cluster/health")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var health struct {
		Status        string `json:"status"`
		NumberOfNodes int    `json:"number_of_nodes"`
	}
	if err := json.Unmarshal([]byte(out), &health); err != nil || health.Status == "" || health.NumberOfNodes != 2 {
		t.Errorf("stdout %q: %+v, %v", out, health, err)
	}
	if strings.Contains(out, "\n  ") {
		t.Errorf("output to a pipe is indented: %q", out)
	}
}

func TestRequestPrettyAndBodies(t *testing.T) {
	c := estest.New(t, estest.Config{})
	url := c.URLs()[0]
	if code, _, errOut := runCmd(t, "request", "--url", url, "PUT", "/books/_doc/1", `{"title":"Dune"}`); code != 0 {
		t.Fatalf("PUT literal: exit %d: %s", code, errOut)
	}
	file := filepath.Join(t.TempDir(), "doc.json")
	os.WriteFile(file, []byte(`{"title":"Emma"}`), 0o600)
	if code, _, errOut := runCmd(t, "request", "--url", url, "put", "books/_doc/2", "@"+file); code != 0 {
		t.Fatalf("PUT @file: exit %d: %s", code, errOut)
	}
	stdin = strings.NewReader(`{"title":"Ulysses"}`)
	t.Cleanup(func() { stdin = os.Stdin })
	if code, _, errOut := runCmd(t, "request", "--url", url, "PUT", "/books/_doc/3", "-"); code != 0 {
		t.Fatalf("PUT -: exit %d: %s", code, errOut)
	}
	for id, want := range map[string]string{"1": "Dune", "2": "Emma", "3": "Ulysses"} {
		if doc, ok := c.Doc("books", id); !ok || !strings.Contains(string(doc), want) {
			t.Errorf("doc %s = %s, %v; want %s", id, doc, ok, want)
		}
	}
	code, out, _ := runCmd(t, "request", "--pretty", "--url", url, "GET", "/books/_doc/1")
	if code != 0 || !strings.Contains(out, "\n  \"_id\": \"1\"") {
		t.Errorf("--pretty: exit %d, %q", code, out)
	}
}

func TestRequestHTTPErrorStatus(t *testing.T) {
	c := estest.New(t, estest.Config{})
	code, out, errOut := runCmd(t, "request", "--url", c.URLs()[0], "GET", "/missing/_doc/1")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(out, `"found":false`) && !strings.Contains(out, "index_not_found_exception") {
		t.Errorf("the error body is not printed: %q", out)
	}
	if !strings.Contains(errOut, "404") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("stderr %q: want one line naming 404", errOut)
	}
}

func TestRequestUnreachable(t *testing.T) {
	c := estest.New(t, estest.Config{})
	url := c.URLs()[0]
	c.Node(0).Kill()
	t.Setenv("ELASTICSEARCH_API_KEY", "c2VjcmV0LWFwaS1rZXk=")
	code, out, errOut := runCmd(t, "request", "--url", url, "GET", "/")
	if code != 1 || out != "" {
		t.Errorf("exit %d, stdout %q", code, out)
	}
	if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "esrt request: ") {
		t.Errorf("stderr %q: want one line", errOut)
	}
	noSecret(t, "c2VjcmV0LWFwaS1rZXk=", out, errOut)
}

func TestRequestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"request"},
		{"request", "GET"},
		{"request", "GET", "/", "{}", "extra"},
		{"request", "--nope", "GET", "/"},
		{"request", "--pretty", "--raw", "GET", "/"},
		{"request", "--url", "http://127.0.0.1:1", "PUT", "/x", "@/does/not/exist"},
		{"nodes", "stray"},
		{"nodes", "--timeout", "0s"},
	} {
		code, out, errOut := runCmd(t, args...)
		if code != 2 || out != "" || !strings.HasPrefix(errOut, "esrt "+args[0]+": ") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}

func TestHelpOnEveryCommand(t *testing.T) {
	for _, name := range []string{"request", "nodes", "demo", "version"} {
		code, out, errOut := runCmd(t, name, "--help")
		if code != 0 || !strings.HasPrefix(out, "usage: esrt "+name) || errOut != "" {
			t.Errorf("%s --help: exit %d, stdout %q, stderr %q", name, code, out, errOut)
		}
	}
	_, out, _ := runCmd(t, "--help")
	for _, name := range []string{"request", "nodes"} {
		if !strings.Contains(out, "\n  "+name+" ") {
			t.Errorf("esrt --help does not list %s:\n%s", name, out)
		}
	}
}

func TestRequestURLFromEnvironment(t *testing.T) {
	c := estest.New(t, estest.Config{ClusterName: "from-env"})
	t.Setenv("ELASTICSEARCH_URL", c.URLs()[0])
	code, out, errOut := runCmd(t, "request", "GET", "/")
	if code != 0 || !strings.Contains(out, `"cluster_name":"from-env"`) {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
