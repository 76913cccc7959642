package client_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/client"
	"github.com/esrt-dev/esrt/estest"
)

func ExampleBulkIndexer() {
	c, err := estest.Start(estest.Config{Nodes: 3})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	tr, err := esrt.New(esrt.Config{Addresses: c.URLs()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tr.Close()
	es := client.New(&http.Client{Transport: tr})

	bi, err := client.NewBulkIndexer(es, client.BulkIndexerConfig{
		Index: "books",
		OnFailure: func(ctx context.Context, item client.BulkItem, res client.BulkResult, err error) {
			fmt.Printf("%s %s: %v\n", item.Action, item.ID, err)
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	for i, title := range []string{"Dune", "Emma", "Ulysses"} {
		item := client.BulkItem{ID: strconv.Itoa(i + 1), Body: map[string]string{"title": title}}
		if err := bi.Add(ctx, item); err != nil { // waits while the indexer is full
			fmt.Println(err)
			return
		}
	}
	if err := bi.Flush(ctx); err != nil { // every item added so far has ended
		fmt.Println(err)
		return
	}
	// A create of a document that exists fails alone, with the item's error.
	if err := bi.Add(ctx, client.BulkItem{Action: "create", ID: "1", Body: `{"title":"Dune"}`}); err != nil {
		fmt.Println(err)
		return
	}
	if err := bi.Close(ctx); err != nil {
		fmt.Println(err)
		return
	}
	st := bi.Stats()
	fmt.Printf("added %d, indexed %d, failed %d; %d documents\n", st.Added, st.Indexed, st.Failed, c.DocCount("books"))
	// Output:
	// create 1: esrt: bulk: 409 version_conflict_engine_exception: [1]: version conflict, document already exists (current version [1])
	// added 4, indexed 3, failed 1; 3 documents
}
