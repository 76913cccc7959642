//go:build sizepeers

// Command goestyped indexes, searches and bulk-indexes with
// go-elasticsearch's typed API. It builds only with -tags sizepeers:
// the typed API takes minutes to compile from a cold cache, which every
// go build ./... of this module would otherwise pay.
package main

import (
	"context"
	"fmt"

	"github.com/elastic/go-elasticsearch/v9"
	"github.com/elastic/go-elasticsearch/v9/typedapi/types"
)

type doc struct {
	Title string `json:"title"`
}

func main() {
	ctx := context.Background()
	es, err := elasticsearch.NewTypedClient(elasticsearch.Config{})
	if err != nil {
		panic(err)
	}
	es.Index("docs").Id("1").Document(doc{"a"}).Do(ctx)
	res, err := es.Search().Index("docs").Query(&types.Query{MatchAll: &types.MatchAllQuery{}}).Do(ctx)
	if err == nil {
		fmt.Println(len(res.Hits.Hits))
	}
	bulk := es.Bulk()
	for i := range 10 {
		id := fmt.Sprint(i)
		bulk.IndexOp(types.IndexOperation{Index_: strPtr("docs"), Id_: &id}, doc{"b"})
	}
	bulk.Do(ctx)
}

func strPtr(s string) *string { return &s }
