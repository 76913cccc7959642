package client_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/esrt-dev/esrt/client"
)

// TestDecodeSearch decodes every real search answer and compares each
// part with the fixture read generically.
func TestDecodeSearch(t *testing.T) {
	for _, name := range append(glob(t, "search_*.json"), glob(t, "scroll_*.json")...) {
		t.Run(name, func(t *testing.T) {
			es := serveFixtures(t, "", map[string]fixtureAnswer{"POST /idx/_search": {200, name}})
			got, err := client.Search[map[string]any](context.Background(), es, client.SearchRequest{
				Index: []string{"idx"}, Body: `{"query":{"match_all":{}}}`,
			})
			if err != nil {
				t.Fatal(err)
			}
			want := raw(t, name)
			hits := want["hits"].(map[string]any)
			total := hits["total"].(map[string]any)
			if float64(got.Hits.Total.Value) != total["value"] || got.Hits.Total.Relation != total["relation"] {
				t.Errorf("total %+v, want %v", got.Hits.Total, total)
			}
			if (got.Hits.MaxScore == nil) != (hits["max_score"] == nil) {
				t.Errorf("max_score %v, want %v", got.Hits.MaxScore, hits["max_score"])
			}
			wantHits := hits["hits"].([]any)
			if len(got.Hits.Hits) != len(wantHits) {
				t.Fatalf("%d hits, want %d", len(got.Hits.Hits), len(wantHits))
			}
			for i, w := range wantHits {
				checkHit(t, got.Hits.Hits[i], w.(map[string]any))
			}
			checkKeys(t, "aggregations", got.Aggregations, want["aggregations"])
			checkKeys(t, "suggest", got.Suggest, want["suggest"])
			if s, ok := want["_shards"].(map[string]any); ok {
				if float64(got.Shards.Failed) != s["failed"] || len(got.Shards.Failures) != len(anyList(s["failures"])) {
					t.Errorf("shards %+v, want %v", got.Shards, s)
				}
			}
			if got.ScrollID != stringOr(want["_scroll_id"]) || got.PitID != stringOr(want["pit_id"]) {
				t.Errorf("scroll id %q, pit id %q; want the fixture's", got.ScrollID, got.PitID)
			}
		})
	}
}

func anyList(v any) []any {
	l, _ := v.([]any)
	return l
}

// checkHit compares one decoded hit with the fixture's.
func checkHit(t *testing.T, got client.Hit[map[string]any], want map[string]any) {
	t.Helper()
	if got.ID != want["_id"] || got.Index != want["_index"] {
		t.Errorf("hit %s/%s, want %v/%v", got.Index, got.ID, want["_index"], want["_id"])
	}
	if s, ok := want["_score"].(float64); ok && (got.Score == nil || *got.Score != s) || !ok && got.Score != nil {
		t.Errorf("hit %s: score %v, want %v", got.ID, got.Score, want["_score"])
	}
	if src, ok := want["_source"]; ok && !reflect.DeepEqual(got.Source, src) {
		t.Errorf("hit %s: source %v, want %v", got.ID, got.Source, src)
	}
	if s, ok := want["sort"]; ok {
		b, _ := json.Marshal(got.Sort)
		var back any
		json.Unmarshal(b, &back)
		if !reflect.DeepEqual(back, s) {
			t.Errorf("hit %s: sort %s, want %v", got.ID, b, s)
		}
	}
	if h, ok := want["highlight"]; ok {
		b, _ := json.Marshal(got.Highlight)
		var back any
		json.Unmarshal(b, &back)
		if !reflect.DeepEqual(back, h) {
			t.Errorf("hit %s: highlight %s, want %v", got.ID, b, h)
		}
	}
	checkKeys(t, "inner_hits", got.InnerHits, want["inner_hits"])
	checkKeys(t, "fields", got.Fields, want["fields"])
}

// checkKeys compares a raw map's names and values with the fixture's.
func checkKeys(t *testing.T, what string, got map[string]json.RawMessage, want any) {
	t.Helper()
	w, _ := want.(map[string]any)
	if len(got) != len(w) {
		t.Errorf("%s: %d entries, want %d", what, len(got), len(w))
	}
	for k, v := range w {
		var back any
		if err := json.Unmarshal(got[k], &back); err != nil || !reflect.DeepEqual(back, v) {
			t.Errorf("%s[%s] = %s, want %v", what, k, got[k], v)
		}
	}
}

// TestAggregation decodes one aggregation of a real answer into the
// caller's type.
func TestAggregation(t *testing.T) {
	es := serveFixtures(t, "", map[string]fixtureAnswer{"POST /idx/_search": {200, "search_aggs_terms_avg.json"}})
	res, err := client.Search[json.RawMessage](context.Background(), es, client.SearchRequest{Index: []string{"idx"}})
	if err != nil {
		t.Fatal(err)
	}
	want := raw(t, "search_aggs_terms_avg.json")["aggregations"].(map[string]any)
	for name, agg := range want {
		type bucket struct {
			Key      any   `json:"key"`
			DocCount int64 `json:"doc_count"`
		}
		got, err := client.Aggregation[struct {
			Buckets []bucket `json:"buckets"`
		}](res.Aggregations, name)
		if err != nil {
			t.Fatal(err)
		}
		wb := agg.(map[string]any)["buckets"].([]any)
		if len(got.Buckets) != len(wb) || len(wb) == 0 {
			t.Fatalf("%s: %d buckets, want %d", name, len(got.Buckets), len(wb))
		}
		for i, b := range wb {
			if float64(got.Buckets[i].DocCount) != b.(map[string]any)["doc_count"] {
				t.Errorf("%s bucket %d: %+v, want %v", name, i, got.Buckets[i], b)
			}
		}
	}
	if _, err := client.Aggregation[any](res.Aggregations, "missing"); err == nil {
		t.Error("a missing aggregation decoded without an error")
	}
}

// TestTotalForms reads hits.total in the Elasticsearch 6 form, a bare
// number, as an exact count.
func TestTotalForms(t *testing.T) {
	for in, want := range map[string]client.Total{
		`17`:                               {Value: 17, Relation: "eq"},
		`{"value":10000,"relation":"gte"}`: {Value: 10000, Relation: "gte"},
		`null`:                             {},
	} {
		var got client.Total
		if err := json.Unmarshal([]byte(in), &got); err != nil || got != want {
			t.Errorf("%s: got %+v, %v; want %+v", in, got, err, want)
		}
	}
}
