package estest

import (
	"bytes"
	"net/http"
	"os"
	"testing"
)

// FuzzParseBulk: any body a client sends to _bulk is either refused with
// a 400 Elasticsearch error or read into at most one action per line,
// numbered in order, each with its index and an id.
func FuzzParseBulk(f *testing.F) {
	b, err := os.ReadFile("testdata/bulk_request_example1.ndjson")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b, "")
	f.Add([]byte("{\"index\":{}}\n{\"n\":1}\r\n\n{\"delete\":{\"_id\":\"1\",\"if_seq_no\":1,\"if_primary_term\":1}}\n"), "logs")
	f.Add([]byte("{\"update\":{\"_id\":\"1\"}}\n{\"script\":\"x\",\"upsert\":{}}\n"), "logs")
	f.Add([]byte("{\"create\":{\"_id\":1,\"routing\":\"r\"}}\n{}"), "logs")
	f.Fuzz(func(t *testing.T, body []byte, defaultIndex string) {
		actions, e := parseBulk(body, defaultIndex)
		if e != nil {
			if actions != nil || e.status != http.StatusBadRequest || e.typ == "" || e.reason == "" {
				t.Fatalf("parseBulk(%q) = %d actions, error %+v", body, len(actions), e)
			}
			return
		}
		if len(actions) == 0 || len(actions) > bytes.Count(body, []byte("\n")) {
			t.Fatalf("parseBulk(%q) = %d actions", body, len(actions))
		}
		for i, a := range actions {
			it := a.item
			if it.Pos != i || it.Index == "" || it.ID == "" {
				t.Fatalf("parseBulk(%q): action %d is %+v", body, i, it)
			}
			switch it.Action {
			case "index", "create", "delete":
			case "update":
				if a.update == nil {
					t.Fatalf("parseBulk(%q): update %d without its body", body, i)
				}
			default:
				t.Fatalf("parseBulk(%q): action %q", body, it.Action)
			}
		}
	})
}
