package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestBulkActionLines(t *testing.T) {
	tests := []struct {
		name         string
		defaultIndex string
		item         BulkItem
		want         string
	}{
		{"index", "", BulkItem{Action: "index", Index: "logs", ID: "1", Body: `{"a":1}`},
			`{"index":{"_index":"logs","_id":"1"}}` + "\n" + `{"a":1}` + "\n"},
		{"default index omitted", "logs", BulkItem{Action: "index", Index: "logs", Body: `{}`},
			`{"index":{}}` + "\n{}\n"},
		{"other index kept", "logs", BulkItem{Action: "create", Index: "other", ID: "x", Body: `{}`},
			`{"create":{"_index":"other","_id":"x"}}` + "\n{}\n"},
		{"quotes escaped", "", BulkItem{Action: "delete", Index: `we"ird\`, ID: "a\"b\n\x01"},
			`{"delete":{"_index":"we\"ird\\","_id":"a\"b\n\u0001"}}` + "\n"},
		{"conditions", "i", BulkItem{Action: "update", ID: "7", Routing: "u1", IfSeqNo: 0, IfPrimaryTerm: 3, RetryOnConflict: 2, Body: `{"doc":{}}`},
			`{"update":{"_id":"7","routing":"u1","if_seq_no":0,"if_primary_term":3,"retry_on_conflict":2}}` + "\n" + `{"doc":{}}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := newLineEncoder(tt.defaultIndex).appendItem([]byte("prev\n"), &tt.item)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != "prev\n"+tt.want {
				t.Errorf("got  %s\nwant %s", got[5:], tt.want)
			}
			if !json.Valid(bytes.SplitN(got[5:], []byte("\n"), 2)[0]) {
				t.Errorf("action line is not JSON: %s", got)
			}
		})
	}
}

type failingReader struct{ n int }

var errReaderBroken = errors.New("broken reader")

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, errReaderBroken
	}
	r.n--
	return copy(p, `{"partial":`), nil
}

func TestBulkBodies(t *testing.T) {
	tests := []struct {
		name string
		body any
		want string // "" for an error
	}{
		{"bytes", []byte(`{"a":1}`), `{"a":1}`},
		{"raw message", json.RawMessage(`{"a":2}`), `{"a":2}`},
		{"string", `{"a":3}`, `{"a":3}`},
		{"reader", strings.NewReader(`{"a":4}`), `{"a":4}`},
		{"value", map[string]any{"a": "<5>"}, `{"a":"\u003c5\u003e"}`},
		{"pretty string compacted", "{\n  \"a\": 6\n}\n", `{"a":6}`},
		{"pretty reader compacted", strings.NewReader("{\r\n \"a\": [7,\n8]}"), `{"a":[7,8]}`},
		{"pretty but broken", "{\n\"a\":", ""},
		{"empty", "", ""},
		{"blank reader", strings.NewReader("  "), ""},
		{"reader error", &failingReader{n: 2}, ""},
		{"marshal error", map[string]any{"c": make(chan int)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newLineEncoder("i")
			prev := []byte(`{"index":{}}` + "\n{}\n")
			it := BulkItem{Action: "index", Body: tt.body}
			got, err := e.appendItem(bytes.Clone(prev), &it)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("no error; got %s", got)
				}
				if !bytes.Equal(got, prev) {
					t.Errorf("failed item left %q behind", got[len(prev):])
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := string(prev) + `{"index":{}}` + "\n" + tt.want + "\n"; string(got) != want {
				t.Errorf("got  %q\nwant %q", got, want)
			}
		})
	}
}

func TestBulkBodyReaderErrorWrapped(t *testing.T) {
	_, err := newLineEncoder("i").appendItem(nil, &BulkItem{Action: "index", Body: &failingReader{n: 1}})
	if !errors.Is(err, errReaderBroken) {
		t.Errorf("got %v, want the reader's error", err)
	}
}

func TestAppendQuoted(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\s`, "\x00\x1f\t\r\n", "é€😀", "bad\xffutf8", "\u2028"} {
		got := appendQuoted(nil, s)
		checkQuoted(t, s, got)
	}
}

func FuzzAppendQuoted(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\xff\xfe", "\u2028 \\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkQuoted(t, s, appendQuoted(nil, s))
	})
}

// checkQuoted checks that got is a JSON string that decodes to s, or
// to s with invalid UTF-8 replaced, as encoding/json does.
func checkQuoted(t *testing.T, s string, got []byte) {
	t.Helper()
	var back string
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatalf("%q encoded as %s: %v", s, got, err)
	}
	want := s
	if !utf8.ValidString(s) {
		// encoding/json replaces each invalid byte.
		var b strings.Builder
		for i := 0; i < len(s); {
			r, n := utf8.DecodeRuneInString(s[i:])
			b.WriteRune(r)
			i += n
		}
		want = b.String()
	}
	if back != want {
		t.Fatalf("%q encoded as %s decodes to %q", s, got, back)
	}
	if bytes.ContainsAny(got, "\n\r") {
		t.Fatalf("%q encoded as %s spans lines", s, got)
	}
}

var _ io.Reader = (*failingReader)(nil)
