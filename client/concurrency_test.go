package client_test

import (
	"context"
	"errors"
	"testing"

	"github.com/esrt-dev/esrt/client"
	"github.com/esrt-dev/esrt/estest"
)

// TestConditionalWrites: a write under the condition of a version that
// changed meanwhile is a conflict; under the current one it applies.
func TestConditionalWrites(t *testing.T) {
	ctx := context.Background()
	_, es, _ := newCluster(t, estest.Config{Nodes: 1})
	if _, err := es.Index(ctx, client.IndexRequest{Index: "o", ID: "1", Document: order{"new", 1}}); err != nil {
		t.Fatal(err)
	}
	read, err := client.Get[order](ctx, es, client.GetRequest{Index: "o", ID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := es.Index(ctx, client.IndexRequest{Index: "o", ID: "1", Document: order{"paid", 1}, If: read.Condition()})
	if err != nil || w.SeqNo <= read.SeqNo {
		t.Fatalf("write under the current version: %+v, %v", w, err)
	}
	_, err = es.Index(ctx, client.IndexRequest{Index: "o", ID: "1", Document: order{"lost", 1}, If: read.Condition()})
	var e *client.Error
	if !client.IsConflict(err) || !errors.As(err, &e) || e.Type != "version_conflict_engine_exception" {
		t.Fatalf("index under a stale version: %v", err)
	}
	if _, err := es.Update(ctx, client.UpdateRequest{Index: "o", ID: "1", Doc: order{Status: "x"}, If: read.Condition()}); !client.IsConflict(err) {
		t.Fatalf("update under a stale version: %v", err)
	}
	if _, err := es.Delete(ctx, client.DeleteRequest{Index: "o", ID: "1", If: read.Condition()}); !client.IsConflict(err) {
		t.Fatalf("delete under a stale version: %v", err)
	}
	if d, _ := client.Get[order](ctx, es, client.GetRequest{Index: "o", ID: "1"}); d == nil || d.Source.Status != "paid" {
		t.Fatalf("document after refused writes: %+v", d)
	}
}

// TestMGetRoundTrip reads found, missing and missing-index documents in
// one request, in the order asked.
func TestMGetRoundTrip(t *testing.T) {
	ctx := context.Background()
	_, es, _ := newCluster(t, estest.Config{Nodes: 1})
	for _, id := range []string{"1", "2"} {
		if _, err := es.Index(ctx, client.IndexRequest{Index: "o", ID: id, Document: order{"s" + id, 1}}); err != nil {
			t.Fatal(err)
		}
	}
	docs, err := client.MGet[order](ctx, es, client.MGetRequest{Index: "o", Docs: []client.DocRef{
		{ID: "2"}, {ID: "9"}, {Index: "nope", ID: "1"}, {ID: "1"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 4 || docs[0].Source.Status != "s2" || docs[1].Found || docs[2].Error == nil ||
		docs[2].Error.Type != "index_not_found_exception" || docs[3].Source.Status != "s1" {
		t.Fatalf("MGet = %+v", docs)
	}
}
