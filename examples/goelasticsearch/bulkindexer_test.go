package goelasticsearch_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/elastic/go-elasticsearch/v9/esutil"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/estest"
)

// go-elasticsearch's esutil.BulkIndexer runs against estest through esrt:
// every document lands once, and estest answers each item as Elasticsearch
// does (a create of an existing id fails alone with 409).
func TestEsutilBulkIndexer(t *testing.T) {
	cluster := estest.New(t, estest.Config{Nodes: 3, Version: "9.1.0"})
	tr, err := esrt.New(esrt.Config{Addresses: cluster.URLs()})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	es := newClient(t, cluster.URLs(), tr, false)

	bi, err := esutil.NewBulkIndexer(esutil.BulkIndexerConfig{Client: es, Index: "docs", NumWorkers: 2, FlushBytes: 4 << 10})
	if err != nil {
		t.Fatal(err)
	}
	var conflicts atomic.Int64
	ctx := context.Background()
	for i := range 500 {
		item := esutil.BulkIndexerItem{Action: "index", DocumentID: fmt.Sprint(i), Body: strings.NewReader(fmt.Sprintf(`{"n":%d}`, i))}
		if err := bi.Add(ctx, item); err != nil {
			t.Fatal(err)
		}
	}
	err = bi.Add(ctx, esutil.BulkIndexerItem{
		Action: "create", DocumentID: "7", Body: strings.NewReader(`{"n":7}`),
		OnFailure: func(_ context.Context, _ esutil.BulkIndexerItem, res esutil.BulkIndexerResponseItem, _ error) {
			if res.Status == 409 && res.Error.Type == "version_conflict_engine_exception" {
				conflicts.Add(1)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := bi.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st := bi.Stats()
	if st.NumIndexed != 500 || st.NumFailed != 1 || conflicts.Load() != 1 {
		t.Errorf("stats %+v, %d conflicts; want 500 indexed, the create failed with 409", st, conflicts.Load())
	}
	if got := cluster.DocCount("docs"); got != 500 {
		t.Errorf("%d documents stored, want 500", got)
	}
}
