package faults_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/estest"
)

// The operation kinds of the matrix against estest. Each case writes only
// to its own index, "fm-<case>", so that the store can be checked per
// case while cases run in parallel on one cluster.

// opKind is one kind of operation.
type opKind struct {
	name   string
	method string
	path   string // %[1]s is the case's index
	// body returns the request body for the case's index; seed, if set,
	// runs before it, directly against the cluster.
	body func(index string) string
	seed func(t testing.TB, cl *estest.Cluster, index string) string
	// effect measures what the operation left in the store; when the
	// operation was applied (once: never more) it must be applied, and
	// unapplied otherwise.
	effect             func(cl *estest.Cluster, index, body string) int
	applied, unapplied int
}

func fixed(s string) func(string) string { return func(string) string { return s } }

// docCount is the effect of the operations that store documents.
func docCount(cl *estest.Cluster, index, _ string) int { return cl.DocCount(index) }

// updated is the effect of an update: whether the document has field u.
func updated(cl *estest.Cluster, index, _ string) int {
	b, ok := cl.Doc(index, "1")
	if !ok {
		return -1
	}
	var doc struct{ U int }
	json.Unmarshal(b, &doc)
	return doc.U
}

var opKinds = []opKind{
	{name: "read", method: "GET", path: "/%s/_doc/1", seed: seedDocs(1), effect: docCount, applied: 1, unapplied: 1},
	{name: "search by POST", method: "POST", path: "/%s/_search", body: fixed(`{"query":{"match_all":{}}}`),
		seed: seedDocs(1), effect: docCount, applied: 1, unapplied: 1},
	{name: "idempotent write (PUT)", method: "PUT", path: "/%s/_doc/1", body: fixed(`{"n":1}`), effect: docCount, applied: 1},
	{name: "idempotent write (POST)", method: "POST", path: "/%s/_doc/1", body: fixed(`{"n":1}`), effect: docCount, applied: 1},
	{name: "create (PUT)", method: "PUT", path: "/%s/_create/1", body: fixed(`{"n":1}`), effect: docCount, applied: 1},
	{name: "create (POST)", method: "POST", path: "/%s/_create/1", body: fixed(`{"n":1}`), effect: docCount, applied: 1},
	{name: "auto-id write", method: "POST", path: "/%s/_doc", body: fixed(`{"n":1}`), effect: docCount, applied: 1},
	{name: "bulk with ids (POST)", method: "POST", path: "/_bulk", body: bulkBody(true), effect: docCount, applied: 2},
	{name: "bulk with ids (PUT)", method: "PUT", path: "/_bulk", body: bulkBody(true), effect: docCount, applied: 2},
	{name: "bulk without ids", method: "POST", path: "/_bulk", body: bulkBody(false), effect: docCount, applied: 2},
	{name: "update without script", method: "POST", path: "/%s/_update/1", body: fixed(`{"doc":{"u":1}}`),
		seed: seedDocs(1), effect: updated, applied: 1, unapplied: 0},
	{name: "delete", method: "DELETE", path: "/%s/_doc/1", seed: seedDocs(1), effect: docCount, applied: 0, unapplied: 1},
	{name: "scroll continuation (POST)", method: "POST", path: "/_search/scroll", seed: openScroll,
		effect: pagesLeft, applied: 1, unapplied: 2},
	{name: "scroll continuation (GET)", method: "GET", path: "/_search/scroll", seed: openScroll,
		effect: pagesLeft, applied: 1, unapplied: 2},
}

// bulkBody returns a _bulk body of two index actions, the second with an
// id or (create) without.
func bulkBody(ids bool) func(string) string {
	return func(index string) string {
		second := fmt.Sprintf(`{"index":{"_index":%q,"_id":"2"}}`, index)
		if !ids {
			second = fmt.Sprintf(`{"create":{"_index":%q}}`, index)
		}
		return fmt.Sprintf("{\"index\":{\"_index\":%q,\"_id\":\"1\"}}\n{\"n\":1}\n%s\n{\"n\":2}\n", index, second)
	}
}

// seedDocs returns a seed that stores n documents, ids 1 to n.
func seedDocs(n int) func(testing.TB, *estest.Cluster, string) string {
	return func(t testing.TB, cl *estest.Cluster, index string) string {
		t.Helper()
		for i := 1; i <= n; i++ {
			direct(t, cl, "PUT", fmt.Sprintf("/%s/_doc/%d?refresh=true", index, i), `{"n":0,"u":0}`)
		}
		return ""
	}
}

// openScroll stores three documents and opens a scroll over them, one per
// page; the operation's body asks for the next page.
func openScroll(t testing.TB, cl *estest.Cluster, index string) string {
	t.Helper()
	seedDocs(3)(t, cl, index)
	var res struct {
		ScrollID string `json:"_scroll_id"`
	}
	json.Unmarshal(direct(t, cl, "POST", "/"+index+"/_search?scroll=1m", `{"size":1}`), &res)
	if res.ScrollID == "" {
		t.Fatal("no scroll id")
	}
	return fmt.Sprintf(`{"scroll":"1m","scroll_id":%q}`, res.ScrollID)
}

// pagesLeft is the effect of a scroll continuation: how many pages the
// scroll of body still has. Opened over three documents, one per page, it
// has two after the first; one after a continuation, none after two.
func pagesLeft(cl *estest.Cluster, _, body string) int {
	for n := range 5 {
		res, err := http.Post(cl.Node(1).URL()+"/_search/scroll", "application/json", strings.NewReader(body))
		if err != nil {
			return -1
		}
		var page struct {
			Hits struct{ Hits []json.RawMessage }
		}
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if err != nil || len(page.Hits.Hits) == 0 {
			return n
		}
	}
	return -1
}

// direct sends a request to the cluster's first live node without esrt,
// and returns the response body; it fails the test on any error status.
func direct(t testing.TB, cl *estest.Cluster, method, path, body string) []byte {
	t.Helper()
	for _, n := range cl.Nodes() {
		if !n.Alive() {
			continue
		}
		req, _ := http.NewRequest(method, n.URL()+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if res.StatusCode >= 300 || err != nil {
			t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
		}
		return b
	}
	t.Fatal("no live node")
	return nil
}
