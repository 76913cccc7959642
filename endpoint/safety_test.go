package endpoint

import "testing"

// TestSafety pins each decision of the audit of the PUT and POST endpoints
// (testdata/README.md, "PUT/POST that create something without a
// caller-given id"), the judgements esrt made before the table, and the
// rule for unknown paths.
func TestSafety(t *testing.T) {
	tests := []struct {
		method, path string
		want         Safety
	}{
		// Reads sent with POST to carry a body.
		{"POST", "/logs/_search", ReadOnly},
		{"POST", "/_search", ReadOnly},
		{"POST", "/a,b/_search/", ReadOnly},
		{"POST", "/_msearch", ReadOnly},
		{"POST", "/logs/_count", ReadOnly},
		{"POST", "/_mget", ReadOnly},
		{"POST", "/logs/_field_caps", ReadOnly},
		{"POST", "/logs/_search/template", ReadOnly},
		{"POST", "/_msearch/template", ReadOnly},
		{"POST", "/logs/_validate/query", ReadOnly},
		{"POST", "/logs/_explain/7", ReadOnly},
		{"POST", "/logs/_termvectors/7", ReadOnly},
		{"POST", "/logs/_termvectors", ReadOnly},
		{"POST", "/_mtermvectors", ReadOnly},
		{"POST", "/logs/_knn_search", ReadOnly},
		{"POST", "/_query", ReadOnly}, // ES|QL, synchronous
		{"POST", "/_text_structure/find_structure", ReadOnly},
		{"POST", "/_plugins/_ppl", ReadOnly},
		{"GET", "/logs/_search", ReadOnly},
		{"HEAD", "/logs", ReadOnly},

		// Writes with a caller-given id or name.
		{"PUT", "/logs/_doc/7", Idempotent},
		{"POST", "/logs/_doc/7", Idempotent},
		{"PUT", "/logs/_create/7", Idempotent},
		{"POST", "/logs/_create/7", Idempotent},
		{"PUT", "/logs", Idempotent},
		{"DELETE", "/logs/_doc/7", Idempotent},
		{"PUT", "/_connector/c-1", Idempotent},
		{"PUT", "/_security/api_key/k-1", Idempotent}, // update_api_key
		{"PUT", "/_security/service/elastic/fleet-server/credential/token/t-1", Idempotent},
		{"POST", "/_security/service/elastic/fleet-server/credential/token/t-1", Idempotent},
		{"PUT", "/_snapshot/repo/snap-1", Idempotent},
		{"POST", "/_snapshot/repo/snap-1", Idempotent},
		{"PUT", "/_inference/text_embedding/my-e5", Idempotent},
		{"POST", "/logs/_rollover/logs-000002", Idempotent},
		{"POST", "/_plugins/_knn/models/m-1/_train", Idempotent},
		{"PUT", "/_license", Idempotent},
		{"POST", "/_license", Idempotent},
		{"POST", "/logs/_refresh", Idempotent},
		{"GET", "/logs/_refresh", Idempotent}, // a GET that writes: not hedged
		{"POST", "/logs/_forcemerge", Idempotent},
		{"POST", "/_nodes/reload_secure_settings", Idempotent},
		{"POST", "/logs/_pit", Idempotent},                    // see factSafetyByID
		{"POST", "/logs/_search/point_in_time", Idempotent},   // the same, OpenSearch
		{"POST", "/_inference/completion/my-llm", Idempotent}, // costs, changes nothing
		{"DELETE", "/_search/scroll", Idempotent},

		// By body.
		{"POST", "/_bulk", IdempotentWithIDs},
		{"PUT", "/_bulk", IdempotentWithIDs},
		{"POST", "/logs/_bulk", IdempotentWithIDs},
		{"PUT", "/logs/_bulk", IdempotentWithIDs},
		{"PUT", "/_bulk/stream", IdempotentWithIDs},
		{"POST", "/logs/_update/7", IdempotentWithoutScript},

		// Create something without a caller-given id.
		{"POST", "/logs/_doc", Unsafe},
		{"POST", "/logs/_doc/", Unsafe},
		{"PUT", "/_monitoring/bulk", Unsafe},
		{"POST", "/_monitoring/bulk", Unsafe},
		{"POST", "/_connector", Unsafe},
		{"PUT", "/_connector", Unsafe},
		{"POST", "/_connector/_sync_job", Unsafe},
		{"POST", "/_connector/_secret", Unsafe},
		{"POST", "/_fleet/secret", Unsafe},
		{"PUT", "/_security/api_key", Unsafe},
		{"POST", "/_security/api_key", Unsafe},
		{"POST", "/_security/api_key/grant", Unsafe},
		{"PUT", "/_security/api_key/clone", Unsafe},
		{"POST", "/_security/cross_cluster/api_key", Unsafe},
		{"POST", "/_security/service/elastic/fleet-server/credential/token", Unsafe},
		{"POST", "/_security/oauth2/token", Unsafe},
		{"POST", "/_security/profile/_activate", Unsafe},
		{"POST", "/_security/saml/authenticate", Unsafe},
		{"POST", "/_security/oidc/authenticate", Unsafe},
		{"POST", "/_security/delegate_pki", Unsafe},
		{"GET", "/_security/enroll/node", Unsafe},
		{"GET", "/_security/enroll/kibana", Unsafe},
		{"POST", "/_async_search", Unsafe},
		{"POST", "/logs/_async_search", Unsafe},
		{"POST", "/logs/_eql/search", Unsafe},
		{"GET", "/logs/_eql/search", Unsafe},
		{"POST", "/_query/async", Unsafe},
		{"POST", "/_sql", Unsafe},
		{"POST", "/_search/scroll", Unsafe},
		{"GET", "/_search/scroll", Unsafe},
		{"GET", "/_search/scroll/c2Nyb2xs", Unsafe},
		{"POST", "/_reindex", Unsafe},
		{"POST", "/logs/_update_by_query", Unsafe},
		{"POST", "/logs/_delete_by_query", Unsafe},
		{"POST", "/_ml/anomaly_detectors/job-1/_forecast", Unsafe},
		{"POST", "/_ml/calendars/cal-1/events", Unsafe},
		{"POST", "/_ml/anomaly_detectors/job-1/_data", Unsafe},
		{"POST", "/_application/analytics/coll/event/search", Unsafe},
		{"POST", "/logs/_rollover", Unsafe},
		{"PUT", "/_slm/policy/nightly/_execute", Unsafe},
		{"PUT", "/_enrich/policy/users/_execute", Unsafe},
		{"POST", "/_migration/reindex", Unsafe},
		{"POST", "/_watcher/watch/_execute", Unsafe},
		{"PUT", "/_watcher/watch/w-1/_execute", Unsafe},
		{"POST", "/_plugins/_asynchronous_search", Unsafe},
		{"POST", "/_plugins/_ml/connectors/_create", Unsafe},
		{"POST", "/_plugins/_ml/models/_register", Unsafe},
		{"POST", "/_plugins/_ml/models/_register_meta", Unsafe},
		{"POST", "/_plugins/_ml/models/_upload", Unsafe},
		{"POST", "/_plugins/_ml/model_groups/_register", Unsafe},
		{"POST", "/_plugins/_ml/agents/_register", Unsafe},
		{"POST", "/_plugins/_ml/memory", Unsafe},
		{"POST", "/_plugins/_ml/memory/m-1/messages", Unsafe},
		{"POST", "/_plugins/_ml/memory_containers/_create", Unsafe},
		{"POST", "/_plugins/_ml/memory_containers/c-1/memories/sessions", Unsafe},
		{"POST", "/_plugins/_ml/memory_containers/c-1/memories", Unsafe},
		{"POST", "/_plugins/_ml/_train/kmeans", Unsafe},
		{"POST", "/_plugins/_ml/models/m-1/_deploy", Unsafe},
		{"POST", "/_plugins/_knn/models/_train", Unsafe},
		{"POST", "/_plugins/_flow_framework/workflow", Unsafe},
		{"POST", "/_plugins/_notifications/configs", Unsafe},
		{"POST", "/_plugins/_observability/object", Unsafe},
		{"PUT", "/_plugins/_search_relevance/query_sets", Unsafe},
		{"POST", "/_plugins/_search_relevance/query_sets", Unsafe},
		{"PUT", "/_plugins/_search_relevance/search_configurations", Unsafe},
		{"PUT", "/_plugins/_search_relevance/experiments", Unsafe},
		{"PUT", "/_plugins/_search_relevance/judgments", Unsafe},
		{"POST", "/_plugins/_search_relevance/experiments/schedule", Unsafe},
		{"PUT", "/_wlm/query_group", Unsafe},
		{"POST", "/_plugins/_security/api/authtoken", Unsafe},
		{"POST", "/_plugins/_security/api/generateonbehalfoftoken", Unsafe},
		{"POST", "/_plugins/_security/api/internalusers/u-1/authtoken", Unsafe},
		{"POST", "/_plugins/_security/api/user/u-1/authtoken", Unsafe},
		{"PUT", "/_plugins/geospatial/geojson/_upload", Unsafe},
		{"POST", "/_plugins/_notifications/feature/test/c-1", Unsafe},
		{"GET", "/_plugins/_notifications/feature/test/c-1", Unsafe},
		{"PATCH", "/_plugins/_security/api/internalusers/u-1", Unsafe},

		// Unknown paths: the method's REST contract.
		{"GET", "/logs/_frobnicate", ReadOnly},
		{"HEAD", "/logs/_frobnicate", ReadOnly},
		{"OPTIONS", "/", ReadOnly},
		{"PUT", "/logs/_frobnicate", Idempotent},
		{"DELETE", "/logs/_frobnicate", Idempotent},
		{"POST", "/logs/_frobnicate", Unsafe},
		{"POST", "/", Unsafe},
		{"POST", "", Unsafe},
		{"PATCH", "/logs", Unsafe},
		{"BREW", "/", Unsafe},
	}
	for _, tt := range tests {
		if got := Lookup(tt.method, tt.path).Safety; got != tt.want {
			t.Errorf("Lookup(%s %s).Safety = %v, want %v", tt.method, tt.path, got, tt.want)
		}
	}
}

// TestSafetyEveryPutPost checks, over every PUT and POST route of both
// specifications, that nothing is judged repeatable that the audit lists
// as creating something without a caller-given id.
func TestSafetyEveryPutPost(t *testing.T) {
	for _, ep := range fixtures(t) {
		want, audited := factSafetyByID[ep.ID]
		for _, p := range ep.Paths {
			for _, m := range p.Methods {
				if m != "PUT" && m != "POST" {
					continue
				}
				got := Lookup(m, fill(p.Path, 0))
				if got.ID != ep.ID {
					continue // an ambiguity TestLookupEveryRoute covers
				}
				if s, ok := factSafetyByRoute[m+" "+p.Path]; ok {
					if got.Safety != s {
						t.Errorf("%s %s (%s) = %v, want %v", m, p.Path, ep.ID, got.Safety, s)
					}
					continue
				}
				if audited && got.Safety != want {
					t.Errorf("%s %s (%s) = %v, want %v", m, p.Path, ep.ID, got.Safety, want)
				}
				if m == "POST" && got.Safety == ReadOnly && !audited {
					// Only a POST that the same endpoint also takes as
					// GET on that path is a read by default.
					if !contains(p.Methods, "GET") {
						t.Errorf("POST %s (%s) is ReadOnly without a GET or an entry", p.Path, ep.ID)
					}
				}
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
