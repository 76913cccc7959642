package estest

import (
	"reflect"
	"testing"
)

// TestSortModes pins how a multi-valued field sorts under each mode: min
// ascending and max descending by default, and sum, avg and median as
// Elasticsearch computes them.
func TestSortModes(t *testing.T) {
	docs := testDocs(t, `{"n":[1,2,3,10]}`, `{"n":[4,4]}`, `{"n":5}`, `{"m":1}`)
	tests := []struct {
		sort     string
		wantIDs  []string
		wantSort []any
	}{
		{`{"n":"asc"}`, []string{"1", "2", "3", "4"}, []any{int64(1), int64(4), int64(5), nil}},
		{`{"n":"desc"}`, []string{"1", "3", "2", "4"}, []any{int64(10), int64(5), int64(4), nil}},
		{`{"n":{"order":"desc","mode":"min"}}`, []string{"3", "2", "1", "4"}, []any{int64(5), int64(4), int64(1), nil}},
		{`{"n":{"mode":"sum"}}`, []string{"3", "2", "1", "4"}, []any{int64(5), int64(8), int64(16), nil}},
		{`{"n":{"mode":"avg"}}`, []string{"1", "2", "3", "4"}, []any{int64(4), int64(4), int64(5), nil}},
		{`{"n":{"order":"desc","mode":"median"}}`, []string{"3", "2", "1", "4"}, []any{int64(5), 4.0, 2.5, nil}},
		{`{"n":{"mode":"avg","missing":"_first"}}`, []string{"4", "1", "2", "3"}, []any{nil, int64(4), int64(4), int64(5)}},
		{`{"n":{"mode":"max","missing":0}}`, []string{"4", "2", "3", "1"}, []any{int64(0), int64(4), int64(5), int64(10)}},
	}
	for _, tt := range tests {
		_, page := search(t, docs, `{"sort":[`+tt.sort+`]}`, nil)
		var got []any
		for _, h := range page {
			got = append(got, h.Sort[0])
		}
		if ids := hitIDs(page); !reflect.DeepEqual(ids, tt.wantIDs) || !reflect.DeepEqual(got, tt.wantSort) {
			t.Errorf("sort %s: ids %v, sort values %#v\nwant ids %v, sort values %#v", tt.sort, ids, got, tt.wantIDs, tt.wantSort)
		}
	}
}
