package middleware

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// bulkSeeds adds the bulk bodies of testdata to f.
func bulkSeeds(f *testing.F, pattern string) {
	files, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds %s: %v", pattern, err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzBulkHasIDs checks bulkHasIDs against refBulk, an independent reading
// of the body by Elasticsearch's rules: a body it calls unsafe to repeat is
// never judged safe, and one it calls safe (string ids, no script) is.
func FuzzBulkHasIDs(f *testing.F) {
	bulkSeeds(f, "*.ndjson")
	for _, s := range []string{
		"{\"index\":{\"_index\":\"logs\"}}\n{\"n\":1}\n",
		"{\"update\":{\"_id\":\"1\"}}\n{\"script\":\"ctx._source.n++\"}\n",
		"{\"update\":{\"_id\":\"1\"}}\n{\"doc\":{\"n\":1},\"doc_as_upsert\":true}\n\n{\"delete\":{\"_id\":\"2\"}}\r\n",
		"{\"index\":{\"_ID\":\"1\"}}\n{}\n",
		"{\"index\":{\"_id\":\"\",\"_id\":\"1\"}}\n{}\n",
		"{\"create\":{\"_id\":1}}\n{}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got := bulkHasIDs(bytes.NewReader(body))
		switch refBulk(string(body)) {
		case refUnsafe:
			if got {
				t.Fatalf("%q judged safe to repeat", body)
			}
		case refSafe:
			if !got {
				t.Fatalf("%q judged unsafe to repeat", body)
			}
		}
	})
}

type bulkVerdict int

const (
	refRejected bulkVerdict = iota // Elasticsearch refuses it, or refBulk does not judge it
	refSafe
	refUnsafe
)

// refBulk reads an NDJSON bulk body as Elasticsearch does, with
// encoding/json's tokenizer: exact keys, duplicate keys refused, a
// newline at the end. It judges only what it fully understands.
func refBulk(body string) bulkVerdict {
	if !strings.HasSuffix(body, "\n") {
		return refRejected
	}
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	verdict, actions := refSafe, 0
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "" {
			continue
		}
		action, ok := refObject(lines[i])
		if !ok || len(action) != 1 {
			return refRejected
		}
		var op string
		var raw json.RawMessage
		for op, raw = range action {
		}
		meta, ok := refObject(string(raw))
		if !ok || op != "index" && op != "create" && op != "update" && op != "delete" {
			return refRejected
		}
		for k := range meta {
			if strings.EqualFold(k, "_id") && k != "_id" {
				return refRejected // an unknown parameter
			}
		}
		var id string
		if rawID, has := meta["_id"]; !has {
			verdict = refUnsafe
		} else if json.Unmarshal(rawID, &id) != nil || bytes.Equal(rawID, []byte("null")) {
			return refRejected // a number is an id too; not judged
		} else if id == "" {
			verdict = refUnsafe
		}
		actions++
		if op == "delete" {
			continue
		}
		if i++; i >= len(lines) || strings.TrimSpace(lines[i]) == "" {
			return refRejected
		}
		if op != "update" {
			continue
		}
		src, ok := refObject(lines[i])
		if !ok {
			return refRejected
		}
		for k := range src {
			if strings.EqualFold(k, "script") && k != "script" || strings.EqualFold(k, "scripted_upsert") {
				return refRejected
			}
		}
		if _, ok := src["script"]; ok {
			verdict = refUnsafe
		}
	}
	if actions == 0 {
		return refRejected
	}
	return verdict
}

// refObject decodes one JSON object and nothing after it, refusing
// duplicate keys.
func refObject(s string) (map[string]json.RawMessage, bool) {
	d := json.NewDecoder(strings.NewReader(s))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	obj := map[string]json.RawMessage{}
	for d.More() {
		tok, err := d.Token()
		key, isKey := tok.(string)
		if err != nil || !isKey {
			return nil, false
		}
		var v json.RawMessage
		if _, dup := obj[key]; dup || d.Decode(&v) != nil {
			return nil, false
		}
		obj[key] = v
	}
	if tok, err := d.Token(); err != nil || tok != json.Delim('}') {
		return nil, false
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, false
	}
	return obj, true
}

var rejectedItem = regexp.MustCompile(`"status"[ \t\n\r]*:[ \t\n\r]*429[^0-9]`)

// FuzzRejectedItemScan: the streaming matcher of the limiter finds a
// rejected bulk item exactly where a regular expression over the whole
// body does, however the body is cut into reads.
func FuzzRejectedItemScan(f *testing.F) {
	bulkSeeds(f, "bulk_*.json")
	f.Add([]byte(`{"statu"status" :429}`))
	f.Add([]byte(`{"status":4290,"status":42,"status": 429`))
	f.Fuzz(func(t *testing.T, body []byte) {
		want := rejectedItem.Match(body)
		var whole rejectedItemScan
		if got := whole.scan(body); got != want {
			t.Fatalf("%q: found %v, want %v", body, got, want)
		}
		for _, size := range []int{1, 2, 3, 7, 10} {
			var s rejectedItemScan
			got := false
			for p := body; len(p) > 0 && !got; p = p[min(size, len(p)):] {
				got = s.scan(p[:min(size, len(p))])
			}
			if got != want {
				t.Fatalf("%q in reads of %d: found %v, want %v", body, size, got, want)
			}
		}
	})
}
