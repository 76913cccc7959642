package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/client"
	"github.com/esrt-dev/esrt/estest"
)

// A wrong bench command line is one clear line and the usage, exit 2,
// before anything is started.
func TestBenchCommandLine(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "esrt bench: flag provided but not defined: -bogus"},
		{[]string{"extra"}, `esrt bench: unexpected argument "extra"`},
		{[]string{"--concurrency", "0"}, "esrt bench: --concurrency must be from 1 to 10000, not 0"},
		{[]string{"--concurrency", "many"}, `esrt bench: invalid value "many" for flag -concurrency: parse error`},
		{[]string{"--duration", "0s"}, "esrt bench: --duration must be above 0, not 0s"},
		{[]string{"--duration", "-1s"}, "esrt bench: --duration must be above 0, not -1s"},
		{[]string{"--docs", "0"}, "esrt bench: --docs must be at least 1, not 0"},
		{[]string{"--index", "a/b"}, `esrt bench: --index: "a/b" is not an index name`},
		{[]string{"--mix", "search"}, `esrt bench: --mix: "search" is not op=weight`},
		{[]string{"--mix", "search=70,scroll=30"}, `esrt bench: --mix: unknown operation "scroll" (want search, get, index)`},
		{[]string{"--mix", "search=1,search=2"}, "esrt bench: --mix: search given twice"},
		{[]string{"--mix", "get=-1"}, `esrt bench: --mix: the weight of get must be a whole number from 0, not "-1"`},
		{[]string{"--mix", "get=x"}, `esrt bench: --mix: the weight of get must be a whole number from 0, not "x"`},
		{[]string{"--mix", "get=0,index=0"}, "esrt bench: --mix: every weight is 0"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"bench"}, tt.args...), &out, &errOut)
		first, _, _ := strings.Cut(errOut.String(), "\n")
		if code != 2 || first != tt.want || out.Len() != 0 || !strings.Contains(errOut.String(), "usage: esrt bench") {
			t.Errorf("bench %q: exit %d, stderr %q, stdout %q; want 2 and %q", tt.args, code, errOut.String(), out.String(), tt.want)
		}
	}
}

func TestParseMix(t *testing.T) {
	m, err := parseMix(" search=70, get=20,index=10")
	if err != nil || m.String() != "search=70,get=20,index=10" {
		t.Fatalf("parseMix = %v, %v", m, err)
	}
	if m, err := parseMix("get=0,index=3"); err != nil || m.String() != "get=0,index=3" {
		t.Errorf("a weight of 0: %v, %v", m, err)
	}
}

// benchRowRE matches a row of bench's results.
var benchRowRE = regexp.MustCompile(`(?m)^(search|get|index|total)\s+(\d+)\s+(\d+)\s+\S+\s+\S+\s+\S+\s+\S+$`)

// benchRows returns the requests and errors of each row of the results.
func benchRows(t *testing.T, text string) map[string][2]int {
	t.Helper()
	rows := map[string][2]int{}
	for _, m := range benchRowRE.FindAllStringSubmatch(text, -1) {
		calls, _ := strconv.Atoi(m[2])
		errs, _ := strconv.Atoi(m[3])
		rows[m[1]] = [2]int{calls, errs}
	}
	return rows
}

// Without --url, bench runs against an in-process cluster and reports
// the operations of the mix and their total, without control sequences
// off a terminal.
func TestBenchEmbedded(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"bench", "--duration", "300ms", "--concurrency", "2", "--docs", "50"}, &out, &errOut)
	text := out.String()
	if code != 0 || errOut.Len() != 0 {
		t.Fatalf("exit %d, stderr %q\n%s", code, errOut.String(), text)
	}
	// How many calls of each operation a short run makes depends on the
	// machine's speed: only the total is sure to have some.
	rows := benchRows(t, text)
	total := rows["total"]
	if total[0] == 0 || total[1] != 0 || total[0] != rows["search"][0]+rows["get"][0]+rows["index"][0] {
		t.Errorf("rows %v", rows)
	}
	if !strings.Contains(text, "on an in-process three-node cluster") ||
		!strings.Contains(text, strconv.Itoa(total[0])+" requests in ") || strings.Contains(text, "\x1b[") {
		t.Errorf("output:\n%q", text)
	}
}

// With --url, bench runs against that cluster, with the mix asked for,
// and deletes the index it created; it refuses an index that exists.
func TestBenchURL(t *testing.T) {
	c := estest.New(t, estest.Config{})
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"bench", "--url", c.URLs()[0], "--duration", "200ms", "--concurrency", "2",
		"--docs", "30", "--mix", "get=1", "--index", "bench-here"}, &out, &errOut)
	if code != 0 || errOut.Len() != 0 {
		t.Fatalf("exit %d, stderr %q\n%s", code, errOut.String(), out.String())
	}
	rows := benchRows(t, out.String())
	if rows["get"][0] == 0 || rows["search"] != [2]int{} || rows["index"] != [2]int{} {
		t.Errorf("rows %v, want gets only", rows)
	}
	gets, deleted := 0, false
	for _, r := range c.Node(0).Requests() {
		switch {
		case r.Method == "GET" && strings.HasPrefix(r.Path, "/bench-here/_doc/"):
			gets++
		case r.Method == "DELETE" && r.Path == "/bench-here":
			deleted = true
		}
	}
	if gets < rows["get"][0] || !deleted {
		t.Errorf("the cluster saw %d gets for %d reported, deleted %v", gets, rows["get"][0], deleted)
	}

	if _, err := client.New(&http.Client{}, client.WithBaseURL(mustURL(t, c.URLs()[0]))).CreateIndex(context.Background(), "taken", client.CreateIndexRequest{}); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	code = run(context.Background(), []string{"bench", "--url", c.URLs()[0], "--duration", "100ms", "--index", "taken"}, &out, &errOut)
	if want := "esrt bench: the index taken exists: "; code != 1 || !strings.HasPrefix(errOut.String(), want) || c.DocCount("taken") != 0 {
		t.Errorf("an existing index: exit %d, stderr %q, %d docs; want 1, %q… and no document", code, errOut.String(), c.DocCount("taken"), want)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// A cluster that cannot be reached, or that answers with an error, is one
// line on stderr and exit 1.
func TestBenchFailures(t *testing.T) {
	secured := estest.New(t, estest.Config{Username: "elastic", Password: testPassword})
	t.Setenv("ELASTICSEARCH_PASSWORD", "wrong-"+testPassword)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--url", deadURL(t)}, "esrt bench: the cluster does not answer: GET /: no node answered after 4 attempts; the last: "},
		{[]string{"--url", secured.URLs()[0], "--user", "elastic"}, "esrt bench: the cluster does not answer: esrt: info: 401 security_exception"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"bench", "--duration", "100ms"}, tt.args...), &out, &errOut)
		if code != 1 || !strings.HasPrefix(errOut.String(), tt.want) || strings.Count(errOut.String(), "\n") != 1 {
			t.Errorf("bench %q: exit %d, stderr %q; want 1 and one line %q…", tt.args, code, errOut.String(), tt.want)
		}
		noSecret(t, testPassword, out.String(), errOut.String())
	}
}

// deadURL returns the address of a loopback port nothing listens on: a
// node killed at once.
func deadURL(t *testing.T) string {
	t.Helper()
	c := estest.New(t, estest.Config{})
	c.Node(0).Kill()
	return c.URLs()[0]
}

// A request the cluster answers with an error fails the benchmark: the
// results still print, then one line names the first failure, exit 1.
func TestBenchHTTPError(t *testing.T) {
	c := estest.New(t, estest.Config{})
	c.Node(0).SetFailFunc(func(r *http.Request) *estest.Failure {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/_doc/") {
			return &estest.Failure{Status: http.StatusBadRequest}
		}
		return nil
	})
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"bench", "--url", c.URLs()[0], "--duration", "100ms", "--concurrency", "1",
		"--docs", "5", "--mix", "get=1"}, &out, &errOut)
	rows := benchRows(t, out.String())
	if code != 1 || rows["get"][0] == 0 || rows["get"][1] != rows["get"][0] {
		t.Fatalf("exit %d, rows %v\n%s", code, rows, out.String())
	}
	want := fmt.Sprintf("esrt bench: %d request(s) failed; the first: esrt: get: 400 illegal_argument_exception: injected bad request\n", rows["get"][1])
	if errOut.String() != want {
		t.Errorf("stderr %q, want %q", errOut.String(), want)
	}
}
