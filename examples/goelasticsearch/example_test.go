package goelasticsearch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"strings"

	"github.com/elastic/elastic-transport-go/v8/elastictransport"
	"github.com/elastic/go-elasticsearch/v9"
	"github.com/elastic/go-elasticsearch/v9/typedapi/types"
	"github.com/elastic/go-elasticsearch/v9/typedapi/types/enums/sortorder"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/estest"
)

// books are the documents the examples index.
var books = []struct {
	ID    string
	Title string
	Year  int
}{
	{"1", "The Go Programming Language", 2015},
	{"2", "Elasticsearch: The Definitive Guide", 2015},
	{"3", "Learning Go", 2021},
}

// esrt under go-elasticsearch's Config: the client keeps its API, esrt
// picks a node for every attempt.
func Example() {
	// A three-node cluster in this process; in production, your nodes.
	// go-elasticsearch v9 talks to Elasticsearch 9.
	cluster, err := estest.Start(estest.Config{Nodes: 3, Version: "9.1.0"})
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()

	tr, err := esrt.New(esrt.Config{Addresses: cluster.URLs()})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close() // after the client is done with it

	es, err := elasticsearch.NewClient(elasticsearch.Config{
		// The client writes one of these into each request's URL; esrt
		// replaces scheme and host with the node it chose.
		Addresses: cluster.URLs(),
		Transport: tr,
		// esrt retries every request as far as its operation allows;
		// retrying again here would multiply attempts and could resend a
		// write that esrt refused to repeat.
		DisableRetry: true,
	})
	if err != nil {
		log.Fatal(err)
	}

	for _, b := range books {
		doc := fmt.Sprintf(`{"title":%q,"year":%d}`, b.Title, b.Year)
		res, err := es.Index("books", strings.NewReader(doc), es.Index.WithDocumentID(b.ID))
		if err != nil {
			log.Fatal(err)
		}
		res.Body.Close()
		if res.IsError() {
			log.Fatalf("index %s: %s", b.ID, res.Status())
		}
	}
	res, err := es.Indices.Refresh(es.Indices.Refresh.WithIndex("books"))
	if err != nil {
		log.Fatal(err)
	}
	res.Body.Close()
	fmt.Printf("indexed %d books\n", len(books))

	res, err = es.Search(
		es.Search.WithIndex("books"),
		es.Search.WithBody(strings.NewReader(`{"query":{"match":{"title":"go"}},"sort":[{"year":"asc"}]}`)),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	if res.IsError() {
		log.Fatalf("search: %s", res.Status())
	}
	var found struct {
		Hits struct {
			Total struct{ Value int }
			Hits  []struct {
				Source struct {
					Title string
					Year  int
				} `json:"_source"`
			}
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&found); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d books match \"go\":\n", found.Hits.Total.Value)
	for _, h := range found.Hits.Hits {
		fmt.Printf("  %d %s\n", h.Source.Year, h.Source.Title)
	}
	// Output:
	// indexed 3 books
	// 2 books match "go":
	//   2015 The Go Programming Language
	//   2021 Learning Go
}

// esrt under go-elasticsearch's options API and its typed client: the
// transport and the retry setting go in as transport options.
func Example_typed() {
	cluster, err := estest.Start(estest.Config{Nodes: 3, Version: "9.1.0"})
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()

	tr, err := esrt.New(esrt.Config{Addresses: cluster.URLs()})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()

	es, err := elasticsearch.NewTyped(
		elasticsearch.WithAddresses(cluster.URLs()...),
		elasticsearch.WithTransportOptions(
			elastictransport.WithTransport(tr),
			elastictransport.WithDisableRetry(), // esrt retries
		),
	)
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	for _, b := range books {
		doc := map[string]any{"title": b.Title, "year": b.Year}
		if _, err := es.Index("books").Id(b.ID).Document(doc).Do(ctx); err != nil {
			log.Fatal(err)
		}
	}
	if _, err := es.Indices.Refresh().Index("books").Do(ctx); err != nil {
		log.Fatal(err)
	}

	res, err := es.Search().Index("books").
		Query(&types.Query{Match: map[string]types.MatchQuery{"title": {Query: "go"}}}).
		Sort(&types.SortOptions{SortOptions: map[string]types.FieldSort{"year": {Order: &sortorder.Asc}}}).
		Do(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d books match \"go\":\n", res.Hits.Total.Value)
	for _, h := range res.Hits.Hits {
		var b struct {
			Title string
			Year  int
		}
		if err := json.Unmarshal(h.Source_, &b); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("  %d %s\n", b.Year, b.Title)
	}
	// Output:
	// 2 books match "go":
	//   2015 The Go Programming Language
	//   2021 Learning Go
}
