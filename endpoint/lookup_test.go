package endpoint

import (
	"strings"
	"testing"
)

// TestFacts checks the facts of endpoints of each list in facts_test.go,
// through Lookup.
func TestFacts(t *testing.T) {
	tests := []struct {
		method, path                          string
		ndjson, secretRequest, secretResponse bool
	}{
		{"POST", "/_bulk", true, false, false},
		{"PUT", "/logs/_bulk", true, false, false},
		{"POST", "/logs/_msearch", true, false, false},
		{"POST", "/_msearch/template", true, false, false},
		{"POST", "/_monitoring/bulk", true, false, false},
		{"POST", "/_bulk/stream", true, false, false},
		{"POST", "/_fleet/_fleet_msearch", true, false, false},
		{"POST", "/_ml/anomaly_detectors/job-1/_data", true, false, false},
		{"POST", "/_text_structure/find_structure", true, false, false},
		{"POST", "/logs/_search", false, false, false},
		{"POST", "/_nodes/reload_secure_settings", false, true, false},
		{"POST", "/_nodes/node-1/reload_secure_settings", false, true, false},
		{"PUT", "/_snapshot/backups", false, true, false},
		{"PUT", "/_connector/_secret/s-1", false, true, false},
		{"PUT", "/_connector/c-1/_configuration", false, true, false},
		{"PUT", "/_inference/text_embedding/my-e5", false, true, false},
		{"PUT", "/_inference/my-e5/_update", false, true, false},
		{"POST", "/_reindex", false, true, false},
		{"PUT", "/_security/user/elastic", false, true, false},
		{"PUT", "/_security/api_key", false, false, true},
		{"POST", "/_security/api_key/grant", false, true, true},
		{"POST", "/_security/oauth2/token", false, true, true},
		{"GET", "/_security/enroll/kibana", false, false, true},
		{"GET", "/_connector/_secret/s-1", false, false, true},
		{"PUT", "/_plugins/_security/api/internalusers/u-1", false, true, false},
		{"POST", "/_plugins/_security/api/authtoken", false, false, true},
		{"POST", "/_plugins/_ml/connectors/_create", false, true, false},
		{"PUT", "/_plugins/_query/_datasources", false, true, false},
		{"GET", "/_security/user/elastic", false, false, false},
	}
	for _, tt := range tests {
		e := Lookup(tt.method, tt.path)
		if !e.Known() || e.NDJSON != tt.ndjson || e.SecretRequest != tt.secretRequest || e.SecretResponse != tt.secretResponse {
			t.Errorf("Lookup(%s %s) = %+v, want NDJSON %v, SecretRequest %v, SecretResponse %v",
				tt.method, tt.path, e, tt.ndjson, tt.secretRequest, tt.secretResponse)
		}
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	paths := []string{"/logs-2026.11/_search/template", "/%3Clogs-%7Bnow%2Fd%7D%3E/_doc/a%2Fb?refresh=true",
		"/<logs-{now/d}>/_search", "/_scripts/painless/score", "/logs/_frobnicate", ""}
	for _, p := range paths {
		if n := testing.AllocsPerRun(100, func() { Lookup("POST", p) }); n != 0 {
			t.Errorf("Lookup(POST %s) allocates %v times", p, n)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	for _, bc := range []struct{ name, method, path string }{
		{"search", "POST", "/logs-2026.11/_search"},
		{"doc", "PUT", "/logs/_doc/a%2Fb"},
		{"backtrack", "POST", "/_scripts/painless/score"},
		{"unknown", "POST", "/logs/_frobnicate/x"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Lookup(bc.method, bc.path)
			}
		})
	}
}

// FuzzLookup checks the invariants of Lookup and Parse on any input.
func FuzzLookup(f *testing.F) {
	for _, ep := range fixtures(f) {
		for _, p := range ep.Paths {
			for i, m := range p.Methods {
				f.Add(m, fill(p.Path, i))
			}
		}
	}
	f.Add("POST", "/<a/b>/_search")
	f.Add("PUT", "//_bulk//?x")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, method, path string) {
		e := Lookup(method, path)
		if again := Lookup(method, path); again != e {
			t.Fatalf("Lookup(%q, %q) = %+v, then %+v", method, path, e, again)
		}
		c := Parse(method, path)
		if c.Endpoint != e {
			t.Fatalf("Parse(%q, %q) = %+v, Lookup = %+v", method, path, c.Endpoint, e)
		}
		if !e.Known() {
			if e.NDJSON || e.SecretRequest || e.SecretResponse || c.Params != nil || c.Indices != nil {
				t.Fatalf("unknown %q %q has facts: %+v", method, path, c)
			}
			if want := unknownSafety(methodOf(method)); e.Safety != want {
				t.Fatalf("unknown %q %q: %v, want %v", method, path, e.Safety, want)
			}
		}
		if (method == "POST" || method == "PATCH") && !e.Known() && e.Safety != Unsafe {
			t.Fatalf("unknown %s %q is %v", method, path, e.Safety)
		}
		if methodOf(method) == mOther && e != (Endpoint{}) {
			t.Fatalf("method %q: %+v", method, e)
		}
		// Empty segments and a trailing slash change nothing.
		if !strings.Contains(path, "?") {
			if again := Lookup(method, "/"+path+"/"); again != e {
				t.Fatalf("Lookup(%q, %q) = %+v, with slashes around %+v", method, path, e, again)
			}
		}
		if e.Known() && (e.ID == "index" || e.ID == "get") && c.Params["index"] == "" {
			t.Fatalf("%q %q: %s without an index: %+v", method, path, e.ID, c)
		}
		for _, ix := range c.Indices {
			if ix == "" {
				t.Fatalf("%q %q: empty index in %q", method, path, c.Indices)
			}
		}
		if testing.AllocsPerRun(1, func() { Lookup(method, path) }) != 0 {
			t.Fatalf("Lookup(%q, %q) allocates", method, path)
		}
	})
}

// An endpoint that stores a credential has its reads marked too: the
// credential comes back in their responses, and the trace must not show
// it.
func TestSecretReads(t *testing.T) {
	flags := make(map[string]fact, len(specs))
	for _, s := range specs {
		flags[s.id] = s.flags
	}
	for store, reads := range factSecretReads {
		f, ok := flags[store]
		if !ok || f&secretRequest == 0 {
			t.Errorf("%s: not an endpoint whose request carries secrets", store)
		}
		for _, read := range reads {
			if f, ok := flags[read]; !ok || f&secretResponse == 0 {
				t.Errorf("%s reads back what %s stores, but its response is not marked secret", read, store)
			}
		}
	}
}
