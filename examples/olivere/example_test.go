package olivere_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"

	"github.com/olivere/elastic/v7"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/examples/olivere"
)

type book struct {
	Title string `json:"title"`
	Year  int    `json:"year"`
}

// esrt under olivere/elastic v7.
func Example() {
	// A three-node cluster in this process; in production, your nodes.
	cluster, err := estest.Start(estest.Config{Nodes: 3})
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()

	tr, err := esrt.New(esrt.Config{Addresses: cluster.URLs()})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()

	client, err := elastic.NewClient(
		// olivere writes one of these into each request's URL; esrt
		// replaces scheme and host with the node it chose.
		elastic.SetURL(cluster.URLs()...),
		elastic.SetHttpClient(&http.Client{Transport: tr}),
		// esrt selects a node for every attempt, tracks node health and,
		// when asked, discovers the nodes: olivere's sniffer and health
		// checks would go through esrt to whichever node it picks, so they
		// could only repeat that work, blindly and in goroutines of their
		// own.
		elastic.SetSniff(false),
		elastic.SetHealthcheck(false),
		// Retry nothing esrt already retried; see olivere.Retrier.
		elastic.SetRetrier(olivere.Retrier()),
	)
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	bulk := client.Bulk().Index("books")
	for id, b := range map[string]book{
		"1": {"The Go Programming Language", 2015},
		"2": {"Elasticsearch: The Definitive Guide", 2015},
		"3": {"Learning Go", 2021},
	} {
		bulk.Add(elastic.NewBulkIndexRequest().Id(id).Doc(b))
	}
	res, err := bulk.Refresh("true").Do(ctx)
	if err != nil {
		log.Fatal(err)
	}
	if res.Errors {
		log.Fatalf("bulk: %d items failed", len(res.Failed()))
	}
	fmt.Printf("indexed %d books\n", len(res.Succeeded()))

	found, err := client.Search("books").
		Query(elastic.NewMatchQuery("title", "go")).
		Sort("year", true).
		Do(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d books match \"go\":\n", found.TotalHits())
	for _, h := range found.Hits.Hits {
		var b book
		if err := json.Unmarshal(h.Source, &b); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("  %d %s\n", b.Year, b.Title)
	}
	// Output:
	// indexed 3 books
	// 2 books match "go":
	//   2015 The Go Programming Language
	//   2021 Learning Go
}
