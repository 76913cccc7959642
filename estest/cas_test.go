package estest_test

import (
	"net/http"
	"testing"

	"github.com/esrt-dev/esrt/estest"
)

// if_seq_no and if_primary_term make index, update and delete conditional
// on the document's sequence number and primary term (always 1 here): a
// mismatch is 409 with Elasticsearch's reason and writes nothing.
func TestOptimisticConcurrency(t *testing.T) {
	c := estest.New(t, estest.Config{})
	base := c.URLs()[0]
	doc := base + "/products/_doc/1"
	mustSend(t, http.MethodPut, doc, `{"v":0}`, http.StatusCreated) // seq_no 0
	if m := mustSend(t, http.MethodPut, doc+"?if_seq_no=0&if_primary_term=1", `{"v":1}`, http.StatusOK); m["_seq_no"] != 1.0 {
		t.Fatalf("conditional index: %v", m)
	}
	stale := "[1]: version conflict, required seqNo [0], primary term [1]. current document has seqNo [1] and primary term [1]"
	tests := []struct {
		name, method, path, body string
		status                   int
		reason                   string
	}{
		{"index stale", "PUT", "/products/_doc/1?if_seq_no=0&if_primary_term=1", `{"v":2}`, 409, stale},
		{"index other term", "PUT", "/products/_doc/1?if_seq_no=1&if_primary_term=2", `{"v":2}`, 409,
			"[1]: version conflict, required seqNo [1], primary term [2]. current document has seqNo [1] and primary term [1]"},
		{"update stale", "POST", "/products/_update/1?if_seq_no=0&if_primary_term=1", `{"doc":{"v":2}}`, 409, stale},
		{"delete stale", "DELETE", "/products/_doc/1?if_seq_no=0&if_primary_term=1", "", 409, stale},
		{"index missing", "PUT", "/products/_doc/2?if_seq_no=0&if_primary_term=1", `{"v":0}`, 409,
			"[2]: version conflict, required seqNo [0], primary term [1]. but no document was found"},
		{"delete missing", "DELETE", "/products/_doc/2?if_seq_no=0&if_primary_term=1", "", 409,
			"[2]: version conflict, required seqNo [0], primary term [1]. but no document was found"},
		{"update missing", "POST", "/products/_update/2?if_seq_no=0&if_primary_term=1", `{"doc":{"v":0}}`, 404, "[2]: document missing"},
		{"update current", "POST", "/products/_update/1?if_seq_no=1&if_primary_term=1", `{"doc":{"v":2}}`, 200, ""},
		{"delete current", "DELETE", "/products/_doc/1?if_seq_no=2&if_primary_term=1", "", 200, ""},
		{"delete deleted", "DELETE", "/products/_doc/1?if_seq_no=3&if_primary_term=1", "", 409,
			"[1]: version conflict, required seqNo [3], primary term [1]. but no document was found"},
	}
	for _, tt := range tests {
		m := mustSend(t, tt.method, base+tt.path, tt.body, tt.status)
		if tt.reason == "" {
			continue
		}
		if _, reason := errorOf(m); reason != tt.reason {
			t.Errorf("%s: %q\nwant %q", tt.name, reason, tt.reason)
		}
		if tt.status == http.StatusConflict {
			sameShape(t, m, "error_409_version_conflict_seqno.json")
			if typ, _ := errorOf(m); typ != "version_conflict_engine_exception" || get(m, "error.index") != "products" {
				t.Errorf("%s: %v", tt.name, m)
			}
		}
	}
	if _, ok := c.Doc("products", "2"); ok {
		t.Error("a failed conditional index created the document")
	}
}

// op_type=create on the index API has create's semantics.
func TestIndexOpTypeCreate(t *testing.T) {
	base := estest.New(t, estest.Config{}).URLs()[0]
	mustSend(t, http.MethodPut, base+"/p/_doc/1?op_type=create", `{"v":0}`, http.StatusCreated)
	m := mustSend(t, http.MethodPut, base+"/p/_doc/1?op_type=create", `{"v":1}`, http.StatusConflict)
	if _, reason := errorOf(m); reason != "[1]: version conflict, document already exists (current version [1])" {
		t.Errorf("create over an existing document: %q", reason)
	}
	mustSend(t, http.MethodPost, base+"/p/_doc?op_type=create", `{"v":2}`, http.StatusCreated)
	mustSend(t, http.MethodPut, base+"/p/_doc/1?op_type=index", `{"v":3}`, http.StatusOK)
}

// Conditions Elasticsearch refuses before writing, with its messages.
func TestConcurrencyValidation(t *testing.T) {
	base := estest.New(t, estest.Config{}).URLs()[0]
	mustSend(t, http.MethodPut, base+"/p/_doc/1", `{"v":0}`, http.StatusCreated)
	tests := []struct {
		method, path, body string
		typ, reason        string
	}{
		{"PUT", "/p/_doc/1?if_seq_no=0", `{}`, "action_request_validation_exception", "Validation Failed: 1: ifSeqNo is set, but primary term is [0];"},
		{"PUT", "/p/_doc/1?if_primary_term=1", `{}`, "action_request_validation_exception", "Validation Failed: 1: ifSeqNo is unassigned, but primary term is [1];"},
		{"DELETE", "/p/_doc/1?if_seq_no=0&if_primary_term=0", "", "action_request_validation_exception", "Validation Failed: 1: ifSeqNo is set, but primary term is [0];"},
		{"POST", "/p/_update/1?if_seq_no=0", `{"doc":{}}`, "action_request_validation_exception", "Validation Failed: 1: ifSeqNo is set, but primary term is [0];"},
		{"POST", "/p/_update/1?if_seq_no=0&if_primary_term=1", `{"doc":{},"doc_as_upsert":true,"upsert":{}}`, "action_request_validation_exception",
			"Validation Failed: 1: compare and write operations can not be used with upsert;2: upsert requests don't support `if_seq_no` and `if_primary_term`;"},
		{"PUT", "/p/_doc/1?op_type=create&if_seq_no=0&if_primary_term=1", `{}`, "action_request_validation_exception",
			"Validation Failed: 1: create operations do not support compare and set. use index instead;"},
		{"PUT", "/p/_create/1?if_seq_no=0&if_primary_term=1", `{}`, "action_request_validation_exception",
			"Validation Failed: 1: create operations do not support compare and set. use index instead;"},
		{"PUT", "/p/_doc/1?if_seq_no=x&if_primary_term=1", `{}`, "illegal_argument_exception", "Failed to parse long parameter [if_seq_no] with value [x]"},
		{"PUT", "/p/_doc/1?if_seq_no=-5&if_primary_term=1", `{}`, "illegal_argument_exception", "sequence numbers must be non negative. got [-5]."},
		{"PUT", "/p/_doc/1?if_seq_no=0&if_primary_term=-1", `{}`, "illegal_argument_exception", "primary term must be non negative. got [-1]"},
		{"PUT", "/p/_doc/1?op_type=upsert", `{}`, "illegal_argument_exception", "opType must be 'create' or 'index', found: [upsert]"},
	}
	for _, tt := range tests {
		m := mustSend(t, tt.method, base+tt.path, tt.body, http.StatusBadRequest)
		if typ, reason := errorOf(m); typ != tt.typ || reason != tt.reason {
			t.Errorf("%s %s: %s: %s\nwant %s: %s", tt.method, tt.path, typ, reason, tt.typ, tt.reason)
		}
	}
	// if_seq_no=-2 is Elasticsearch's "unassigned": no condition.
	mustSend(t, http.MethodPut, base+"/p/_doc/1?if_seq_no=-2", `{"v":1}`, http.StatusOK)
}

// Bulk actions carry if_seq_no and if_primary_term in their metadata: a
// mismatch fails that item with 409; a condition without its pair fails
// the whole request.
func TestBulkConcurrency(t *testing.T) {
	c := estest.New(t, estest.Config{})
	base := c.URLs()[0]
	mustSend(t, http.MethodPut, base+"/p/_doc/1", `{"v":0}`, http.StatusCreated)
	mustSend(t, http.MethodPut, base+"/p/_doc/2", `{"v":0}`, http.StatusCreated)
	body := `{"index":{"_index":"p","_id":"1","if_seq_no":0,"if_primary_term":1}}` + "\n" + `{"v":1}` + "\n" +
		`{"update":{"_index":"p","_id":"2","if_seq_no":0,"if_primary_term":1}}` + "\n" + `{"doc":{"v":1}}` + "\n" +
		`{"delete":{"_index":"p","_id":"2","if_seq_no":"1","if_primary_term":"1"}}` + "\n"
	m := mustSend(t, http.MethodPost, base+"/_bulk", body, http.StatusOK)
	items, _ := m["items"].([]any)
	if m["errors"] != true || len(items) != 3 {
		t.Fatalf("bulk: %v", m)
	}
	if get(items[0], "index.status") != 200.0 || get(items[2], "delete.status") != 200.0 {
		t.Errorf("current conditions: %v", items)
	}
	if get(items[1], "update.status") != 409.0 || get(items[1], "update.error.type") != "version_conflict_engine_exception" ||
		get(items[1], "update.error.reason") != "[2]: version conflict, required seqNo [0], primary term [1]. current document has seqNo [1] and primary term [1]" {
		t.Errorf("stale condition: %v", items[1])
	}

	half := `{"delete":{"_index":"p","_id":"1","if_seq_no":5}}` + "\n"
	m = mustSend(t, http.MethodPost, base+"/_bulk", half, http.StatusBadRequest)
	if _, reason := errorOf(m); reason != "Validation Failed: 1: ifSeqNo is set, but primary term is [0];" {
		t.Errorf("bulk with if_seq_no alone: %q", reason)
	}
	if _, ok := c.Doc("p", "1"); !ok {
		t.Error("a refused bulk deleted the document")
	}
}
