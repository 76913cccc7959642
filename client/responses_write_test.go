package client_test

import (
	"context"
	"testing"

	"github.com/esrt-dev/esrt/client"
)

// TestDecodeWrites serves each real write answer to the call that gets it.
func TestDecodeWrites(t *testing.T) {
	ctx := context.Background()
	calls := map[string]struct {
		route string
		call  func(*client.Client) (*client.WriteResponse, error)
	}{
		"index_": {"PUT /idx/_doc/1", func(es *client.Client) (*client.WriteResponse, error) {
			return es.Index(ctx, client.IndexRequest{Index: "idx", ID: "1", Document: `{"a":1}`})
		}},
		"create_": {"PUT /idx/_create/1", func(es *client.Client) (*client.WriteResponse, error) {
			return es.Create(ctx, client.IndexRequest{Index: "idx", ID: "1", Document: `{"a":1}`})
		}},
		"delete_": {"DELETE /idx/_doc/1", func(es *client.Client) (*client.WriteResponse, error) {
			return es.Delete(ctx, client.DeleteRequest{Index: "idx", ID: "1"})
		}},
		"update_": {"POST /idx/_update/1", func(es *client.Client) (*client.WriteResponse, error) {
			return es.Update(ctx, client.UpdateRequest{Index: "idx", ID: "1", Doc: map[string]int{"a": 2}})
		}},
	}
	for prefix, c := range calls {
		for _, name := range glob(t, prefix+"*.json") {
			t.Run(name, func(t *testing.T) {
				status := 200
				if prefix == "index_" || prefix == "create_" {
					status = 201
				}
				es := serveFixtures(t, "", map[string]fixtureAnswer{c.route: {status, name}})
				got, err := c.call(es)
				if err != nil {
					t.Fatal(err)
				}
				want := raw(t, name)
				shards := want["_shards"].(map[string]any)
				if got.ID != want["_id"] || got.Index != want["_index"] || got.Result != want["result"] ||
					float64(got.Version) != want["_version"] || float64(got.SeqNo) != want["_seq_no"] ||
					float64(got.PrimaryTerm) != want["_primary_term"] || float64(got.Shards.Total) != shards["total"] {
					t.Errorf("got %+v, want %v", got, want)
				}
			})
		}
	}
}

func TestDecodeIndices(t *testing.T) {
	ctx := context.Background()
	for _, name := range glob(t, "indices_create_*.json") {
		t.Run(name, func(t *testing.T) {
			es := serveFixtures(t, "", map[string]fixtureAnswer{"PUT /idx": {200, name}})
			got, err := es.CreateIndex(ctx, "idx", client.CreateIndexRequest{Settings: `{"number_of_shards":1}`})
			if err != nil {
				t.Fatal(err)
			}
			want := raw(t, name)
			if got.Acknowledged != want["acknowledged"] || got.Index != want["index"] || got.ShardsAcknowledged != want["shards_acknowledged"] {
				t.Errorf("got %+v, want %v", got, want)
			}
		})
	}
	for _, name := range glob(t, "indices_delete_*.json") {
		t.Run(name, func(t *testing.T) {
			es := serveFixtures(t, "", map[string]fixtureAnswer{"DELETE /a,b": {200, name}})
			if err := es.DeleteIndex(ctx, "a", "b"); err != nil {
				t.Fatal(err)
			}
		})
	}
	for _, name := range glob(t, "refresh_*.json") {
		t.Run(name, func(t *testing.T) {
			es := serveFixtures(t, "", map[string]fixtureAnswer{"POST /idx/_refresh": {200, name}})
			if err := es.Refresh(ctx, "idx"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestDecodePointInTime opens and closes points in time against the real
// answers of both flavours; the version GET / reports picks the API.
func TestDecodePointInTime(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		open, close, info   string
		openPath, closePath string
	}{
		{"open_pit_es.json", "close_pit_es.json", "info_es8.json", "POST /idx/_pit", "DELETE /_pit"},
		{"open_pit_es7_id_only.json", "close_pit_es.json", "info_es9.json", "POST /idx/_pit", "DELETE /_pit"},
		{"open_pit_os.json", "close_pit_os.json", "info_os2_10.json", "POST /idx/_search/point_in_time", "DELETE /_search/point_in_time"},
	}
	for _, tt := range tests {
		t.Run(tt.open, func(t *testing.T) {
			es := serveFixtures(t, tt.info, map[string]fixtureAnswer{tt.openPath: {200, tt.open}, tt.closePath: {200, tt.close}})
			id, err := es.OpenPointInTime(ctx, []string{"idx"}, 60e9)
			if err != nil {
				t.Fatal(err)
			}
			want := raw(t, tt.open)
			if id != want["id"] && id != want["pit_id"] {
				t.Errorf("id %q, want the fixture's", id)
			}
			if err := es.ClosePointInTime(ctx, id); err != nil {
				t.Fatal(err)
			}
		})
	}
	for _, info := range []string{"info_os1.json", "info_es7.json"} { // OpenSearch 1.3, Elasticsearch 7.9
		t.Run(info+" has none", func(t *testing.T) {
			es := serveFixtures(t, info, nil)
			if _, err := es.OpenPointInTime(ctx, []string{"idx"}, 60e9); err != client.ErrNoPointInTime {
				t.Fatalf("err = %v, want ErrNoPointInTime", err)
			}
		})
	}
}
