package client_test

import (
	"context"
	"errors"
	"testing"

	"github.com/esrt-dev/esrt/client"
	"github.com/esrt-dev/esrt/estest"
)

type order struct {
	Status string `json:"status"`
	Total  int    `json:"total"`
}

// TestDocumentRoundTrip runs every document call against estest, on the
// success and the error paths.
func TestDocumentRoundTrip(t *testing.T) {
	ctx := context.Background()
	_, es, _ := newCluster(t, estest.Config{Nodes: 3})

	if ok, err := es.Ping(ctx); !ok || err != nil {
		t.Fatalf("Ping = %v, %v", ok, err)
	}
	if _, err := es.CreateIndex(ctx, "orders", client.CreateIndexRequest{Settings: `{"number_of_shards":1}`}); err != nil {
		t.Fatal(err)
	}
	_, err := es.CreateIndex(ctx, "orders", client.CreateIndexRequest{})
	var e *client.Error
	if !errors.As(err, &e) || e.Type != "resource_already_exists_exception" || e.Status != 400 {
		t.Fatalf("second CreateIndex: %v", err)
	}
	if ok, err := es.IndexExists(ctx, "orders"); !ok || err != nil {
		t.Fatalf("IndexExists(orders) = %v, %v", ok, err)
	}
	if ok, err := es.IndexExists(ctx, "nope"); ok || err != nil {
		t.Fatalf("IndexExists(nope) = %v, %v; want false, nil", ok, err)
	}

	w, err := es.Index(ctx, client.IndexRequest{Index: "orders", ID: "1", Document: order{"paid", 10}, Refresh: "true"})
	if err != nil || w.Result != "created" || w.ID != "1" || w.Version != 1 {
		t.Fatalf("Index = %+v, %v", w, err)
	}
	auto, err := es.Index(ctx, client.IndexRequest{Index: "orders", Document: `{"status":"new","total":3}`})
	if err != nil || auto.ID == "" || auto.Result != "created" {
		t.Fatalf("Index without id = %+v, %v", auto, err)
	}
	if _, err := es.Create(ctx, client.IndexRequest{Index: "orders", ID: "1", Document: order{}}); !client.IsConflict(err) {
		t.Fatalf("Create of an existing id: %v, want a conflict", err)
	}
	if _, err := es.Index(ctx, client.IndexRequest{Index: "orders", ID: "1", OpType: "create", Document: order{}}); !client.IsConflict(err) {
		t.Fatalf("Index with op type create of an existing id: %v, want a conflict", err)
	}

	d, err := client.Get[order](ctx, es, client.GetRequest{Index: "orders", ID: "1"})
	if err != nil || !d.Found || d.Source != (order{"paid", 10}) || d.PrimaryTerm < 1 {
		t.Fatalf("Get = %+v, %v", d, err)
	}
	if _, err := client.Get[order](ctx, es, client.GetRequest{Index: "orders", ID: "404"}); !client.IsNotFound(err) {
		t.Fatalf("Get of a missing document: %v", err)
	}
	_, err = client.Get[order](ctx, es, client.GetRequest{Index: "nope", ID: "1"})
	if !errors.As(err, &e) || e.Type != "index_not_found_exception" {
		t.Fatalf("Get from a missing index: %v", err)
	}
	if ok, err := es.Exists(ctx, "orders", "1"); !ok || err != nil {
		t.Fatalf("Exists(1) = %v, %v", ok, err)
	}
	if ok, err := es.Exists(ctx, "orders", "404"); ok || err != nil {
		t.Fatalf("Exists(404) = %v, %v; want false, nil", ok, err)
	}

	u, err := es.Update(ctx, client.UpdateRequest{Index: "orders", ID: "1", Doc: map[string]string{"status": "shipped"}})
	if err != nil || u.Result != "updated" {
		t.Fatalf("Update = %+v, %v", u, err)
	}
	u, err = es.Update(ctx, client.UpdateRequest{Index: "orders", ID: "1", Doc: map[string]string{"status": "shipped"}})
	if err != nil || u.Result != "noop" {
		t.Fatalf("Update changing nothing = %+v, %v; want noop", u, err)
	}
	if _, err := es.Update(ctx, client.UpdateRequest{Index: "orders", ID: "2", Doc: order{Status: "x"}}); !client.IsNotFound(err) {
		t.Fatalf("Update of a missing document without upsert: %v", err)
	}
	u, err = es.Update(ctx, client.UpdateRequest{Index: "orders", ID: "2", Doc: order{"x", 1}, DocAsUpsert: true})
	if err != nil || u.Result != "created" {
		t.Fatalf("Update with doc_as_upsert = %+v, %v", u, err)
	}
	u, err = es.Update(ctx, client.UpdateRequest{Index: "orders", ID: "3", Doc: order{"x", 1}, Upsert: order{"up", 7}})
	if err != nil || u.Result != "created" {
		t.Fatalf("Update with upsert = %+v, %v", u, err)
	}
	if d, _ := client.Get[order](ctx, es, client.GetRequest{Index: "orders", ID: "3"}); d == nil || d.Source != (order{"up", 7}) {
		t.Fatalf("the upsert indexed %+v, want the upsert document", d)
	}

	del, err := es.Delete(ctx, client.DeleteRequest{Index: "orders", ID: "2"})
	if err != nil || del.Result != "deleted" {
		t.Fatalf("Delete = %+v, %v", del, err)
	}
	if _, err := es.Delete(ctx, client.DeleteRequest{Index: "orders", ID: "2"}); !client.IsNotFound(err) {
		t.Fatalf("second Delete: %v", err)
	}
	if err := es.DeleteIndex(ctx, "orders"); err != nil {
		t.Fatal(err)
	}
	err = es.DeleteIndex(ctx, "orders")
	if !errors.As(err, &e) || e.Type != "index_not_found_exception" || !client.IsNotFound(err) {
		t.Fatalf("DeleteIndex of a missing index: %v", err)
	}
}

// TestSearchRoundTrip searches estest with typed hits.
func TestSearchRoundTrip(t *testing.T) {
	ctx := context.Background()
	_, es, _ := newCluster(t, estest.Config{Nodes: 2})
	for i, o := range []order{{"paid", 5}, {"paid", 20}, {"new", 7}} {
		if _, err := es.Index(ctx, client.IndexRequest{Index: "orders", ID: string(rune('a' + i)), Document: o}); err != nil {
			t.Fatal(err)
		}
	}
	if err := es.Refresh(ctx, "orders"); err != nil {
		t.Fatal(err)
	}
	res, err := client.Search[order](ctx, es, client.SearchRequest{
		Index: []string{"orders"},
		Body:  map[string]any{"query": map[string]any{"term": map[string]any{"status": "paid"}}, "sort": []any{map[string]string{"total": "desc"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Hits.Total.Value != 2 || res.Hits.Total.Relation != "eq" || len(res.Hits.Hits) != 2 {
		t.Fatalf("hits %+v", res.Hits)
	}
	if h := res.Hits.Hits[0]; h.ID != "b" || h.Source != (order{"paid", 20}) || len(h.Sort) != 1 || string(h.Sort[0]) != "20" {
		t.Errorf("first hit %+v, want b sorted by total 20", h)
	}
	n, err := es.Count(ctx, client.CountRequest{Index: []string{"orders"}, Body: `{"query":{"term":{"status":"new"}}}`})
	if err != nil || n.Count != 1 {
		t.Fatalf("Count = %+v, %v", n, err)
	}
	_, err = client.Search[order](ctx, es, client.SearchRequest{Index: []string{"missing"}})
	var e *client.Error
	if !errors.As(err, &e) || e.Type != "index_not_found_exception" || e.Status != 404 {
		t.Fatalf("search of a missing index: %v", err)
	}
	_, err = client.Search[order](ctx, es, client.SearchRequest{Index: []string{"orders"}, Body: `{"query":{"nope":{}}}`})
	if !errors.As(err, &e) || e.Status != 400 || e.Type == "" {
		t.Fatalf("search with an unknown query: %v", err)
	}
	h, err := es.Health(ctx, client.HealthRequest{Index: []string{"orders"}})
	if err != nil || h.Status == "" || h.NumberOfNodes != 2 {
		t.Fatalf("Health = %+v, %v", h, err)
	}
}

// TestBadInput: calls the client cannot send are refused before any
// request.
func TestBadInput(t *testing.T) {
	ctx := context.Background()
	_, es, rec := newCluster(t, estest.Config{Nodes: 1})
	for name, run := range map[string]func() error{
		"no index":          func() error { _, err := es.Index(ctx, client.IndexRequest{Document: "{}"}); return err },
		"comma in index":    func() error { _, err := es.Index(ctx, client.IndexRequest{Index: "a,b", Document: "{}"}); return err },
		"no document":       func() error { _, err := es.Index(ctx, client.IndexRequest{Index: "a"}); return err },
		"create without id": func() error { _, err := es.Create(ctx, client.IndexRequest{Index: "a", Document: "{}"}); return err },
		"delete index none": func() error { return es.DeleteIndex(ctx) },
		"update both": func() error {
			_, err := es.Update(ctx, client.UpdateRequest{Index: "a", ID: "1", Doc: "{}", Script: "{}"})
			return err
		},
		"update neither": func() error { _, err := es.Update(ctx, client.UpdateRequest{Index: "a", ID: "1"}); return err },
		"get without id": func() error { _, err := client.Get[any](ctx, es, client.GetRequest{Index: "a"}); return err },
		"mget none":      func() error { _, err := client.MGet[any](ctx, es, client.MGetRequest{}); return err },
		"mget no index": func() error {
			_, err := client.MGet[any](ctx, es, client.MGetRequest{Docs: []client.DocRef{{ID: "1"}}})
			return err
		},
		"unmarshallable": func() error {
			_, err := es.Index(ctx, client.IndexRequest{Index: "a", Document: make(chan int)})
			return err
		},
		"pit keep-alive": func() error { _, err := es.OpenPointInTime(ctx, []string{"a"}, 0); return err },
	} {
		if err := run(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if n := len(rec.take()); n != 0 {
		t.Errorf("%d requests sent for refused calls", n)
	}
}
