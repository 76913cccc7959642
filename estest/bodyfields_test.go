package estest_test

import (
	"net/http"
	"testing"

	"github.com/esrt-dev/esrt/estest"
)

// TestBodyFieldsRefused checks that bulk action metadata and update
// bodies refuse what estest does not emulate, instead of ignoring it, and
// that nothing was written.
func TestBodyFieldsRefused(t *testing.T) {
	base := estest.New(t, estest.Config{}).URLs()[0]
	mustSend(t, "PUT", base+"/i/_doc/1", `{"n":1}`, http.StatusCreated)
	cases := []struct {
		method, path, body string
		typ, reason        string
	}{
		{"POST", "/_bulk", "{\"index\":{\"_index\":\"i\",\"_id\":\"2\",\"foo\":1}}\n{}\n",
			"illegal_argument_exception", "Action/metadata line [1] contains an unknown parameter [foo]"},
		{"POST", "/_bulk", "{\"delete\":{\"_index\":\"i\",\"_id\":\"1\"}}\n{\"index\":{\"_index\":\"i\",\"_id\":\"2\",\"pipeline\":\"p\"}}\n{}\n",
			"illegal_argument_exception", "estest does not support [pipeline] in action/metadata line [2]"},
		{"POST", "/_bulk", "{\"index\":{\"_index\":\"i\",\"_id\":\"2\",\"version\":3}}\n{}\n",
			"illegal_argument_exception", "estest does not support [version] in action/metadata line [1]"},
		{"POST", "/i/_update/1", `{"doc":{"n":2},"bogus":true}`,
			"x_content_parse_exception", "[UpdateRequest] unknown field [bogus]"},
		{"POST", "/i/_update/1", `{"doc":{"n":2},"_source":true}`,
			"illegal_argument_exception", "estest does not support [_source] in an update body"},
	}
	for _, tc := range cases {
		m := mustSend(t, tc.method, base+tc.path, tc.body, http.StatusBadRequest)
		if typ, reason := errorOf(m); typ != tc.typ || reason != tc.reason {
			t.Errorf("%s %s: got %s %q, want %s %q", tc.method, tc.path, typ, reason, tc.typ, tc.reason)
		}
	}
	doc := mustSend(t, "GET", base+"/i/_doc/1", "", http.StatusOK)
	if get(doc, "_source.n") != 1.0 || get(doc, "_version") != 1.0 {
		t.Errorf("document changed by refused requests: %v", doc)
	}
	mustSend(t, "GET", base+"/i/_doc/2", "", http.StatusNotFound)
	mustSend(t, "POST", base+"/_bulk", "{\"update\":{\"_index\":\"i\",\"_id\":\"1\",\"retry_on_conflict\":3}}\n{\"doc\":{\"n\":5}}\n", http.StatusOK)
}
