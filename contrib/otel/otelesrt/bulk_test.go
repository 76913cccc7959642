package otelesrt

import "testing"

func TestBulkCounter(t *testing.T) {
	tests := []struct {
		name string
		body string
		want int
	}{
		{"empty", "", 0},
		{"one index", `{"index":{"_index":"a"}}` + "\n" + `{"f":1}` + "\n", 1},
		{"every action", `{"index":{"_id":"1"}}` + "\n" + `{"delete":{}}` + "\n" + `{"delete":{"_id":"0"}}` + "\n" +
			`{"create":{"_id":"2"}}` + "\n" + `{"index":{}}` + "\n" +
			`{"update":{"_id":"3"}}` + "\n" + `{"doc":{"index":1}}` + "\n" + `{"delete":{"_id":"4"}}` + "\n", 5},
		{"delete then delete", `{"delete":{"_id":"1"}}` + "\n" + `{"delete":{"_id":"2"}}` + "\n", 2},
		{"a source that looks like an action", `{"index":{}}` + "\n" + `{"delete":{}}` + "\n" + `{"index":{}}` + "\n" + `{"delete":{}}` + "\n", 2},
		{"spaces, CRLF and blank lines", " { \"index\" : {} }\r\n\r\n  {\"x\": 1}\r\n\n{\t\"delete\":{}}\r\n", 2},
		{"no final newline", `{"index":{}}` + "\n" + `{"f":1}` + "\n" + `{"create":{}}` + "\n" + `{"f":2}`, 2},
		{"unknown action", `{"frobnicate":{}}` + "\n" + `{"index":{}}` + "\n" + `{}` + "\n", 1},
		{"long key", `{"indexindexindex":{}}` + "\n" + `{"delete":{}}` + "\n", 1},
		{"not an object", `["index"]` + "\n" + `{"delete":{}}` + "\n", 1},
	}
	for _, tt := range tests {
		for _, size := range []int{1, 3, 1 << 20} {
			var b bulkCounter
			for p := []byte(tt.body); len(p) > 0; {
				n := min(size, len(p))
				if k, err := b.Write(p[:n]); k != n || err != nil {
					t.Fatalf("Write = %d, %v", k, err)
				}
				p = p[n:]
			}
			if b.actions != tt.want {
				t.Errorf("%s, in pieces of %d bytes: %d actions, want %d", tt.name, size, b.actions, tt.want)
			}
		}
	}
}
