package estest_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/estest"
)

// TestEndpoints drives every endpoint in order against one cluster; the
// steps share state (documents written by one are read by the next).
func TestEndpoints(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 2})
	base := c.Node(0).URL()
	var pitID string
	pitSearch := func() string { return `{"pit":{"id":"` + pitID + `","keep_alive":"1m"}}` }
	pitClose := func() string { return `{"id":"` + pitID + `"}` }
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		bodyFn func() string // for bodies known only at run time
		hdr    http.Header
		status int
		// want holds dotted paths and their JSON values, compared after
		// decoding (numbers as float64).
		want  map[string]any
		check func(t *testing.T, r reply, m map[string]any)
	}{
		{name: "root", method: "GET", path: "/", status: 200, want: map[string]any{
			"tagline": "You Know, for Search", "version.number": "9.1.0", "version.build_flavor": "default",
			"version.minimum_wire_compatibility_version": "8.19.0", "version.minimum_index_compatibility_version": "8.0.0",
			"version.lucene_version": "10.2.2", "cluster_name": "elasticsearch", "name": "node-0"}},
		{name: "root head", method: "HEAD", path: "/", status: 200},
		{name: "health", method: "GET", path: "/_cluster/health", status: 200, want: map[string]any{
			"status": "green", "number_of_nodes": 2.0, "number_of_data_nodes": 2.0, "timed_out": false}},
		{name: "create index", method: "PUT", path: "/books", body: `{"settings":{"number_of_shards":1}}`, status: 200,
			want: map[string]any{"acknowledged": true, "shards_acknowledged": true, "index": "books"}},
		{name: "create index again", method: "PUT", path: "/books", status: 400,
			want: map[string]any{"error.type": "resource_already_exists_exception", "status": 400.0}},
		{name: "create index bad name", method: "PUT", path: "/Books", status: 400,
			want: map[string]any{"error.type": "invalid_index_name_exception"}},
		{name: "index exists", method: "HEAD", path: "/books", status: 200},
		{name: "index missing", method: "HEAD", path: "/nope", status: 404},
		{name: "get index", method: "GET", path: "/books", status: 200,
			want: map[string]any{"books.settings.index.number_of_shards": "1"}},
		{name: "put doc", method: "PUT", path: "/books/_doc/1?refresh=true", body: `{"title":"Dune","year":1965}`, status: 201,
			want: map[string]any{"_index": "books", "_id": "1", "_version": 1.0, "result": "created", "_seq_no": 0.0,
				"_primary_term": 1.0, "_shards.total": 2.0, "_shards.successful": 2.0, "_shards.failed": 0.0, "forced_refresh": true}},
		{name: "put doc again", method: "PUT", path: "/books/_doc/1", body: `{"title":"Dune","year":1966}`, status: 200,
			want: map[string]any{"_version": 2.0, "result": "updated", "_seq_no": 1.0}},
		{name: "post doc with id", method: "POST", path: "/books/_doc/2", body: `{"title":"Emma"}`, status: 201,
			want: map[string]any{"result": "created"}},
		{name: "post doc auto id", method: "POST", path: "/books/_doc", body: `{"title":"Ulysses"}`, status: 201,
			check: func(t *testing.T, r reply, m map[string]any) {
				if id, _ := m["_id"].(string); len(id) != 20 {
					t.Errorf("_id = %q, want a 20-character generated id", id)
				}
				if r.header.Get("Location") == "" {
					t.Error("no Location header on 201")
				}
			}},
		{name: "create doc", method: "PUT", path: "/books/_create/3", body: `{"title":"Hamlet"}`, status: 201,
			want: map[string]any{"result": "created", "_version": 1.0}},
		{name: "create doc conflict", method: "POST", path: "/books/_create/3", body: `{"title":"Hamlet"}`, status: 409,
			want: map[string]any{"error.type": "version_conflict_engine_exception", "error.index": "books",
				"error.reason": "[3]: version conflict, document already exists (current version [1])", "status": 409.0}},
		{name: "op_type create conflict", method: "PUT", path: "/books/_doc/3?op_type=create", body: `{"title":"x"}`, status: 409},
		{name: "get doc", method: "GET", path: "/books/_doc/1", status: 200,
			want: map[string]any{"found": true, "_version": 2.0, "_seq_no": 1.0, "_primary_term": 1.0, "_source.year": 1966.0}},
		{name: "get doc missing", method: "GET", path: "/books/_doc/404", status: 404,
			want: map[string]any{"found": false, "_index": "books", "_id": "404"}},
		{name: "get doc missing index", method: "GET", path: "/nope/_doc/1", status: 404,
			want: map[string]any{"error.type": "index_not_found_exception", "error.reason": "no such index [nope]",
				"error.root_cause": []any{map[string]any{"type": "index_not_found_exception", "reason": "no such index [nope]",
					"resource.type": "index_or_alias", "resource.id": "nope", "index_uuid": "_na_", "index": "nope"}}}},
		{name: "head doc", method: "HEAD", path: "/books/_doc/1", status: 200},
		{name: "head doc missing", method: "HEAD", path: "/books/_doc/404", status: 404},
		{name: "update doc", method: "POST", path: "/books/_update/1", body: `{"doc":{"pages":412}}`, status: 200,
			want: map[string]any{"result": "updated", "_version": 3.0}},
		{name: "update noop", method: "POST", path: "/books/_update/1", body: `{"doc":{"pages":412}}`, status: 200,
			want: map[string]any{"result": "noop", "_version": 3.0, "_shards.total": 0.0}},
		{name: "update keeps order", method: "GET", path: "/books/_doc/1", status: 200,
			check: func(t *testing.T, r reply, m map[string]any) {
				if !bytes.Contains(r.body, []byte(`"_source":{"title":"Dune","year":1966,"pages":412}`)) {
					t.Errorf("merged source not in indexing order: %s", r.body)
				}
			}},
		{name: "update missing", method: "POST", path: "/books/_update/9", body: `{"doc":{"a":1}}`, status: 404,
			want: map[string]any{"error.type": "document_missing_exception", "error.reason": "[9]: document missing",
				"error.shard": "0", "error.index": "books"}},
		{name: "update doc_as_upsert", method: "POST", path: "/books/_update/9", body: `{"doc":{"a":1},"doc_as_upsert":true}`, status: 201,
			want: map[string]any{"result": "created"}},
		{name: "update upsert", method: "POST", path: "/books/_update/10", body: `{"doc":{"a":1},"upsert":{"a":0}}`, status: 201,
			want: map[string]any{"result": "created"}},
		{name: "update without doc", method: "POST", path: "/books/_update/10", body: `{"upsert":{"a":0}}`, status: 400,
			want: map[string]any{"error.type": "action_request_validation_exception"}},
		{name: "delete doc", method: "DELETE", path: "/books/_doc/10", status: 200,
			want: map[string]any{"result": "deleted", "_version": 2.0}},
		{name: "delete doc missing", method: "DELETE", path: "/books/_doc/10", status: 404,
			want: map[string]any{"result": "not_found"}},
		{name: "delete doc missing index", method: "DELETE", path: "/nope/_doc/1", status: 404,
			want: map[string]any{"error.type": "index_not_found_exception"}},
		{name: "bad json", method: "PUT", path: "/books/_doc/bad", body: `{"title": nope}`, status: 400,
			want: map[string]any{"error.type": "document_parsing_exception", "error.caused_by.type": "x_content_parse_exception", "status": 400.0}},
		{name: "no body", method: "PUT", path: "/books/_doc/bad", status: 400,
			want: map[string]any{"error.type": "parse_exception", "error.reason": "request body is required"}},
		{name: "write auto-creates", method: "PUT", path: "/films/_doc/1", body: `{"title":"Alien"}`, status: 201},
		{name: "refresh", method: "POST", path: "/books/_refresh", status: 200,
			want: map[string]any{"_shards.total": 2.0, "_shards.successful": 2.0, "_shards.failed": 0.0}},
		{name: "refresh all", method: "GET", path: "/_refresh", status: 200, want: map[string]any{"_shards.total": 4.0}},
		{name: "count", method: "GET", path: "/books/_count", status: 200,
			want: map[string]any{"count": 5.0, "_shards.total": 1.0, "_shards.successful": 1.0, "_shards.skipped": 0.0, "_shards.failed": 0.0}},
		{name: "count all", method: "POST", path: "/_count", body: `{"query":{"match_all":{}}}`, status: 200,
			want: map[string]any{"count": 6.0}},
		{name: "count indices", method: "GET", path: "/books,films/_count", status: 200, want: map[string]any{"count": 6.0}},
		{name: "count wildcard", method: "GET", path: "/fi*/_count", status: 200, want: map[string]any{"count": 1.0}},
		{name: "search", method: "POST", path: "/books/_search", body: `{"query":{"ids":{"values":["1"]}}}`, status: 200,
			want: map[string]any{"timed_out": false, "hits.total.value": 1.0, "hits.total.relation": "eq", "_shards.total": 1.0},
			check: func(t *testing.T, r reply, m map[string]any) {
				hits, _ := get(m, "hits.hits").([]any)
				if len(hits) != 1 {
					t.Fatalf("hits = %v", hits)
				}
				for _, k := range []string{"_index", "_id", "_score", "_source"} {
					if _, ok := hits[0].(map[string]any)[k]; !ok {
						t.Errorf("hit lacks %s: %v", k, hits[0])
					}
				}
				if _, ok := m["took"].(float64); !ok {
					t.Errorf("took = %v", m["took"])
				}
			}},
		{name: "search get without body", method: "GET", path: "/_search?size=2", status: 200,
			want: map[string]any{"hits.total.value": 6.0},
			check: func(t *testing.T, r reply, m map[string]any) {
				if hits, _ := get(m, "hits.hits").([]any); len(hits) != 2 {
					t.Errorf("size=2 gave %d hits", len(hits))
				}
			}},
		{name: "search total as int", method: "GET", path: "/books/_search?rest_total_hits_as_int=true", status: 200,
			want: map[string]any{"hits.total": 5.0}},
		{name: "search missing index", method: "GET", path: "/books,nope/_search", status: 404,
			want: map[string]any{"error.type": "index_not_found_exception"}},
		{name: "search ignore_unavailable", method: "GET", path: "/books,nope/_search?ignore_unavailable=true", status: 200},
		{name: "search bad query", method: "POST", path: "/_search", body: `{"query":{"no_such_query":{}}}`, status: 400,
			want: map[string]any{"status": 400.0}},
		{name: "search bad json", method: "POST", path: "/_search", body: `{"query":`, status: 400},
		{name: "open pit", method: "POST", path: "/books/_pit?keep_alive=1m", status: 200,
			check: func(t *testing.T, r reply, m map[string]any) {
				pitID, _ = m["id"].(string)
				if pitID == "" {
					t.Fatalf("no id: %s", r.body)
				}
			}},
		{name: "open pit without keep_alive", method: "POST", path: "/books/_pit", status: 400,
			want: map[string]any{"error.type": "action_request_validation_exception"}},
		{name: "write after pit", method: "PUT", path: "/books/_doc/after", body: `{"title":"late"}`, status: 201},
		{name: "search pit ignores later writes and the url index", method: "POST", path: "/films/_search",
			bodyFn: pitSearch, status: 200, want: map[string]any{"hits.total.value": 5.0},
			check: func(t *testing.T, r reply, m map[string]any) {
				if m["pit_id"] != pitID {
					t.Errorf("pit_id = %v, want %s", m["pit_id"], pitID)
				}
			}},
		{name: "close pit", method: "DELETE", path: "/_pit", bodyFn: pitClose, status: 200, want: map[string]any{"succeeded": true, "num_freed": 1.0}},
		{name: "close pit again", method: "DELETE", path: "/_pit", bodyFn: pitClose, status: 404, want: map[string]any{"num_freed": 0.0}},
		{name: "search closed pit", method: "POST", path: "/_search", bodyFn: pitSearch, status: 404,
			want: map[string]any{"error.type": "search_context_missing_exception"}},
		{name: "bulk on index", method: "POST", path: "/films/_bulk", body: "{\"index\":{\"_id\":\"2\"}}\n{\"t\":1}\n{\"delete\":{\"_id\":\"1\"}}\n",
			status: 200, want: map[string]any{"errors": false}},
		{name: "bulk without newline", method: "POST", path: "/_bulk", body: `{"index":{"_index":"x"}}` + "\n{}", status: 400,
			want: map[string]any{"error.type": "illegal_argument_exception",
				"error.reason": `The bulk request must be terminated by a newline [\n]`}},
		{name: "bulk unknown action", method: "POST", path: "/_bulk", body: "{\"upsert\":{\"_index\":\"x\"}}\n{}\n", status: 400,
			want: map[string]any{"error.type": "illegal_argument_exception"}},
		{name: "bulk without index", method: "POST", path: "/_bulk", body: "{\"index\":{}}\n{}\n", status: 400,
			want: map[string]any{"error.type": "action_request_validation_exception", "error.reason": "Validation Failed: 1: index is missing;"}},
		{name: "bulk ndjson crlf", method: "POST", path: "/_bulk", body: "{\"create\":{\"_index\":\"films\",\"_id\":\"9\"}}\r\n{\"t\":9}\r\n",
			hdr: http.Header{"Content-Type": {"application/x-ndjson"}}, status: 200, want: map[string]any{"errors": false}},
		{name: "bulk item errors", method: "POST", path: "/_bulk",
			body:   "{\"create\":{\"_index\":\"films\",\"_id\":\"9\"}}\n{\"t\":9}\n{\"index\":{\"_index\":\"films\",\"_id\":\"8\"}}\n{\"t\": nope}\n",
			status: 200, want: map[string]any{"errors": true},
			check: func(t *testing.T, r reply, m map[string]any) {
				items := m["items"].([]any)
				if got := get(items[0], "create.status"); got != 409.0 {
					t.Errorf("create status = %v", got)
				}
				if got := get(items[1], "index.error.type"); got != "document_parsing_exception" {
					t.Errorf("index error = %v", got)
				}
			}},
		{name: "delete index", method: "DELETE", path: "/films", status: 200, want: map[string]any{"acknowledged": true}},
		{name: "delete index missing", method: "DELETE", path: "/films", status: 404},
		{name: "delete index wildcard", method: "DELETE", path: "/b*", status: 400},
		{name: "nodes", method: "GET", path: "/_nodes/http", status: 200, want: map[string]any{"_nodes.total": 2.0}},
		{name: "nodes all", method: "GET", path: "/_nodes/_all/http", status: 200, want: map[string]any{"_nodes.successful": 2.0}},
		{name: "no handler", method: "GET", path: "/_cat/indices?v", status: 400,
			check: func(t *testing.T, r reply, m map[string]any) {
				want := `{"error":"no handler found for uri [/_cat/indices?v] and method [GET]"}`
				if string(r.body) != want {
					t.Errorf("body = %s, want %s", r.body, want)
				}
			}},
		{name: "wrong method", method: "PUT", path: "/books/_search", body: "{}", status: 405,
			want: map[string]any{"error": "Incorrect HTTP method for uri [/books/_search] and method [PUT], allowed: [GET, POST]", "status": 405.0},
			check: func(t *testing.T, r reply, m map[string]any) {
				if r.header.Get("Allow") != "GET,POST" {
					t.Errorf("Allow = %q", r.header.Get("Allow"))
				}
			}},
		{name: "wrong method on an api path", method: "PUT", path: "/_search", body: "{}", status: 405},
		{name: "pretty", method: "GET", path: "/?pretty", status: 200,
			check: func(t *testing.T, r reply, m map[string]any) {
				if !bytes.Contains(r.body, []byte("\n  \"name\"")) {
					t.Errorf("not pretty: %s", r.body)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if tt.bodyFn != nil {
				body = tt.bodyFn()
			}
			r := send(t, nil, tt.method, base+tt.path, body, tt.hdr)
			if r.status != tt.status {
				t.Fatalf("status = %d, want %d; body %s", r.status, tt.status, r.body)
			}
			if got := r.header.Get("X-Elastic-Product"); got != "Elasticsearch" {
				t.Errorf("X-Elastic-Product = %q", got)
			}
			if tt.method == "HEAD" {
				if len(r.body) != 0 {
					t.Errorf("HEAD body = %q", r.body)
				}
				return
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			var m map[string]any
			if err := json.Unmarshal(r.body, &m); err != nil {
				t.Fatalf("body is not a JSON object: %s", r.body)
			}
			for path, want := range tt.want {
				got, ok := m[path]
				if !ok {
					got = get(m, path)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %#v, want %#v", path, got, want)
				}
			}
			if tt.check != nil {
				tt.check(t, r, m)
			}
		})
	}
}

// TestNodesHTTPShape compares GET /_nodes/http with the real 7.3 and 8.0
// bodies: every key of theirs must be present with the same JSON type.
func TestNodesHTTPShape(t *testing.T) {
	tests := []struct {
		fixture string
		cfg     estest.Config
	}{
		{"es-7.3.0_nodes_http.json", estest.Config{Nodes: 3, Version: "7.17.0"}},
		{"es-8.0.0_docker_single_node.json", estest.Config{Nodes: 3}},
		{"opensearch-2.0.0_nodes_http.json", estest.Config{Nodes: 3, Product: estest.OpenSearch}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			c := estest.New(t, tt.cfg)
			want := decodeJSON(t, fixture(t, tt.fixture))
			got := decodeJSON(t, send(t, nil, "GET", c.URLs()[1]+"/_nodes/http", "", nil).body)
			wantTop, gotTop := want.(map[string]any), got.(map[string]any)
			wantNode := firstValue(t, wantTop["nodes"])
			for id, node := range gotTop["nodes"].(map[string]any) {
				for _, d := range shapeDiff("nodes."+id, node, wantNode, "nodes."+id+".attributes") {
					t.Error(d)
				}
			}
			delete(wantTop, "nodes")
			for _, d := range shapeDiff("", got, want) {
				t.Error(d)
			}
			if n := len(gotTop["nodes"].(map[string]any)); n != 3 {
				t.Errorf("%d nodes, want 3", n)
			}
		})
	}
}

// TestBulkFixtures sends the specification's bulk example and compares the
// answer with its response examples.
func TestBulkFixtures(t *testing.T) {
	c := estest.New(t, estest.Config{})
	// example 1 deletes a document that does not exist and updates one it
	// created in the same request.
	r := send(t, nil, "POST", c.URLs()[0]+"/_bulk", string(fixture(t, "bulk_request_example1.ndjson")),
		http.Header{"Content-Type": {"application/x-ndjson"}})
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	got, want := decodeJSON(t, r.body), decodeJSON(t, fixture(t, "bulk_response_example1.json"))
	for _, d := range shapeDiff("", got, want) {
		t.Error(d)
	}
	type outcome struct {
		op, result string
		status     json.Number
	}
	var gotOut, wantOut []outcome
	for _, list := range []struct {
		v   any
		out *[]outcome
	}{{got, &gotOut}, {want, &wantOut}} {
		for _, it := range get(list.v, "items").([]any) {
			for op, body := range it.(map[string]any) {
				*list.out = append(*list.out, outcome{op, get(body, "result").(string), get(body, "status").(json.Number)})
			}
		}
	}
	if !reflect.DeepEqual(gotOut, wantOut) {
		t.Errorf("items = %v, want %v", gotOut, wantOut)
	}

	// example 2: updates of missing documents fail per item with 404.
	body := "{\"update\":{\"_index\":\"index1\",\"_id\":\"5\"}}\n{\"doc\":{\"a\":1}}\n" +
		"{\"update\":{\"_index\":\"index1\",\"_id\":\"6\"}}\n{\"doc\":{\"a\":1}}\n" +
		"{\"create\":{\"_index\":\"index1\",\"_id\":\"7\"}}\n{\"a\":1}\n"
	r = send(t, nil, "POST", c.URLs()[0]+"/_bulk", body, nil)
	got, want = decodeJSON(t, r.body), decodeJSON(t, fixture(t, "bulk_response_example2.json"))
	for _, d := range shapeDiff("", got, want) {
		t.Error(d)
	}
	if e := get(get(got, "items").([]any)[0], "update.error"); !reflect.DeepEqual(get(e, "reason"), "[5]: document missing") {
		t.Errorf("error = %v", e)
	}
}

// errorFixture returns the body of the named entry of error_bodies.json.
func errorFixture(t *testing.T, prefix string) any {
	t.Helper()
	var entries []struct {
		Name string          `json:"name"`
		Body json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal(fixture(t, "error_bodies.json"), &entries); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name, prefix) {
			return decodeJSON(t, e.Body)
		}
	}
	t.Fatalf("no fixture %q", prefix)
	return nil
}

// TestErrorBodies compares error answers with real ones.
func TestErrorBodies(t *testing.T) {
	// The media type fixture is an 8.x server's answer to compatible-with=9.
	c := estest.New(t, estest.Config{Version: "8.19.0"})
	url := c.URLs()[0]

	t.Run("media_type_header_exception is byte-for-byte the real one", func(t *testing.T) {
		r := send(t, nil, "GET", url+"/", "", http.Header{"Accept": {"application/vnd.elasticsearch+json; compatible-with=9"}})
		if r.status != 400 {
			t.Fatalf("status %d", r.status)
		}
		if got, want := decodeJSON(t, r.body), errorFixture(t, "media_type_header_exception"); !reflect.DeepEqual(got, want) {
			t.Errorf("body = %s\nwant   %v", r.body, want)
		}
	})
	t.Run("index_not_found", func(t *testing.T) {
		r := send(t, nil, "GET", url+"/poop/_search", "", nil)
		want := errorFixture(t, "index_not_found")
		for _, d := range shapeDiff("", decodeJSON(t, r.body), want) {
			t.Error(d)
		}
		if got := get(decodeJSON(t, r.body), "error.root_cause"); !strings.Contains(string(r.body), `"reason":"no such index [poop]"`) {
			t.Errorf("root_cause = %v", got)
		}
	})
	t.Run("429 envelope", func(t *testing.T) {
		c.Node(0).FailNext(1, estest.Failure{Status: 429})
		r := send(t, nil, "POST", url+"/_bulk", "{\"index\":{\"_index\":\"a\"}}\n{}\n", nil)
		if r.status != 429 {
			t.Fatalf("status %d", r.status)
		}
		for _, d := range shapeDiff("", decodeJSON(t, r.body), errorFixture(t, "429 top-level es_rejected_execution_exception from indexing")) {
			t.Error(d)
		}
	})
	t.Run("per-item 429", func(t *testing.T) {
		c.Node(0).RejectBulkItems(func(it estest.BulkItem) bool { return it.Pos == 1 })
		defer c.Node(0).RejectBulkItems(nil)
		r := send(t, nil, "POST", url+"/_bulk", "{\"create\":{\"_index\":\"foo\",\"_id\":\"abc\"}}\n{}\n{\"create\":{\"_index\":\"foo\",\"_id\":\"abd\"}}\n{}\n", nil)
		got := decodeJSON(t, r.body)
		want := errorFixture(t, "bulk 200 with per-item 429")
		wantItem := get(want, "items").([]any)[2]
		gotItem := get(got, "items").([]any)[1]
		for _, d := range shapeDiff("item", gotItem, wantItem, "item.create._type") {
			if !strings.Contains(d, "_type") {
				t.Error(d)
			}
		}
		if get(got, "errors") != true {
			t.Errorf("errors = %v", get(got, "errors"))
		}
	})
}

// TestGzip checks gzip request bodies and compressed responses.
func TestGzip(t *testing.T) {
	c := estest.New(t, estest.Config{CompressResponses: true})
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(`{"title":"zipped"}`))
	zw.Close()
	r := send(t, nil, "PUT", c.URLs()[0]+"/z/_doc/1", buf.String(), http.Header{"Content-Encoding": {"gzip"}})
	if r.status != 201 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if src, _ := c.Doc("z", "1"); string(src) != `{"title":"zipped"}` {
		t.Errorf("stored %s", src)
	}
	// net/http asks for gzip and decompresses transparently; ask explicitly
	// to see the raw encoding.
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	r = send(t, &http.Client{Transport: tr}, "GET", c.URLs()[0]+"/", "", http.Header{"Accept-Encoding": {"gzip"}})
	if r.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding = %q", r.header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.NewDecoder(zr).Decode(&m); err != nil || m["tagline"] != "You Know, for Search" {
		t.Errorf("decoded %v, %v", m, err)
	}
	r = send(t, &http.Client{Transport: tr}, "GET", c.URLs()[0]+"/", "", nil)
	if r.header.Get("Content-Encoding") != "" {
		t.Errorf("compressed without Accept-Encoding")
	}
}
