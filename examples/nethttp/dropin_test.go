package nethttp_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/examples/internal/dropin"
)

// A node killed halfway through a run of index and search requests costs
// the application nothing: every request succeeds, also those whose URL
// names the killed node, and every document is stored once.
func TestNodeKilledMidRun(t *testing.T) {
	const writes = 20 // each followed by a search
	cluster := estest.New(t, estest.Config{Nodes: 3})
	tr, attempts := dropin.Transport(t, cluster, esrt.Config{})
	hc := &http.Client{Transport: tr}

	victim := cluster.Node(1)
	base := victim.URL() // the router replaces it, also once the node is dead
	for i := range writes {
		if i == writes/2 {
			victim.Kill()
		}
		do(t, hc, http.MethodPut, fmt.Sprintf("%s/books/_doc/%d", base, i), fmt.Sprintf(`{"title":"book %d"}`, i))
		do(t, hc, http.MethodPost, base+"/books/_search", `{"query":{"match_all":{}}}`)
	}

	if got := cluster.DocCount("books"); got != writes {
		t.Errorf("documents = %d, want %d", got, writes)
	}
	if got := attempts.Total(); got > 2*writes+1 {
		t.Errorf("attempts = %d, want at most %d: one per request and one retried away from the killed node", got, 2*writes+1)
	}
}

// do sends one JSON request and fails t unless it succeeded.
func do(t *testing.T, hc *http.Client, method, url, body string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		t.Fatalf("%s %s: %s %s", method, url, res.Status, b)
	}
}
