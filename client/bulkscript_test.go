package client

import (
	"bytes"
	"encoding/json"
	"testing"
)

// An update whose body names its script with an escaped key runs the
// script all the same: Elasticsearch decodes the key. It is not safe to
// repeat; it used to be, since only the literal text "script" was looked
// for.
func TestUpdateScriptWithEscapedKey(t *testing.T) {
	for _, body := range []string{
		`{"scr\u0069pt":{"source":"ctx._source.n++"}}`,
		`{"\u0073cript":"ctx._source.n++","doc_as_upsert":false}`,
		`{"doc":{"a":"\\"},"scr\u0069pt":"x"}`,
	} {
		it := &BulkItem{Action: actionUpdate, Index: "i", ID: "1", Body: body}
		lines := encodeItem(t, it)
		if it.safeToRepeat(lines) {
			t.Errorf("update %s judged safe to repeat", body)
		}
	}
	for _, body := range []string{`{"doc":{"a":"\"quoted\""}}`, `{"doc":{"scr\u0069pt":1}}`} {
		it := &BulkItem{Action: actionUpdate, Index: "i", ID: "1", Body: body}
		if !it.safeToRepeat(encodeItem(t, it)) {
			t.Errorf("update %s judged unsafe to repeat", body)
		}
	}
}

func encodeItem(t *testing.T, it *BulkItem) []byte {
	t.Helper()
	lines, err := newLineEncoder("").appendItem(nil, it)
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

// FuzzUpdateSafeToRepeat: an update judged safe to repeat has a body
// without a "script" key as encoding/json (and Elasticsearch) decode it.
func FuzzUpdateSafeToRepeat(f *testing.F) {
	f.Add("1", "", `{ "doc" : {"field2" : "value2"} }`) // wire/bulk_request_example1.ndjson
	f.Add("1", "r", `{"script":{"source":"ctx._source.n += params.n","params":{"n":1}},"upsert":{"n":0}}`)
	f.Add("a\"b", "", `{"doc":{"t":"\u00e9\n"},"doc_as_upsert":true}`)
	f.Add("1", "", `{"scripted_upsert":true,"upsert":{}}`)
	f.Fuzz(func(t *testing.T, id, routing, body string) {
		it := &BulkItem{Action: actionUpdate, Index: "i", ID: id, Routing: routing, Body: body}
		if it.check("") != nil {
			return
		}
		lines, err := newLineEncoder("").appendItem(nil, it)
		if err != nil || !it.safeToRepeat(lines) {
			return
		}
		_, src, _ := bytes.Cut(lines, []byte("\n"))
		var keys map[string]json.RawMessage
		if json.Unmarshal(src, &keys) != nil {
			return // Elasticsearch refuses the item
		}
		if _, ok := keys["script"]; ok {
			t.Fatalf("update %q judged safe to repeat", src)
		}
	})
}
