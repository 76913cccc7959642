package endpoint

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

// fillIndex and fillValue are what TestLookupEveryRoute puts in for
// placeholders, raw as they travel on the wire: a plain name, a comma list,
// date math, _all, a wildcard, an id with an escaped slash, non-ASCII.
var (
	fillIndex = []string{"logs-2026.11", "logs-a,logs-b", "%3Clogs-%7Bnow%2Fd%7D%3E", "_all", "logs-*"}
	fillValue = []string{"x-1", "a%2Fb", "caf%C3%A9", "node-7,node-8", "Zm9v"}
)

// fill returns template with its placeholders replaced by the variant-th
// fill value.
func fill(template string, variant int) string {
	segs := strings.Split(template, "/")
	for i, s := range segs {
		switch {
		case s == "{index}":
			segs[i] = fillIndex[variant%len(fillIndex)]
		case isPlaceholder(s):
			segs[i] = fillValue[variant%len(fillValue)]
		}
	}
	return strings.Join(segs, "/")
}

// sameShape maps templates whose one placeholder the path cannot name:
// GET /_nodes/{x} is nodes.info whether x lists nodes or metrics, and Parse
// reports x as "node_id", the name of the first such template.
var sameShape = map[string]string{
	"GET /_nodes/{metric}":            "node_id",
	"GET /_nodes/{node_id_or_metric}": "node_id", // OpenSearch's name
}

// TestLookupEveryRoute walks every method and path template of both
// specifications, fills the placeholders with realistic values, and checks
// that Lookup and Parse find the endpoint and Parse the values.
func TestLookupEveryRoute(t *testing.T) {
	ambiguous := map[string]string{}
	for k, id := range factAmbiguous {
		ambiguous[shapeKey(k)] = id
	}
	checked := 0
	for _, ep := range fixtures(t) {
		for _, p := range ep.Paths {
			for _, m := range p.Methods {
				want := ep.ID
				if id, ok := ambiguous[m+" "+shape(p.Path)]; ok {
					want = id // the documented ambiguities: see factAmbiguous
				}
				for variant := range len(fillIndex) {
					path := fill(p.Path, variant)
					got := Lookup(m, path)
					if got.ID != want {
						t.Errorf("Lookup(%s %s) = %q, want %q (template %s)", m, path, got.ID, want, p.Path)
						continue
					}
					checked++
					c := Parse(m, path)
					if c.Endpoint != got {
						t.Errorf("Parse(%s %s) = %+v, Lookup = %+v", m, path, c.Endpoint, got)
					}
					if want != ep.ID {
						continue // another template: other names
					}
					template := p.Path
					if name, ok := sameShape[m+" "+template]; ok {
						template = "/_nodes/{" + name + "}"
					}
					checkParams(t, m, template, path, c)
				}
			}
		}
	}
	if checked < 8000 {
		t.Fatalf("only %d lookups checked", checked)
	}
}

// checkParams checks that c holds the values that fill put into template.
func checkParams(t *testing.T, method, template, path string, c Call) {
	t.Helper()
	tsegs, psegs := strings.Split(template, "/"), strings.Split(path, "/")
	want := map[string]string{}
	for i, s := range tsegs {
		if isPlaceholder(s) {
			v, _ := url.PathUnescape(psegs[i])
			want[strings.Trim(s, "{}")] = v
		}
	}
	if len(want) == 0 {
		want = nil
	}
	if !mapsEqual(c.Params, want) {
		t.Errorf("Parse(%s %s).Params = %q, want %q", method, path, c.Params, want)
	}
	var indices []string
	if v, ok := want["index"]; ok {
		indices = strings.Split(v, ",")
	}
	if !slices.Equal(c.Indices, indices) {
		t.Errorf("Parse(%s %s).Indices = %q, want %q", method, path, c.Indices, indices)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) || (a == nil) != (b == nil) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestLookupResolution pins the matching rules on the cases that
// testdata/README.md names, and the differences between Elasticsearch
// and OpenSearch that the one table resolves.
func TestLookupResolution(t *testing.T) {
	tests := []struct {
		method, path, want string
	}{
		// A literal segment before a placeholder, with backtracking.
		{"POST", "/_scripts/painless/_execute", "scripts_painless_execute"},
		{"POST", "/_scripts/painless/score", "put_script"},
		{"GET", "/_nodes/stats", "nodes.stats"},
		{"GET", "/_nodes/usage", "nodes.usage"},
		{"GET", "/_nodes/hot_threads", "nodes.hot_threads"},
		{"GET", "/_nodes/node-1", "nodes.info"},
		{"GET", "/_nodes/jvm,os", "nodes.info"}, // {metric}: the same endpoint
		{"GET", "/_nodes/node-1/shutdown", "shutdown.get_node"},
		{"GET", "/_nodes/node-1/stats/jvm", "nodes.stats"},
		{"PUT", "/_security/user/_password", "security.change_password"},
		{"GET", "/_security/user/_has_privileges", "security.has_privileges"},
		{"GET", "/_security/user/elastic", "security.get_user"},
		{"GET", "/_snapshot/repo/_status", "snapshot.status"},
		{"POST", "/_snapshot/repo/_verify", "snapshot.verify_repository"},
		{"PUT", "/_snapshot/repo/snap-1", "snapshot.create"},
		{"PUT", "/_snapshot/repo", "snapshot.create_repository"},
		{"PUT", "/_connector/_secret/s1", "connector.secret_put"},
		{"PUT", "/_connector/c1/_name", "connector.update_name"},
		{"POST", "/_ingest/pipeline/_simulate", "ingest.simulate"},
		{"POST", "/logs/_ingest/_simulate", ""}, // no such route
		{"POST", "/_ingest/logs/_simulate", "simulate.ingest"},
		{"POST", "/_watcher/watch/_execute", "watcher.execute_watch"},
		{"GET", "/_plugins/_ml/node-1/stats", "ml.get_stats"},
		{"GET", "/_plugins/_ml/models/m-1", "ml.get_model"},
		{"GET", "/_ltr/_featureset/fs-1", "ltr.get_featureset"},
		{"GET", "/_ltr/store-1/_featureset/fs-1", "ltr.get_featureset"},

		// inference: the body tells the services apart; some task types
		// have their own endpoint.
		{"PUT", "/_inference/text_embedding/my-e5", "inference.put"},
		{"PUT", "/_inference/my-e5", "inference.put"},
		{"PUT", "/_inference/my-e5/_update", "inference.update"},
		{"POST", "/_inference/completion/my-llm", "inference.completion"},
		{"POST", "/_inference/rerank/r-1", "inference.rerank"},
		{"POST", "/_inference/other_task/x", "inference.inference"},

		// _all and unknown _names fall to {index} routes.
		{"GET", "/_all/_settings", "indices.get_settings"},
		{"GET", "/_all", "indices.get"},
		{"GET", "/_foo", "indices.get"},
		{"POST", "/_all/_search", "search"},

		// Only the method separates these.
		{"GET", "/", "info"},
		{"HEAD", "/", "ping"},
		{"PUT", "/logs", "indices.create"},
		{"HEAD", "/logs", "indices.exists"},
		{"DELETE", "/logs", "indices.delete"},
		{"POST", "/logs/_doc", "index"},
		{"PUT", "/logs/_doc/1", "index"},
		{"POST", "/logs/_doc/1", "index"},
		{"GET", "/logs/_doc/1", "get"},
		{"HEAD", "/logs/_doc/1", "exists"},
		{"DELETE", "/logs/_doc/1", "delete"},
		{"PUT", "/logs/_create/1", "create"},
		{"POST", "/logs/_update/1", "update"},
		{"GET", "/logs/_source/1", "get_source"},
		{"PUT", "/_bulk", "bulk"},
		{"PUT", "/logs/_bulk", "bulk"},
		{"POST", "/logs/_bulk/stream", "bulk_stream"},
		{"GET", "/_search/scroll", "scroll"},
		{"DELETE", "/_search/scroll", "clear_scroll"},
		{"GET", "/_security/api_key", "security.get_api_key"},
		{"PUT", "/_security/api_key", "security.create_api_key"},
		{"DELETE", "/_security/api_key", "security.invalidate_api_key"},
		{"PUT", "/_security/api_key/clone", "security.clone_api_key"}, // not security.update_api_key
		{"PUT", "/_security/api_key/k-1", "security.update_api_key"},
		{"POST", "/_security/oauth2/token", "security.get_token"},
		{"DELETE", "/_security/oauth2/token", "security.invalidate_token"},
		{"POST", "/_reindex", "reindex"},
		{"GET", "/_reindex", "reindex_list"},
		{"POST", "/_connector", "connector.post"},
		{"PUT", "/_connector", "connector.put"},
		{"GET", "/_connector", "connector.list"},

		// Elasticsearch and OpenSearch point-in-time. DELETE /_pit is
		// Elasticsearch's close_point_in_time; OpenSearch, which has no
		// such route, would read it as deleting an index named "_pit",
		// which cannot exist (index names do not start with "_").
		{"DELETE", "/_pit", "close_point_in_time"},
		{"GET", "/_pit", "indices.get"}, // no GET /_pit: the method sends it on to /{index}
		{"POST", "/logs/_pit", "open_point_in_time"},
		{"POST", "/logs/_search/point_in_time", "create_pit"},
		{"DELETE", "/_search/point_in_time", "delete_pit"},
		{"GET", "/_search/point_in_time/_all", "get_all_pits"},
		{"DELETE", "/_search/point_in_time/_all", "delete_all_pits"},

		// The path as it comes.
		{"", "/logs/_search", "search"},
		{"GET", "", "info"},
		{"GET", "//", "info"},
		{"POST", "logs/_search", "search"},
		{"POST", "/logs/_search/", "search"},
		{"POST", "//logs//_search", "search"},
		{"POST", "/logs/_search?q=a/b&scroll=1m", "search"},
		{"POST", "/%3Clogs-%7Bnow%2Fd%7D%3E/_search", "search"},
		{"POST", "/<logs-{now/d}>/_search", "search"},                  // decoded
		{"POST", "/<logs-{now/d}>,<app-{now/d-1d}>/_search", "search"}, // decoded
		{"PUT", "/logs/_doc/a%2Fb", "index"},
		{"PUT", "/logs/_doc/a/b", ""}, // decoded id with a slash: not an endpoint

		// Unknown.
		{"POST", "/logs/_frobnicate", ""},
		{"GET", "/_frobnicate/x/y/z", ""},
		{"PATCH", "/logs", ""},
		{"OPTIONS", "/", ""},
		{"BREW", "/", ""},
		{"post", "/logs/_search", ""}, // methods are case-sensitive
	}
	for _, tt := range tests {
		if got := Lookup(tt.method, tt.path).ID; got != tt.want {
			t.Errorf("Lookup(%s %s) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		method, path string
		want         Call
	}{
		{"POST", "/logs-a,logs-b/_search", Call{Endpoint: Endpoint{ID: "search", Safety: ReadOnly},
			Indices: []string{"logs-a", "logs-b"}, Params: map[string]string{"index": "logs-a,logs-b"}}},
		{"PUT", "/%3Clogs-%7Bnow%2Fd%7D%3E/_doc/a%2Fb?refresh=true", Call{Endpoint: Endpoint{ID: "index", Safety: Idempotent},
			Indices: []string{"<logs-{now/d}>"}, Params: map[string]string{"index": "<logs-{now/d}>", "id": "a/b"}}},
		{"POST", "/<logs-{now/d}>/_search", Call{Endpoint: Endpoint{ID: "search", Safety: ReadOnly},
			Indices: []string{"<logs-{now/d}>"}, Params: map[string]string{"index": "<logs-{now/d}>"}}},
		{"GET", "/a%2Cb,,c/_count", Call{Endpoint: Endpoint{ID: "count", Safety: ReadOnly},
			Indices: []string{"a", "b", "c"}, Params: map[string]string{"index": "a,b,,c"}}},
		{"GET", "/100%/_doc/1", Call{Endpoint: Endpoint{ID: "get", Safety: ReadOnly},
			Indices: []string{"100%"}, Params: map[string]string{"index": "100%", "id": "1"}}},
		{"POST", "/_snapshot/backups/nightly-1/_restore", Call{Endpoint: Endpoint{ID: "snapshot.restore", Safety: Idempotent},
			Params: map[string]string{"repository": "backups", "snapshot": "nightly-1"}}},
		{"POST", "/_bulk", Call{Endpoint: Endpoint{ID: "bulk", Safety: IdempotentWithIDs, NDJSON: true}}},
		{"POST", "/logs/_frobnicate", Call{}},
		{"GET", "/logs/_frobnicate", Call{Endpoint: Endpoint{Safety: ReadOnly}}},
	}
	for _, tt := range tests {
		got := Parse(tt.method, tt.path)
		if got.Endpoint != tt.want.Endpoint || !slices.Equal(got.Indices, tt.want.Indices) || !mapsEqual(got.Params, tt.want.Params) {
			t.Errorf("Parse(%s %s) = %+v, want %+v", tt.method, tt.path, got, tt.want)
		}
	}
}
