package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// scannedItem is what the tests compare of a scanned item.
type scannedItem struct {
	Action, Index, ID, Result string
	Status                    int
	Version, SeqNo, Primary   int64
	HasError                  bool
}

func scanItems(body []byte) ([]scannedItem, error) {
	var got []scannedItem
	err := scanReply(body, func(i int, r *replyItem) error {
		if i != len(got) {
			return errors.New("position out of order")
		}
		got = append(got, scannedItem{
			Action: string(r.action), Index: replyText(r.index), ID: replyText(r.id),
			Result: replyText(r.result), Status: r.status, Version: r.version,
			SeqNo: r.seqNo, Primary: r.primary, HasError: r.errRaw != nil,
		})
		return nil
	})
	return got, err
}

func TestScanReplyFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/bulk_*.json")
	if err != nil || len(files) < 9 {
		t.Fatalf("fixtures: %v %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := scanItems(body)
			if err != nil {
				t.Fatal(err)
			}
			want, err := refReply(body)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 || len(got) != len(want) {
				t.Fatalf("got %d items, want %d", len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("item %d: got %+v, want %+v", i, got[i], want[i])
				}
			}
		})
	}
}

// TestReplyOutcomes pins how items are judged: what succeeds, what fails
// with which error.
func TestReplyOutcomes(t *testing.T) {
	type outcome struct {
		ok     bool
		status int
		typ    string
		reason string
	}
	tests := []struct {
		file string
		want []outcome
	}{
		{"bulk_all_ok_es.json", []outcome{{ok: true, status: 201}, {ok: true, status: 404}, {ok: true, status: 201}, {ok: true, status: 200}}},
		{"bulk_es6_items_429_409_without_error.json", []outcome{
			{ok: true, status: 201},
			{status: 409, reason: "Conflict"},
			{status: 429, typ: "es_rejected_execution_exception", reason: "Elasticsearch could not process bulk index request"},
		}},
		{"bulk_response_example2.json", []outcome{
			{status: 404, typ: "document_missing_exception", reason: "[5]: document missing"},
			{status: 404, typ: "document_missing_exception", reason: "[6]: document missing"},
			{ok: true, status: 201},
		}},
		{"bulk_response_example3.json", []outcome{
			{typ: "document_missing_exception", reason: "[5]: document missing"},
			{typ: "document_missing_exception", reason: "[6]: document missing"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var got []outcome
			err = scanReply(body, func(_ int, r *replyItem) error {
				o := outcome{ok: r.ok(), status: r.status}
				if !o.ok {
					e := r.itemError()
					if e.Status != r.status || e.Endpoint != "bulk" {
						t.Errorf("error %+v for status %d", e, r.status)
					}
					o.typ, o.reason = e.Type, e.Reason
				}
				got = append(got, o)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("item %d: got %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestItemErrorCausedBy(t *testing.T) {
	body := []byte(`{"errors":true,"items":[{"index":{"_index":"a","_id":"1","status":400,` +
		`"error":{"type":"document_parsing_exception","reason":"failed to parse field [n]",` +
		`"caused_by":{"type":"number_format_exception","reason":"For input string: \"x\""}}}}]}`)
	var e *Error
	if err := scanReply(body, func(_ int, r *replyItem) error { e = r.itemError(); return nil }); err != nil {
		t.Fatal(err)
	}
	if e == nil || e.CausedBy == nil || e.CausedBy.Type != "number_format_exception" || e.CausedBy.Reason != `For input string: "x"` {
		t.Fatalf("got %+v", e)
	}
	if !bytes.HasPrefix(e.Body, []byte(`{"type":"document_parsing_exception"`)) {
		t.Errorf("Body %s: want the item's error object", e.Body)
	}
	if got, want := e.Error(), "esrt: bulk: 400 document_parsing_exception: failed to parse field [n]"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestScanReplyMalformed(t *testing.T) {
	for _, body := range []string{
		``, `[]`, `{}`, `{"items":{}}`, `{"items":[1]}`, `{"items":[{"index":1}]}`,
		`{"items":[{"index":{"_id":1}}]}`, `{"items":[{"index":{}}]`, `{"items":[]} x`,
		`{"items":[{"index":{"status":}}]}`, `{"items":[{"index":{"_id":"1}}]}`,
	} {
		if _, err := scanItems([]byte(body)); !errors.Is(err, errBadReply) {
			t.Errorf("%q: got %v, want errBadReply", body, err)
		}
	}
}

// TestScanReplyAllocations pins the lean decoder: the allocations of a
// scan do not grow with the number of items.
func TestScanReplyAllocations(t *testing.T) {
	item := `{"index":{"_index":"logs","_id":"%d","_version":1,"result":"created","_shards":{"total":2,"successful":1,"failed":0},"_seq_no":%d,"_primary_term":1,"status":201}}`
	body := []byte(`{"took":3,"errors":false,"items":[`)
	for i := range 1000 {
		if i > 0 {
			body = append(body, ',')
		}
		body = fmt.Appendf(body, item, i, i)
	}
	body = append(body, "]}"...)
	n := 0
	allocs := testing.AllocsPerRun(20, func() {
		n = 0
		_ = scanReply(body, func(int, *replyItem) error { n++; return nil })
	})
	if allocs > 1 || n != 1000 {
		t.Errorf("%v allocations for %d items, want at most 1 for 1000", allocs, n)
	}
}

func FuzzScanReply(f *testing.F) {
	files, _ := filepath.Glob("testdata/bulk_*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"items":[{"index":{"_id":"a\"b\\","status":"x","_version":-9223372036854775808,"error":null}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := scanItems(body) // must not panic
		if !json.Valid(body) {
			return
		}
		want, refErr := refReply(body)
		if (err != nil) != (refErr != nil) {
			t.Fatalf("scan error %v, reference error %v", err, refErr)
		}
		if err != nil {
			return
		}
		if len(got) != len(want) {
			t.Fatalf("got %d items, want %d", len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("item %d: got %+v, want %+v", i, got[i], want[i])
			}
		}
	})
}

// refReply reads a bulk response with encoding/json's tokenizer, by the
// rules the scanner follows: an item is its first key, whose value must be
// an object; _index, _id and result must be strings; numbers that are not
// int64 read as 0; an "error" of null is none; the last of duplicate keys
// wins; a body without "items" is an error.
func refReply(body []byte) ([]scannedItem, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var items []scannedItem
	found := false
	err := refObject(d, func(key string) error {
		if key != "items" {
			return refSkip(d)
		}
		found = true
		if tok, err := d.Token(); err != nil || tok != json.Delim('[') {
			return errBadReply
		}
		for d.More() {
			var it scannedItem
			if err := refItem(d, &it); err != nil {
				return err
			}
			items = append(items, it)
		}
		_, err := d.Token()
		return err
	})
	if err == nil && !found {
		err = errBadReply
	}
	if _, eof := d.Token(); err == nil && eof != io.EOF {
		err = errBadReply
	}
	return items, err
}

func refItem(d *json.Decoder, it *scannedItem) error {
	first := true
	return refObject(d, func(key string) error {
		if !first {
			return refSkip(d)
		}
		first = false
		it.Action = key
		return refObject(d, func(key string) error {
			tok, err := d.Token()
			if err != nil {
				return err
			}
			str, isStr := tok.(string)
			num := refInt(tok)
			switch key {
			case "_index", "_id", "result":
				if !isStr {
					return errBadReply
				}
				*map[string]*string{"_index": &it.Index, "_id": &it.ID, "result": &it.Result}[key] = str
			case "status":
				it.Status = int(num)
			case "_version":
				it.Version = num
			case "_seq_no":
				it.SeqNo = num
			case "_primary_term":
				it.Primary = num
			case "error":
				it.HasError = tok != nil
			}
			return refRest(d, tok)
		})
	})
}

func refInt(tok json.Token) int64 {
	n, ok := tok.(json.Number)
	if !ok {
		return 0
	}
	v, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		return 0
	}
	return v
}

// refObject reads an object, calling fn with each key.
func refObject(d *json.Decoder, fn func(key string) error) error {
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return errBadReply
	}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		if err := fn(tok.(string)); err != nil {
			return err
		}
	}
	_, err := d.Token()
	return err
}

// refSkip reads a value.
func refSkip(d *json.Decoder) error {
	tok, err := d.Token()
	if err != nil {
		return err
	}
	return refRest(d, tok)
}

// refRest reads the rest of a value that began with tok.
func refRest(d *json.Decoder, tok json.Token) error {
	if tok != json.Delim('{') && tok != json.Delim('[') {
		return nil
	}
	for depth := 1; depth > 0; {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}
