package estest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/estest"
)

// TestSlicesPartition: the slices of a point in time hold every document
// once, and a slice outside a scroll or point in time is refused.
func TestSlicesPartition(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 1})
	base := c.URLs()[0]
	var bulk strings.Builder
	for i := range 300 {
		fmt.Fprintf(&bulk, "{\"index\":{\"_index\":\"s\",\"_id\":\"%d\"}}\n{\"n\":%d}\n", i, i)
	}
	post(t, base+"/_bulk?refresh=true", bulk.String(), 200)
	var pit struct {
		ID string `json:"id"`
	}
	json.Unmarshal(post(t, base+"/s/_pit?keep_alive=1m", "", 200), &pit)
	seen := map[string]int{}
	for i := range 3 {
		body := fmt.Sprintf(`{"size":1000,"pit":{"id":%q},"slice":{"id":%d,"max":3}}`, pit.ID, i)
		var res struct {
			Hits struct {
				Hits []struct {
					ID string `json:"_id"`
				} `json:"hits"`
			} `json:"hits"`
		}
		json.Unmarshal(post(t, base+"/_search", body, 200), &res)
		if n := len(res.Hits.Hits); n == 0 || n == 300 {
			t.Errorf("slice %d holds %d of 300 documents", i, n)
		}
		for _, h := range res.Hits.Hits {
			seen[h.ID]++
		}
	}
	if len(seen) != 300 {
		t.Errorf("the slices hold %d distinct documents, want 300", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("document %s in %d slices", id, n)
		}
	}
	for body, want := range map[string]string{
		`{"slice":{"id":0,"max":2}}`:                               "can only be used with [scroll] or [point-in-time]",
		`{"pit":{"id":"` + pit.ID + `"},"slice":{"id":2,"max":2}}`: "max must be greater than id",
		`{"pit":{"id":"` + pit.ID + `"},"slice":{"id":0,"max":1}}`: "max must be greater than 1",
	} {
		if got := string(post(t, base+"/_search", body, 400)); !strings.Contains(got, want) {
			t.Errorf("%s: %s, want %q", body, got, want)
		}
	}
}

func post(t *testing.T, url, body string, status int) []byte {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if resp.StatusCode != status {
		t.Fatalf("POST %s: %d %s, want %d", url, resp.StatusCode, b.String(), status)
	}
	return []byte(b.String())
}
