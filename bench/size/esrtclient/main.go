// Command esrtclient indexes, searches and bulk-indexes with esrt's
// transport and typed client.
package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/client"
)

type doc struct {
	Title string `json:"title"`
}

func main() {
	ctx := context.Background()
	tr, err := esrt.New(esrt.Config{})
	if err != nil {
		panic(err)
	}
	defer tr.Close()
	es := client.New(&http.Client{Transport: tr})
	es.Index(ctx, client.IndexRequest{Index: "docs", ID: "1", Document: doc{"a"}})
	res, err := client.Search[doc](ctx, es, client.SearchRequest{Index: []string{"docs"}, Body: `{"query":{"match_all":{}}}`})
	if err == nil {
		fmt.Println(len(res.Hits.Hits))
	}
	bi, err := client.NewBulkIndexer(es, client.BulkIndexerConfig{Index: "docs"})
	if err != nil {
		panic(err)
	}
	for i := range 10 {
		bi.Add(ctx, client.BulkItem{ID: fmt.Sprint(i), Body: doc{"b"}})
	}
	bi.Close(ctx)
}
