package goelasticsearch8_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/examples/internal/dropin"
)

// A node killed halfway through a run of index and search requests costs
// the application nothing: every request succeeds, the dead node gets the
// one attempt that found it dead, and every document is stored once.
func TestNodeKilledMidRun(t *testing.T) {
	const writes = 20 // each followed by a search
	cluster := estest.New(t, estest.Config{Nodes: 3, Version: "8.19.0"})
	tr, attempts := dropin.Transport(t, cluster, esrt.Config{})
	es, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: cluster.URLs(), Transport: tr, DisableRetry: true})
	if err != nil {
		t.Fatalf("elasticsearch.NewClient: %v", err)
	}

	victim := cluster.Node(1)
	for i := range writes {
		if i == writes/2 {
			victim.Kill()
		}
		res, err := es.Index("books", strings.NewReader(fmt.Sprintf(`{"title":"book %d"}`, i)), es.Index.WithDocumentID(fmt.Sprint(i)))
		check(t, "index", res, err)
		res, err = es.Search(es.Search.WithIndex("books"))
		check(t, "search", res, err)
	}

	if got := cluster.DocCount("books"); got != writes {
		t.Errorf("documents = %d, want %d", got, writes)
	}
	if got := attempts.Total(); got > 2*writes+1 {
		t.Errorf("attempts = %d, want at most %d: one per request and one retried away from the killed node", got, 2*writes+1)
	}
}

// check fails t unless the request succeeded, and closes the body.
func check(t *testing.T, what string, res *esapi.Response, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	defer res.Body.Close()
	if res.IsError() {
		var e json.RawMessage
		_ = json.NewDecoder(res.Body).Decode(&e)
		t.Fatalf("%s: %s %s", what, res.Status(), e)
	}
}
