package opensearchgo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"strings"

	"github.com/opensearch-project/opensearch-go/v4"
	"github.com/opensearch-project/opensearch-go/v4/opensearchapi"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/estest"
)

// esrt under opensearch-go's opensearchapi client.
func Example() {
	// A three-node OpenSearch cluster in this process; in production,
	// your nodes.
	cluster, err := estest.Start(estest.Config{Nodes: 3, Product: estest.OpenSearch})
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()

	tr, err := esrt.New(esrt.Config{Addresses: cluster.URLs()})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close() // after the client

	client, err := opensearchapi.NewClient(opensearchapi.Config{
		Client: opensearch.Config{
			// The client writes one of these into each request's URL;
			// esrt replaces scheme and host with the node it chose.
			Addresses: cluster.URLs(),
			Transport: tr,
			// esrt retries every request as far as its operation allows;
			// retrying again here would multiply attempts and could
			// resend a write that esrt refused to repeat.
			DisableRetry: true,
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Client.Close() // stops the client's background work

	ctx := context.Background()
	books := []struct {
		ID    string
		Title string
		Year  int
	}{
		{"1", "The Go Programming Language", 2015},
		{"2", "OpenSearch in Action", 2024},
		{"3", "Learning Go", 2021},
	}
	for _, b := range books {
		doc := fmt.Sprintf(`{"title":%q,"year":%d}`, b.Title, b.Year)
		_, err := client.Index(ctx, opensearchapi.IndexReq{Index: "books", DocumentID: b.ID, Body: strings.NewReader(doc)})
		if err != nil {
			log.Fatal(err)
		}
	}
	if _, err := client.Indices.Refresh(ctx, &opensearchapi.IndicesRefreshReq{Index: []string{"books"}}); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("indexed %d books\n", len(books))

	res, err := client.Search(ctx, &opensearchapi.SearchReq{
		Indices: []string{"books"},
		Body:    strings.NewReader(`{"query":{"match":{"title":"go"}},"sort":[{"year":"asc"}]}`),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d books match \"go\":\n", res.Hits.Total.Value)
	for _, h := range res.Hits.Hits {
		var b struct {
			Title string
			Year  int
		}
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
