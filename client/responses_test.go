package client_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/client"
)

// fixture reads a real response body from testdata/responses.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "responses", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// raw decodes a fixture generically, to compare the typed decoding with.
func raw(t *testing.T, name string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(fixture(t, name), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// serveFixtures answers each path (a request line "METHOD /path") with a
// status and a fixture; GET / answers info (an info fixture) so that
// calls which ask the cluster's version first work.
func serveFixtures(t *testing.T, info string, routes map[string]fixtureAnswer) *client.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Method + " " + r.URL.Path
		a, ok := routes[key]
		if !ok && key == "GET /" && info != "" {
			a, ok = fixtureAnswer{200, info}, true
		}
		if !ok {
			t.Errorf("unexpected request %s", key)
			w.WriteHeader(599)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		if r.Method != http.MethodHead {
			w.Write(fixture(t, a.file))
		}
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return client.New(srv.Client(), client.WithBaseURL(u))
}

type fixtureAnswer struct {
	status int
	file   string
}

// TestResponseFixturesAllCovered fails when a fixture is added that no
// decoding test reads.
func TestResponseFixturesAllCovered(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "responses", "*.json"))
	if len(files) < 77 {
		t.Fatalf("%d fixtures, want the 77 real bodies", len(files))
	}
	covered := map[string]bool{}
	for _, prefix := range []string{"info_", "cluster_health_", "count_", "get_", "mget_", "index_", "create_",
		"delete_", "update_", "indices_", "refresh_", "open_pit_", "close_pit_", "search_", "scroll_",
		"clear_scroll_", "error_", "bulk_"} {
		covered[prefix] = true
	}
	for _, f := range files {
		name := filepath.Base(f)
		ok := false
		for p := range covered {
			if strings.HasPrefix(name, p) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s: no decoding test reads it", name)
		}
	}
}

func glob(t *testing.T, pattern string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("testdata", "responses", pattern))
	if len(files) == 0 {
		t.Fatalf("no fixture matches %s", pattern)
	}
	for i, f := range files {
		files[i] = filepath.Base(f)
	}
	return files
}

func TestDecodeInfo(t *testing.T) {
	for _, name := range glob(t, "info_*.json") {
		t.Run(name, func(t *testing.T) {
			es := serveFixtures(t, name, nil)
			got, err := es.Info(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want := raw(t, name)
			v := want["version"].(map[string]any)
			if got.Name != want["name"] || got.ClusterName != want["cluster_name"] || got.Version.Number != v["number"] {
				t.Errorf("got %+v, want %v", got, want)
			}
			if got.Version.OpenSearch() != (v["distribution"] == "opensearch") {
				t.Errorf("OpenSearch() = %v for distribution %v", got.Version.OpenSearch(), v["distribution"])
			}
		})
	}
}

func TestDecodeHealth(t *testing.T) {
	for _, name := range glob(t, "cluster_health_*.json") {
		t.Run(name, func(t *testing.T) {
			want := raw(t, name)
			status := 200
			if want["timed_out"] == true {
				status = http.StatusRequestTimeout // as Elasticsearch answers a wait that timed out
			}
			es := serveFixtures(t, "", map[string]fixtureAnswer{"GET /_cluster/health": {status, name}})
			got, err := es.Health(context.Background(), client.HealthRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != want["status"] || got.TimedOut != want["timed_out"] ||
				float64(got.UnassignedShards) != want["unassigned_shards"] || float64(got.ActiveShards) != want["active_shards"] {
				t.Errorf("got %+v, want %v", got, want)
			}
		})
	}
}

func TestDecodeCount(t *testing.T) {
	for _, name := range glob(t, "count_*.json") {
		t.Run(name, func(t *testing.T) {
			es := serveFixtures(t, "", map[string]fixtureAnswer{"POST /idx/_count": {200, name}})
			got, err := es.Count(context.Background(), client.CountRequest{Index: []string{"idx"}})
			if err != nil {
				t.Fatal(err)
			}
			want := raw(t, name)
			if float64(got.Count) != want["count"] || got.TerminatedEarly != (want["terminated_early"] == true) {
				t.Errorf("got %+v, want %v", got, want)
			}
			if float64(got.Shards.Total) != want["_shards"].(map[string]any)["total"] {
				t.Errorf("shards %+v, want %v", got.Shards, want["_shards"])
			}
		})
	}
}

func TestDecodeGet(t *testing.T) {
	for _, name := range glob(t, "get_*.json") {
		t.Run(name, func(t *testing.T) {
			want := raw(t, name)
			found := want["found"] == true
			status := 200
			if !found {
				status = 404
			}
			es := serveFixtures(t, "", map[string]fixtureAnswer{"GET /idx/_doc/1": {status, name}})
			got, err := client.Get[map[string]any](context.Background(), es, client.GetRequest{Index: "idx", ID: "1"})
			if !found {
				if !client.IsNotFound(err) || !strings.Contains(err.Error(), "document [1] not found in [idx]") {
					t.Fatalf("err = %v, want a not-found *Error naming the document", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != want["_id"] || got.Index != want["_index"] || !got.Found || float64(got.SeqNo) != want["_seq_no"] ||
				float64(got.PrimaryTerm) != want["_primary_term"] || got.Routing != stringOr(want["_routing"]) {
				t.Errorf("got %+v, want %v", got, want)
			}
			if src, ok := want["_source"]; ok && !reflect.DeepEqual(got.Source, src) {
				t.Errorf("source %v, want %v", got.Source, src)
			}
			if f, ok := want["fields"].(map[string]any); ok && len(got.Fields) != len(f) {
				t.Errorf("fields %v, want %v", got.Fields, f)
			}
		})
	}
}

func stringOr(v any) string {
	s, _ := v.(string)
	return s
}

func TestDecodeMGet(t *testing.T) {
	for _, name := range glob(t, "mget_*.json") {
		t.Run(name, func(t *testing.T) {
			es := serveFixtures(t, "", map[string]fixtureAnswer{"POST /_mget": {200, name}})
			got, err := client.MGet[map[string]any](context.Background(), es, client.MGetRequest{
				Docs: []client.DocRef{{Index: "a", ID: "1"}, {Index: "b", ID: "2"}},
			})
			if err != nil {
				t.Fatal(err)
			}
			want := raw(t, name)["docs"].([]any)
			if len(got) != len(want) {
				t.Fatalf("%d docs, want %d", len(got), len(want))
			}
			for i, w := range want {
				w := w.(map[string]any)
				if got[i].ID != w["_id"] || got[i].Found != w["found"] {
					t.Errorf("doc %d: got %+v, want %v", i, got[i], w)
				}
				if src, ok := w["_source"]; ok && !reflect.DeepEqual(got[i].Source, src) {
					t.Errorf("doc %d: source %v, want %v", i, got[i].Source, src)
				}
			}
		})
	}
}
