package goelasticsearch8_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/elastic/go-elasticsearch/v8"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/estest"
)

// esrt under go-elasticsearch v8: the same two settings as with v9.
func Example() {
	cluster, err := estest.Start(estest.Config{Nodes: 3, Version: "8.19.0"})
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
		Addresses:    cluster.URLs(), // esrt replaces scheme and host per attempt
		Transport:    tr,
		DisableRetry: true, // esrt already retried as far as each operation allows
	})
	if err != nil {
		log.Fatal(err)
	}

	res, err := es.Index("books", strings.NewReader(`{"title":"Learning Go"}`), es.Index.WithDocumentID("1"))
	if err != nil {
		log.Fatal(err)
	}
	res.Body.Close()
	fmt.Println("index:", res.StatusCode)

	res, err = es.Count(es.Count.WithIndex("books"))
	if err != nil {
		log.Fatal(err)
	}
	res.Body.Close()
	fmt.Println("count:", res.StatusCode)
	// Output:
	// index: 201
	// count: 200
}
