package estest

import (
	"testing"
)

func TestParseBulkErrors(t *testing.T) {
	tests := []struct {
		body, defaultIndex string
		wantType           string
		wantReason         string
	}{
		{"", "d", "parse_exception", "request body is required"},
		{" \n\n", "d", "parse_exception", "request body is required"},
		{`{"index":{}}`, "d", "illegal_argument_exception", `The bulk request must be terminated by a newline [\n]`},
		{"\n\"x\"\n", "d", "illegal_argument_exception", "Malformed action/metadata line [2], expected START_OBJECT or END_OBJECT but found [VALUE_STRING]"},
		{"{\"index\":\n", "d", "x_content_parse_exception", "[1:10] unexpected end of JSON input"},
		{"{\"index\":{},\"delete\":{}}\n", "d", "illegal_argument_exception", "Malformed action/metadata line [1], expected a simple value for field [_index] but found [START_OBJECT]"},
		{"{\"upsert\":{}}\n", "d", "illegal_argument_exception", "Malformed action/metadata line [1], expected field [create], [delete], [index] or [update] but found [upsert]"},
		{"{\"index\":\"x\"}\n", "d", "illegal_argument_exception", "Malformed action/metadata line [1], expected START_OBJECT but found [VALUE_STRING]"},
		{"{\"index\":{\"_id\":\"1\"}}\n{}\n", "", "action_request_validation_exception", "Validation Failed: 1: index is missing;"},
		{"{\"delete\":{}}\n", "d", "action_request_validation_exception", "Validation Failed: 1: id is missing;"},
		{"{\"update\":{}}\n{}\n", "d", "action_request_validation_exception", "Validation Failed: 1: id is missing;"},
		{"{\"index\":{}}\n", "d", "action_request_validation_exception", "Validation Failed: 1: source is missing;"},
		{"{\"update\":{\"_id\":\"1\"}}\n{\"script\":\"x\"}\n", "d", "illegal_argument_exception", "estest does not support scripted updates"},
	}
	for _, tt := range tests {
		actions, e := parseBulk([]byte(tt.body), tt.defaultIndex)
		if e == nil {
			t.Errorf("parseBulk(%q) = %v, want an error", tt.body, actions)
			continue
		}
		if e.status != 400 || e.typ != tt.wantType || e.reason != tt.wantReason {
			t.Errorf("parseBulk(%q) = %d %s: %s\nwant 400 %s: %s", tt.body, e.status, e.typ, e.reason, tt.wantType, tt.wantReason)
		}
	}
}

func TestParseBulk(t *testing.T) {
	body := "{\"index\":{\"_index\":\"a\",\"_id\":1}}\r\n{\"x\":1}\r\n\n{\"delete\":{\"_id\":\"2\"}}\n" +
		"{\"create\":{}}\n{}\n{\"update\":{\"_id\":\"3\"}}\n{\"doc\":{\"y\":2}}\n"
	actions, e := parseBulk([]byte(body), "d")
	if e != nil {
		t.Fatal(e.reason)
	}
	want := []BulkItem{{0, "index", "a", "1"}, {1, "delete", "d", "2"}, {2, "create", "d", ""}, {3, "update", "d", "3"}}
	if len(actions) != len(want) {
		t.Fatalf("%d actions, want %d", len(actions), len(want))
	}
	for i, a := range actions {
		if a.item.Action == "create" {
			if a.item.ID == "" {
				t.Errorf("create without an id got no generated id")
			}
			a.item.ID = ""
		}
		if a.item != want[i] {
			t.Errorf("action %d = %+v, want %+v", i, a.item, want[i])
		}
	}
	if string(actions[0].source) != `{"x":1}` || actions[1].source != nil || string(actions[2].source) != `{}` {
		t.Errorf("sources = %q, %q, %q; want {\"x\":1} (no \\r), none, {}", actions[0].source, actions[1].source, actions[2].source)
	}
	if u := actions[3].update; u == nil || string(u.Doc) != `{"y":2}` {
		t.Errorf("update body = %+v, want doc {\"y\":2}", u)
	}
}
