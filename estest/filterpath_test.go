package estest

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sameValue(t *testing.T, what string, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v: %s", what, err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: want: %v", what, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\ngot  %s\nwant %s", what, got, want)
	}
}

// TestFilterPathBulkFixture applies filter_path=items.*.error to a real
// bulk answer and compares with what Elasticsearch answered for it: items
// without an error disappear entirely.
func TestFilterPathBulkFixture(t *testing.T) {
	got := filterPath("items.*.error", readFixture(t, "bulk_response_example2.json"))
	sameValue(t, "items.*.error", got, readFixture(t, "bulk_response_example3.json"))
}

// TestFilterPathForms covers the forms of the parameter on a real search
// answer: plain paths, * per segment, ** at any depth, exclusions, and a
// filter that selects nothing.
func TestFilterPathForms(t *testing.T) {
	body := readFixture(t, "search_plain_hits_es.json")
	cases := []struct{ spec, want string }{
		{"hits.total", `{"hits":{"total":{"value":20,"relation":"eq"}}}`},
		{"hits.total.value,took", `{"took":5,"hits":{"total":{"value":20}}}`},
		{"hits.hits._id", `{"hits":{"hits":[{"_id":"0"}]}}`},
		{"_sh*.fail*", `{"_shards":{"failed":0}}`},
		{"**.status_code", `{"hits":{"hits":[{"_source":{"http":{"response":{"status_code":200}}}}]}}`},
		{"hits.**.user.id", `{"hits":{"hits":[{"_source":{"user":{"id":"kimchy"}}}]}}`},
		{"-hits,-_shards,-timed_out", `{"took":5}`},
		{"hits.hits._source.user,-**.id", `{"hits":{"hits":[{"_source":{"user":{}}}]}}`},
		{"nothing.here", `{}`},
	}
	for _, tc := range cases {
		sameValue(t, tc.spec, filterPath(tc.spec, body), []byte(tc.want))
	}
}

// TestFilterPathKeepsOrder checks that the kept keys stay in the order of
// the answer.
func TestFilterPathKeepsOrder(t *testing.T) {
	got := string(filterPath("b,a", []byte(`{"a":1,"c":2,"b":{"y":1,"x":2}}`)))
	if want := `{"a":1,"b":{"y":1,"x":2}}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
