package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/client"
	"github.com/esrt-dev/esrt/estest"
)

// exampleClient starts a three-node estest cluster and a client over esrt's
// default chain; stop closes both.
func exampleClient() (es *client.Client, stop func(), err error) {
	cluster, err := estest.Start(estest.Config{Nodes: 3})
	if err != nil {
		return nil, nil, err
	}
	tr, err := esrt.New(esrt.Config{Addresses: cluster.URLs()})
	if err != nil {
		cluster.Close()
		return nil, nil, err
	}
	stop = func() { tr.Close(); cluster.Close() }
	return client.New(&http.Client{Transport: tr}), stop, nil
}

func ExampleNew() {
	tr, err := esrt.New(esrt.Config{Addresses: []string{"http://127.0.0.1:9200"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tr.Close()
	es := client.New(&http.Client{Transport: tr})
	fmt.Printf("%T\n", es)
	// Output: *client.Client
}

func ExampleSearch() {
	es, stop, err := exampleClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()
	ctx := context.Background()

	type Order struct {
		Status string `json:"status"`
		Total  int    `json:"total"`
	}
	for id, o := range map[string]Order{"1": {"paid", 30}, "2": {"new", 12}, "3": {"paid", 5}} {
		if _, err := es.Index(ctx, client.IndexRequest{Index: "orders", ID: id, Document: o}); err != nil {
			fmt.Println(err)
			return
		}
	}
	if err := es.Refresh(ctx, "orders"); err != nil {
		fmt.Println(err)
		return
	}

	res, err := client.Search[Order](ctx, es, client.SearchRequest{
		Index: []string{"orders"},
		Body:  `{"query":{"term":{"status":"paid"}},"sort":[{"total":"desc"}]}`,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("matched:", res.Hits.Total.Value, res.Hits.Total.Relation)
	for _, hit := range res.Hits.Hits {
		fmt.Println(hit.ID, hit.Source.Status, hit.Source.Total)
	}

	_, err = client.Search[Order](ctx, es, client.SearchRequest{Index: []string{"invoices"}})
	var e *client.Error
	if errors.As(err, &e) {
		fmt.Println(e.Status, e.Type)
	}
	// Output:
	// matched: 2 eq
	// 1 paid 30
	// 3 paid 5
	// 404 index_not_found_exception
}

func ExampleScan() {
	es, stop, err := exampleClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()
	ctx := context.Background()

	type Event struct {
		Seq int `json:"seq"`
	}
	for i := range 25 {
		doc := Event{Seq: i}
		if _, err := es.Index(ctx, client.IndexRequest{Index: "events", ID: fmt.Sprint(i), Document: doc}); err != nil {
			fmt.Println(err)
			return
		}
	}
	if err := es.Refresh(ctx, "events"); err != nil {
		fmt.Println(err)
		return
	}

	// Pages of 10 from one point in time; the loop sees every document once.
	sum, n := 0, 0
	for hit, err := range client.Scan[Event](ctx, es, client.ScanRequest{
		Index:    []string{"events"},
		Body:     `{"sort":[{"seq":"asc"}]}`,
		PageSize: 10,
	}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		sum += hit.Source.Seq
		n++
	}
	fmt.Println(n, "events, seq sum", sum)
	// Output: 25 events, seq sum 300
}
