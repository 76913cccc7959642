package estest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// testDocs builds documents with IDs "1", "2", ... and SeqNo 0, 1, ...
func testDocs(t testing.TB, sources ...string) []searchDoc {
	t.Helper()
	docs := make([]searchDoc, len(sources))
	for i, s := range sources {
		if !json.Valid([]byte(s)) {
			t.Fatalf("invalid test source %d: %s", i+1, s)
		}
		docs[i] = searchDoc{Index: "idx", ID: strconv.Itoa(i + 1), SeqNo: int64(i), Source: json.RawMessage(s)}
	}
	return docs
}

func hitIDs(page []searchHit) []string {
	ids := make([]string, len(page))
	for i, h := range page {
		ids[i] = h.Doc.ID
	}
	return ids
}

func search(t testing.TB, docs []searchDoc, body string, params url.Values) (int, []searchHit) {
	t.Helper()
	r, err := parseSearchRequest([]byte(body), params)
	if err != nil {
		t.Fatalf("parseSearchRequest(%s): %v", body, err)
	}
	return r.run(docs)
}

var longString = strings.Repeat("x", 300)

func queryDocs(t testing.TB) []searchDoc {
	return testDocs(t,
		`{"title":"The Quick Brown Fox","tags":["a","b"],"user":{"name":"Alice","age":30},"price":10.5,"active":true,"date":"2024-01-02"}`,
		`{"title":"Lazy dog sleeps","tags":["b","c"],"user":{"name":"Bob","age":25},"price":5,"active":false,"date":"2024-03-01T10:00:00Z"}`,
		`{"title":"quick quick rabbit","tags":"c","user":{"name":"alice smith","age":41},"price":20,"date":"2023-12-31"}`,
		`{"title":"Fox and Dog","user.name":"Carol","price":7,"active":true}`,
		`{"other":1,"items":[{"sku":"x1","qty":2},{"sku":"y2","qty":5}],"note":"`+longString+`","big":9007199254740993}`,
	)
}

func TestQueries(t *testing.T) {
	docs := queryDocs(t)
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"empty body", ``, []string{"1", "2", "3", "4", "5"}},
		{"empty object", `{}`, []string{"1", "2", "3", "4", "5"}},
		{"match_all", `{"query":{"match_all":{}}}`, []string{"1", "2", "3", "4", "5"}},
		{"match_none", `{"query":{"match_none":{}}}`, []string{}},

		{"term on text matches a token", `{"query":{"term":{"title":"quick"}}}`, []string{"1", "3"}},
		{"term on text is not analysed", `{"query":{"term":{"title":"Quick"}}}`, []string{}},
		{"term on text never matches the whole string", `{"query":{"term":{"title":"lazy dog sleeps"}}}`, []string{}},
		{"term long form", `{"query":{"term":{"title":{"value":"fox","boost":2}}}}`, []string{"1", "4"}},
		{"term keyword is exact", `{"query":{"term":{"title.keyword":"Fox and Dog"}}}`, []string{"4"}},
		{"term keyword is case sensitive", `{"query":{"term":{"title.keyword":"fox and dog"}}}`, []string{}},
		{"term keyword case_insensitive", `{"query":{"term":{"title.keyword":{"value":"fox AND dog","case_insensitive":true}}}}`, []string{"4"}},
		{"term integer", `{"query":{"term":{"user.age":30}}}`, []string{"1"}},
		{"term integer given as string", `{"query":{"term":{"user.age":"30"}}}`, []string{"1"}},
		{"term float", `{"query":{"term":{"price":10.5}}}`, []string{"1"}},
		{"term int equals float", `{"query":{"term":{"price":5.0}}}`, []string{"2"}},
		{"term big integer stays exact", `{"query":{"term":{"big":9007199254740993}}}`, []string{"5"}},
		{"term big integer neighbour", `{"query":{"term":{"big":9007199254740992}}}`, []string{}},
		{"term boolean", `{"query":{"term":{"active":true}}}`, []string{"1", "4"}},
		{"term boolean as string", `{"query":{"term":{"active":"false"}}}`, []string{"2"}},
		{"term on array source", `{"query":{"term":{"tags":"b"}}}`, []string{"1", "2"}},
		{"term keyword on array and scalar", `{"query":{"term":{"tags.keyword":"c"}}}`, []string{"2", "3"}},
		{"term dotted path", `{"query":{"term":{"user.name":"alice"}}}`, []string{"1", "3"}},
		{"term dotted source key", `{"query":{"term":{"user.name.keyword":"Carol"}}}`, []string{"4"}},
		{"term array of objects", `{"query":{"term":{"items.sku":"x1"}}}`, []string{"5"}},
		{"term array of objects number", `{"query":{"term":{"items.qty":5}}}`, []string{"5"}},
		{"term missing field", `{"query":{"term":{"nope":"x"}}}`, []string{}},
		{"term _id", `{"query":{"term":{"_id":"2"}}}`, []string{"2"}},
		{"term _index", `{"query":{"term":{"_index":"idx"}}}`, []string{"1", "2", "3", "4", "5"}},
		{"keyword subfield honours ignore_above", `{"query":{"term":{"note.keyword":"` + longString + `"}}}`, []string{}},
		{"long text is still analysed", `{"query":{"match":{"note":"` + longString + `"}}}`, []string{"5"}},
		{"dates have no keyword subfield", `{"query":{"term":{"date.keyword":"2024-01-02"}}}`, []string{}},
		{"term on date", `{"query":{"term":{"date":"2024-03-01T10:00:00Z"}}}`, []string{"2"}},
		{"term on date as epoch millis", `{"query":{"term":{"date":1704153600000}}}`, []string{"1"}},
		{"numbers have no keyword subfield", `{"query":{"term":{"price.keyword":"5"}}}`, []string{}},

		{"terms", `{"query":{"terms":{"user.age":[25,41]}}}`, []string{"2", "3"}},
		{"terms text tokens", `{"query":{"terms":{"title":["rabbit","lazy"],"boost":1.5}}}`, []string{"2", "3"}},
		{"terms empty", `{"query":{"terms":{"title":[]}}}`, []string{}},

		{"ids", `{"query":{"ids":{"values":["3","1","zz"]}}}`, []string{"1", "3"}},
		{"ids empty", `{"query":{"ids":{"values":[]}}}`, []string{}},

		{"match or, best first", `{"query":{"match":{"title":"QUICK fox!"}}}`, []string{"1", "3", "4"}},
		{"match and", `{"query":{"match":{"title":{"query":"quick fox","operator":"and"}}}}`, []string{"1"}},
		{"match AND upper case", `{"query":{"match":{"title":{"query":"fox dog","operator":"AND"}}}}`, []string{"4"}},
		{"match minimum_should_match", `{"query":{"match":{"title":{"query":"quick fox dog","minimum_should_match":2}}}}`, []string{"1", "4"}},
		{"match keyword is exact", `{"query":{"match":{"title.keyword":"Lazy dog sleeps"}}}`, []string{"2"}},
		{"match keyword not analysed", `{"query":{"match":{"title.keyword":"lazy"}}}`, []string{}},
		{"match number", `{"query":{"match":{"user.age":"25"}}}`, []string{"2"}},
		{"match boolean", `{"query":{"match":{"active":false}}}`, []string{"2"}},
		{"match across array values", `{"query":{"match":{"tags":{"query":"a b","operator":"and"}}}}`, []string{"1"}},
		{"match no tokens", `{"query":{"match":{"title":"!!!"}}}`, []string{}},
		{"match no tokens, zero_terms_query all", `{"query":{"match":{"title":{"query":"!!!","zero_terms_query":"all"}}}}`, []string{"1", "2", "3", "4", "5"}},
		{"match_phrase", `{"query":{"match_phrase":{"title":"quick brown"}}}`, []string{"1"}},
		{"match_phrase order matters", `{"query":{"match_phrase":{"title":"brown quick"}}}`, []string{}},
		{"match_phrase long form", `{"query":{"match_phrase":{"title":{"query":"Lazy Dog"}}}}`, []string{"2"}},

		{"bool must", `{"query":{"bool":{"must":{"match":{"title":"quick"}}}}}`, []string{"1", "3"}},
		{"bool must array", `{"query":{"bool":{"must":[{"term":{"tags":"b"}},{"term":{"active":true}}]}}}`, []string{"1"}},
		{"bool filter", `{"query":{"bool":{"filter":[{"range":{"user.age":{"gte":30}}}]}}}`, []string{"1", "3"}},
		{"bool must_not", `{"query":{"bool":{"must_not":{"exists":{"field":"active"}}}}}`, []string{"3", "5"}},
		{"bool should alone needs one", `{"query":{"bool":{"should":[{"term":{"tags":"a"}},{"term":{"user.age":41}}]}}}`, []string{"1", "3"}},
		{"bool should is optional beside must", `{"query":{"bool":{"must":{"term":{"tags":"c"}},"should":{"term":{"user.age":41}}}}}`, []string{"3", "2"}},
		{"bool should is optional beside filter", `{"query":{"bool":{"filter":{"term":{"tags":"c"}},"should":{"term":{"user.age":99}}}}}`, []string{"2", "3"}},
		{"bool minimum_should_match", `{"query":{"bool":{"should":[{"term":{"tags":"b"}},{"term":{"tags":"c"}},{"term":{"active":false}}],"minimum_should_match":2}}}`, []string{"2"}},
		{"bool minimum_should_match percent", `{"query":{"bool":{"should":[{"term":{"tags":"b"}},{"term":{"tags":"c"}},{"term":{"active":false}}],"minimum_should_match":"67%"}}}`, []string{"2"}},
		{"bool minimum_should_match negative", `{"query":{"bool":{"should":[{"term":{"tags":"b"}},{"term":{"tags":"c"}},{"term":{"active":false}}],"minimum_should_match":-1}}}`, []string{"2"}},
		{"bool empty", `{"query":{"bool":{}}}`, []string{"1", "2", "3", "4", "5"}},
		{"bool nested", `{"query":{"bool":{"must":[{"bool":{"should":[{"term":{"user.name":"bob"}},{"term":{"user.name":"carol"}}]}}],"must_not":[{"bool":{"filter":{"term":{"active":false}}}}]}}}`, []string{"4"}},

		{"range integers", `{"query":{"range":{"user.age":{"gte":25,"lt":41}}}}`, []string{"1", "2"}},
		{"range gt lte", `{"query":{"range":{"user.age":{"gt":25,"lte":41}}}}`, []string{"1", "3"}},
		{"range floats", `{"query":{"range":{"price":{"gt":5,"lt":10.6}}}}`, []string{"1", "4"}},
		{"range numeric strings", `{"query":{"range":{"price":{"gte":"7"}}}}`, []string{"1", "3", "4"}},
		{"range null bound", `{"query":{"range":{"price":{"gte":null,"lt":6}}}}`, []string{"2"}},
		{"range dates", `{"query":{"range":{"date":{"gte":"2024-01-01"}}}}`, []string{"1", "2"}},
		{"range dates with time", `{"query":{"range":{"date":{"lt":"2024-01-02T00:00:01Z"}}}}`, []string{"1", "3"}},
		{"range dates epoch millis", `{"query":{"range":{"date":{"lte":1704153600000}}}}`, []string{"1", "3"}},
		{"range keyword", `{"query":{"range":{"user.name.keyword":{"gte":"B","lt":"C"}}}}`, []string{"2"}},
		{"range text tokens", `{"query":{"range":{"title":{"gte":"rab","lte":"rac"}}}}`, []string{"3"}},
		{"range array", `{"query":{"range":{"items.qty":{"gt":4}}}}`, []string{"5"}},

		{"exists", `{"query":{"exists":{"field":"active"}}}`, []string{"1", "2", "4"}},
		{"exists object", `{"query":{"exists":{"field":"items"}}}`, []string{"5"}},
		{"exists keyword subfield", `{"query":{"exists":{"field":"title.keyword"}}}`, []string{"1", "2", "3", "4"}},
		{"prefix text", `{"query":{"prefix":{"title":"qui"}}}`, []string{"1", "3"}},
		{"prefix keyword", `{"query":{"prefix":{"user.name.keyword":{"value":"ali"}}}}`, []string{"3"}},
		{"prefix case_insensitive", `{"query":{"prefix":{"user.name.keyword":{"value":"ALI","case_insensitive":true}}}}`, []string{"1", "3"}},
		{"constant_score", `{"query":{"constant_score":{"filter":{"term":{"tags":"c"}}}}}`, []string{"2", "3"}},

		{"post_filter", `{"query":{"match":{"title":"quick fox"}},"post_filter":{"term":{"active":true}}}`, []string{"1", "4"}},
		{"min_score", `{"query":{"match":{"title":"quick fox"}},"min_score":2}`, []string{"1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, page := search(t, docs, tt.body, nil)
			if got := hitIDs(page); !slices.Equal(got, tt.want) {
				t.Errorf("ids = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestScores(t *testing.T) {
	docs := queryDocs(t)
	tests := []struct {
		name string
		body string
		want map[string]float64
	}{
		{"match_all", `{"query":{"match_all":{}}}`, map[string]float64{"1": 1, "2": 1, "3": 1, "4": 1, "5": 1}},
		{"match_all boost", `{"query":{"ids":{"values":["2"],"boost":3}}}`, map[string]float64{"2": 3}},
		{"match counts distinct query tokens", `{"query":{"match":{"title":"quick fox quick"}}}`, map[string]float64{"1": 2, "3": 1, "4": 1}},
		{"term", `{"query":{"term":{"title":{"value":"fox","boost":2.5}}}}`, map[string]float64{"1": 2.5, "4": 2.5}},
		{"filter scores zero", `{"query":{"bool":{"filter":{"term":{"tags":"c"}}}}}`, map[string]float64{"2": 0, "3": 0}},
		{"constant_score", `{"query":{"constant_score":{"filter":{"term":{"tags":"c"}},"boost":4}}}`, map[string]float64{"2": 4, "3": 4}},
		{"bool sums must and should", `{"query":{"bool":{"must":{"match":{"title":"quick"}},"should":[{"term":{"tags":"a"}}],"filter":{"exists":{"field":"tags"}},"boost":2}}}`,
			map[string]float64{"1": 4, "3": 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, page := search(t, docs, tt.body, nil)
			got := map[string]float64{}
			for _, h := range page {
				got[h.Doc.ID] = h.Score
				if h.Sort != nil {
					t.Errorf("hit %s has sort values %v without a sort", h.Doc.ID, h.Sort)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("scores = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFromSize(t *testing.T) {
	sources := make([]string, 25)
	for i := range sources {
		sources[i] = fmt.Sprintf(`{"n":%d}`, i)
	}
	docs := testDocs(t, sources...)
	tests := []struct {
		name   string
		body   string
		params url.Values
		want   []string
	}{
		{"default size 10", ``, nil, []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}},
		{"body from size", `{"from":3,"size":2}`, nil, []string{"4", "5"}},
		{"size 0", `{"size":0}`, nil, []string{}},
		{"from past the end", `{"from":30}`, nil, []string{}},
		{"last partial page", `{"from":23,"size":5}`, nil, []string{"24", "25"}},
		{"url params", ``, url.Values{"from": {"1"}, "size": {"2"}}, []string{"2", "3"}},
		{"url params override body", `{"from":10,"size":10}`, url.Values{"from": {"0"}, "size": {"1"}}, []string{"1"}},
		{"body keeps what url does not set", `{"from":5,"size":2}`, url.Values{"size": {"1"}}, []string{"6"}},
		{"numeric strings coerced", `{"from":"2","size":"1"}`, nil, []string{"3"}},
		{"window at the limit", `{"from":9999,"size":1}`, nil, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			total, page := search(t, docs, tt.body, tt.params)
			if total != 25 {
				t.Errorf("total = %d, want 25", total)
			}
			if got := hitIDs(page); !slices.Equal(got, tt.want) {
				t.Errorf("ids = %v, want %v", got, tt.want)
			}
		})
	}
}

func sortDocs(t testing.TB) []searchDoc {
	return testDocs(t,
		`{"n":3,"s":"b"}`,
		`{"n":1,"s":"a"}`,
		`{"s":"c"}`,
		`{"n":2.5,"s":"a"}`,
		`{"n":[10,0],"s":"d"}`,
		`{"n":1,"s":"e","d":"2024-05-01"}`,
	)
}

func TestSort(t *testing.T) {
	docs := sortDocs(t)
	tests := []struct {
		name     string
		body     string
		params   url.Values
		want     []string
		wantSort [][]any // nil: not checked
	}{
		{"string form asc, numeric, missing last, ties by seq", `{"sort":"n"}`, nil,
			[]string{"5", "2", "6", "4", "1", "3"},
			[][]any{{int64(0)}, {int64(1)}, {int64(1)}, {2.5}, {int64(3)}, {nil}}},
		{"object short form desc, missing still last", `{"sort":{"n":"desc"}}`, nil,
			[]string{"5", "1", "4", "2", "6", "3"},
			[][]any{{int64(10)}, {int64(3)}, {2.5}, {int64(1)}, {int64(1)}, {nil}}},
		{"long form, missing first", `{"sort":[{"n":{"order":"desc","missing":"_first"}}]}`, nil,
			[]string{"3", "5", "1", "4", "2", "6"}, nil},
		{"missing value substitute", `{"sort":[{"n":{"missing":0}}]}`, nil,
			[]string{"3", "5", "2", "6", "4", "1"}, nil},
		{"mode max ascending", `{"sort":[{"n":{"order":"asc","mode":"max"}}]}`, nil,
			[]string{"2", "6", "4", "1", "5", "3"}, nil},
		{"two keys", `{"sort":[{"s.keyword":"asc"},{"n":"desc"}]}`, nil,
			[]string{"4", "2", "1", "3", "5", "6"},
			[][]any{{"a", 2.5}, {"a", int64(1)}, {"b", int64(3)}, {"c", nil}, {"d", int64(10)}, {"e", int64(1)}}},
		{"several fields in one object", `{"sort":{"s.keyword":"asc","n":"desc"}}`, nil,
			[]string{"4", "2", "1", "3", "5", "6"}, nil},
		{"text field sorts by whole string", `{"sort":[{"s":"desc"}]}`, nil,
			[]string{"6", "5", "3", "1", "2", "4"}, nil},
		{"_doc desc", `{"sort":[{"_doc":{"order":"desc"}}]}`, nil,
			[]string{"6", "5", "4", "3", "2", "1"},
			[][]any{{int64(5)}, {int64(4)}, {int64(3)}, {int64(2)}, {int64(1)}, {int64(0)}}},
		{"_id desc", `{"sort":[{"_id":"desc"}]}`, nil,
			[]string{"6", "5", "4", "3", "2", "1"},
			[][]any{{"6"}, {"5"}, {"4"}, {"3"}, {"2"}, {"1"}}},
		{"date as epoch millis", `{"sort":["d"],"size":1}`, nil,
			[]string{"6"}, [][]any{{int64(1714521600000)}}},
		{"_score asc, then seq", `{"query":{"bool":{"should":[{"term":{"s":"a"}},{"constant_score":{"filter":{"term":{"n":3}},"boost":0.5}}]}},"sort":[{"_score":"asc"}]}`, nil,
			[]string{"1", "2", "4"}, [][]any{{0.5}, {1.0}, {1.0}}},
		{"url sort", ``, url.Values{"sort": {"s.keyword:desc"}},
			[]string{"6", "5", "3", "1", "2", "4"}, nil},
		{"url sort without order, several fields", ``, url.Values{"sort": {"s.keyword,n:desc"}},
			[]string{"4", "2", "1", "3", "5", "6"}, nil},
		{"url sort appends to body sort", `{"sort":["s.keyword"]}`, url.Values{"sort": {"n:desc"}},
			[]string{"4", "2", "1", "3", "5", "6"}, nil},
		{"url sort with a bad order is dropped", ``, url.Values{"sort": {"n:sideways"}},
			[]string{"1", "2", "3", "4", "5", "6"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, page := search(t, docs, tt.body, tt.params)
			if got := hitIDs(page); !slices.Equal(got, tt.want) {
				t.Errorf("ids = %v, want %v", got, tt.want)
			}
			if tt.wantSort == nil {
				return
			}
			got := make([][]any, len(page))
			for i, h := range page {
				got[i] = h.Sort
			}
			if !reflect.DeepEqual(got, tt.wantSort) {
				t.Errorf("sort values = %#v, want %#v", got, tt.wantSort)
			}
		})
	}
}

func TestSortLoneScoreIsNoSort(t *testing.T) {
	_, page := search(t, sortDocs(t), `{"sort":["_score"]}`, nil)
	for _, h := range page {
		if h.Sort != nil {
			t.Fatalf("hit %s has sort values %v; a lone _score sort is the default order", h.Doc.ID, h.Sort)
		}
	}
}

// walk pages through a result set with search_after and returns the IDs in
// the order seen.
func walk(t *testing.T, docs []searchDoc, body string, size int) []string {
	t.Helper()
	var ids []string
	var after []any
	for range len(docs) + 1 {
		var req map[string]any
		if err := json.Unmarshal([]byte(body), &req); err != nil {
			t.Fatal(err)
		}
		req["size"] = size
		if after != nil {
			req["search_after"] = after
		}
		b, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		total, page := search(t, docs, string(b), nil)
		if total != len(docs) {
			t.Fatalf("total = %d, want %d", total, len(docs))
		}
		if len(page) == 0 {
			return ids
		}
		ids = append(ids, hitIDs(page)...)
		after = page[len(page)-1].Sort
	}
	t.Fatalf("search_after did not reach the end")
	return nil
}

func TestSearchAfterWalk(t *testing.T) {
	sources := make([]string, 23)
	for i := range sources {
		switch {
		case i%7 == 3:
			sources[i] = fmt.Sprintf(`{"name":"doc %d"}`, i) // no n: missing values
		case i%2 == 0:
			sources[i] = fmt.Sprintf(`{"n":%d,"s":"k%d"}`, i%4, i%3)
		default:
			sources[i] = fmt.Sprintf(`{"n":%d.5,"s":"k%d"}`, i%4, i%3)
		}
	}
	docs := testDocs(t, sources...)
	tests := []struct {
		name string
		body string
	}{
		{"number with _id tiebreaker", `{"sort":[{"n":"asc"},{"_id":"asc"}]}`},
		{"number desc with _doc tiebreaker", `{"sort":[{"n":"desc"},"_doc"]}`},
		{"missing first", `{"sort":[{"n":{"order":"asc","missing":"_first"}},{"_doc":"desc"}]}`},
		{"keyword then number", `{"sort":[{"s.keyword":"desc"},{"n":"asc"},{"_id":"desc"}]}`},
		{"point in time implicit tiebreaker", `{"pit":{"id":"p1","keep_alive":"1m"},"sort":[{"n":"desc"}]}`},
		{"with a query", `{"query":{"match_all":{}},"sort":[{"_id":"asc"}]}`},
	}
	for _, tt := range tests {
		for _, size := range []int{1, 4, 7, 30} {
			t.Run(fmt.Sprintf("%s/size=%d", tt.name, size), func(t *testing.T) {
				_, all := search(t, docs, strings.Replace(tt.body, "{", `{"size":100,`, 1), nil)
				want := hitIDs(all)
				if len(want) != len(docs) {
					t.Fatalf("full run returned %d hits, want %d", len(want), len(docs))
				}
				if got := walk(t, docs, tt.body, size); !slices.Equal(got, want) {
					t.Errorf("walk = %v\nwant   %v", got, want)
				}
			})
		}
	}
}

func TestSearchAfter(t *testing.T) {
	docs := sortDocs(t)
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"strictly after", `{"sort":[{"n":"asc"},"_doc"],"search_after":[1,1]}`, []string{"6", "4", "1", "3"}},
		{"ties without a tiebreaker are skipped", `{"sort":[{"n":"asc"}],"search_after":[1]}`, []string{"4", "1", "3"}},
		{"numeric string", `{"sort":[{"n":"asc"}],"search_after":["2.5"]}`, []string{"1", "3"}},
		{"null is the missing position", `{"sort":[{"n":"asc"},"_doc"],"search_after":[null,0]}`, []string{"3"}},
		{"desc", `{"sort":[{"n":"desc"}],"search_after":[3]}`, []string{"4", "2", "6", "3"}},
		{"date string against millis", `{"sort":["d"],"search_after":["2024-04-01"]}`, []string{"6", "1", "2", "3", "4", "5"}},
		{"past the end", `{"sort":["_id"],"search_after":["9"]}`, []string{}},
		{"empty is ignored", `{"from":4,"search_after":[]}`, []string{"5", "6"}},
		{"explicit from 0", `{"from":0,"sort":["_id"],"search_after":["4"]}`, []string{"5", "6"}},
		{"point in time tiebreaker value", `{"pit":{"id":"x"},"sort":[{"n":"asc"}],"search_after":[1,1]}`, []string{"6", "4", "1", "3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			total, page := search(t, docs, tt.body, nil)
			if total != len(docs) {
				t.Errorf("total = %d, want %d", total, len(docs))
			}
			if got := hitIDs(page); !slices.Equal(got, tt.want) {
				t.Errorf("ids = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPitID(t *testing.T) {
	tests := []struct {
		body string
		want string
	}{
		{``, ""},
		{`{"query":{"match_all":{}}}`, ""},
		{`{"pit":{"id":"abc==","keep_alive":"5m"}}`, "abc=="},
	}
	for _, tt := range tests {
		r, err := parseSearchRequest([]byte(tt.body), nil)
		if err != nil {
			t.Fatalf("parseSearchRequest(%s): %v", tt.body, err)
		}
		if got := r.pitID(); got != tt.want {
			t.Errorf("pitID(%s) = %q, want %q", tt.body, got, tt.want)
		}
	}
	r, err := parseSearchRequest([]byte(`{"pit":{"id":"p"},"sort":["_id"]}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, page := r.run(sortDocs(t))
	if got, want := page[0].Sort, []any{"1", int64(0)}; !reflect.DeepEqual(got, want) {
		t.Errorf("sort with a point in time = %#v, want %#v (implicit _shard_doc)", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		params     url.Values
		wantType   string
		wantReason string // a prefix of the reason
	}{
		{"malformed json", `{"query":`, nil, "x_content_parse_exception", "Failed to parse the request body"},
		{"not json", `hello`, nil, "x_content_parse_exception", "Failed to parse the request body"},
		{"trailing content", `{} {}`, nil, "x_content_parse_exception", "Failed to parse the request body"},
		{"duplicate key", `{"size":1,"size":2}`, nil, "x_content_parse_exception", "Failed to parse the request body: Duplicate field 'size'"},
		{"body is an array", `[]`, nil, "parsing_exception", "Expected [START_OBJECT] but found [START_ARRAY]"},
		{"unknown top-level object", `{"foo":{}}`, nil, "parsing_exception", "Unknown key for a START_OBJECT in [foo]."},
		{"unknown top-level string", `{"foo":"bar"}`, nil, "parsing_exception", "Unknown key for a VALUE_STRING in [foo]."},
		{"unknown top-level array", `{"foo":[1]}`, nil, "parsing_exception", "Unknown key for a START_ARRAY in [foo]."},
		{"query of the wrong kind", `{"query":"x"}`, nil, "parsing_exception", "Unknown key for a VALUE_STRING in [query]."},
		{"unsupported section", `{"aggs":{"a":{"terms":{"field":"x"}}}}`, nil, "illegal_argument_exception", "[aggs] is not supported by estest"},
		{"unknown query", `{"query":{"foo":{}}}`, nil, "parsing_exception", "unknown query [foo]"},
		{"unknown nested query", `{"query":{"bool":{"must":[{"foo":{}}]}}}`, nil, "parsing_exception", "unknown query [foo]"},
		{"unsupported query", `{"query":{"query_string":{"query":"x"}}}`, nil, "parsing_exception", "query [query_string] is not supported by estest"},
		{"empty query", `{"query":{}}`, nil, "parsing_exception", "query malformed, empty clause found"},
		{"two queries in one", `{"query":{"match_all":{},"term":{"a":"b"}}}`, nil, "parsing_exception", "[match_all] malformed query, expected [END_OBJECT] but found [FIELD_NAME]"},
		{"query body not an object", `{"query":{"term":"x"}}`, nil, "parsing_exception", "[term] query malformed, no start_object after query name"},
		{"term two fields", `{"query":{"term":{"a":"1","b":"2"}}}`, nil, "parsing_exception", "[term] query doesn't support multiple fields, found [a] and [b]"},
		{"term unknown option", `{"query":{"term":{"a":{"value":"1","fuzz":2}}}}`, nil, "parsing_exception", "[term] query does not support [fuzz]"},
		{"term null", `{"query":{"term":{"a":null}}}`, nil, "parsing_exception", "[term] query value cannot be null"},
		{"term array", `{"query":{"term":{"a":["x"]}}}`, nil, "parsing_exception", "[term] query does not support array of values"},
		{"terms scalar", `{"query":{"terms":{"a":"x"}}}`, nil, "parsing_exception", "[terms] query does not support [a]"},
		{"match two fields", `{"query":{"match":{"a":"1","b":"2"}}}`, nil, "parsing_exception", "[match] query doesn't support multiple fields, found [a] and [b]"},
		{"match bad operator", `{"query":{"match":{"a":{"query":"x","operator":"xor"}}}}`, nil, "illegal_argument_exception", "operator needs to be either"},
		{"bool unknown clause", `{"query":{"bool":{"maybe":[]}}}`, nil, "parsing_exception", "[bool] query does not support [maybe]"},
		{"bool clause not an object", `{"query":{"bool":{"must":["x"]}}}`, nil, "parsing_exception", "[bool] query does not support [must]"},
		{"range not an object", `{"query":{"range":{"a":5}}}`, nil, "parsing_exception", "[range] query malformed"},
		{"range unknown bound", `{"query":{"range":{"a":{"above":5}}}}`, nil, "parsing_exception", "[range] query does not support [above]"},
		{"exists without field", `{"query":{"exists":{}}}`, nil, "parsing_exception", "[exists] must be provided with a [field]"},
		{"ids unknown field", `{"query":{"ids":{"value":["1"]}}}`, nil, "x_content_parse_exception", "[ids] unknown field [value]"},
		{"bad boost", `{"query":{"match_all":{"boost":"high"}}}`, nil, "parsing_exception", "[match_all] query: [boost] must be a number"},

		{"negative from", `{"from":-1}`, nil, "illegal_argument_exception", "[from] parameter cannot be negative, found [-1]"},
		{"negative size", `{"size":-5}`, nil, "illegal_argument_exception", "[size] parameter cannot be negative, found [-5]"},
		{"negative url size", ``, url.Values{"size": {"-1"}}, "illegal_argument_exception", "[size] parameter cannot be negative, found [-1]"},
		{"bad url from", ``, url.Values{"from": {"ten"}}, "illegal_argument_exception", "Failed to parse int parameter [from] with value [ten]"},
		{"size not a number", `{"size":"ten"}`, nil, "number_format_exception", `For input string: "ten"`},
		{"size out of int range", `{"size":3000000000}`, nil, "x_content_parse_exception", "Numeric value (3000000000) out of range of int"},
		{"size of the wrong kind", `{"size":{}}`, nil, "parsing_exception", "Unknown key for a START_OBJECT in [size]."},
		{"result window", `{"from":9990,"size":11}`, nil, "illegal_argument_exception",
			"Result window is too large, from + size must be less than or equal to: [10000] but was [10001]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting."},
		{"result window from url", ``, url.Values{"size": {"10001"}}, "illegal_argument_exception", "Result window is too large, from + size must be less than or equal to: [10000] but was [10001]."},

		{"bad sort order", `{"sort":[{"n":"up"}]}`, nil, "illegal_argument_exception", "Unknown SortOrder [up]"},
		{"bad sort option", `{"sort":[{"n":{"order":"asc","weight":1}}]}`, nil, "x_content_parse_exception", "[field_sort] unknown field [weight]"},
		{"bad sort kind", `{"sort":5}`, nil, "parsing_exception", "[sort] malformed"},
		{"script sort", `{"sort":{"_script":{}}}`, nil, "illegal_argument_exception", "[_script] sort is not supported by estest"},
		{"_shard_doc without pit", `{"sort":["_shard_doc"]}`, nil, "illegal_argument_exception", "[_shard_doc] sort field cannot be used without [point in time]"},

		{"search_after without sort", `{"search_after":[1]}`, nil, "illegal_argument_exception", "Sort must contain at least one field."},
		{"search_after with lone _score", `{"sort":["_score"],"search_after":[1.0]}`, nil, "illegal_argument_exception", "Sort must contain at least one field."},
		{"search_after length", `{"sort":["a","b"],"search_after":[1]}`, nil, "illegal_argument_exception", "search_after has 1 value(s) but sort has 2."},
		{"search_after length with pit", `{"pit":{"id":"p"},"sort":["a"],"search_after":[1]}`, nil, "illegal_argument_exception", "search_after has 1 value(s) but sort has 2."},
		{"search_after with from", `{"from":1,"sort":["a"],"search_after":[1]}`, nil, "illegal_argument_exception", "`from` parameter must be set to 0 when `search_after` is used."},
		{"search_after not an array", `{"sort":["a"],"search_after":1}`, nil, "parsing_exception", "Unknown key for a VALUE_NUMBER in [search_after]."},
		{"search_after object value", `{"sort":["a"],"search_after":[{}]}`, nil, "x_content_parse_exception", "[search_after] values must be"},
		{"pit without id", `{"pit":{"keep_alive":"1m"}}`, nil, "x_content_parse_exception", "[pit] requires an [id]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := parseSearchRequest([]byte(tt.body), tt.params)
			var qe *queryError
			if !errors.As(err, &qe) {
				t.Fatalf("parseSearchRequest(%s) = %v, %v; want a *queryError", tt.body, r, err)
			}
			if qe.Type != tt.wantType || !strings.HasPrefix(qe.Reason, tt.wantReason) {
				t.Errorf("error = %s: %s\nwant    %s: %s...", qe.Type, qe.Reason, tt.wantType, tt.wantReason)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	bodies := []string{
		`{"track_total_hits":true,"_source":true,"timeout":"1s","version":false}`,
		`{"track_total_hits":"true","seq_no_primary_term":false,"stats":["g"]}`,
		`{"query":{"match":{"a":{"query":"x","fuzziness":0,"analyzer":"standard","lenient":true,"max_expansions":5}}}}`,
		`{"query":{"range":{"d":{"gte":"2020-01-01","format":"yyyy-MM-dd","time_zone":"UTC","relation":"within"}}}}`,
		`{"query":{"match_phrase":{"a":{"query":"x y","slop":0}}}}`,
		`{"sort":[{"a":{"order":"asc","unmapped_type":"long"}}]}`,
		`  `,
	}
	for _, body := range bodies {
		if _, err := parseSearchRequest([]byte(body), nil); err != nil {
			t.Errorf("parseSearchRequest(%s): %v", body, err)
		}
	}
	if _, err := parseSearchRequest(nil, nil); err != nil {
		t.Errorf("parseSearchRequest(nil): %v", err)
	}
}

func TestRunTotalAndUnparsableSource(t *testing.T) {
	docs := testDocs(t, `{"a":"x"}`, `[1,2]`, `"just a string"`, `{"a":"x y"}`)
	docs = append(docs, searchDoc{ID: "bad", SeqNo: 9, Source: json.RawMessage(`{not json`)})
	total, page := search(t, docs, `{"query":{"term":{"a":"x"}},"size":1}`, nil)
	if total != 2 || !slices.Equal(hitIDs(page), []string{"1"}) {
		t.Errorf("total, ids = %d, %v; want 2, [1]", total, hitIDs(page))
	}
	total, _ = search(t, docs, ``, nil)
	if total != 5 {
		t.Errorf("match_all total = %d, want 5", total)
	}
}

func FuzzParseSearchRequest(f *testing.F) {
	seeds := []string{
		``, `{}`, `{"query":{"match_all":{}}}`,
		`{"query":{"bool":{"must":[{"term":{"a":"x"}}],"should":{"match":{"b":{"query":"y z","operator":"and"}}},"minimum_should_match":"50%"}}}`,
		`{"query":{"range":{"n":{"gte":1,"lt":"2024-01-01"}}},"sort":[{"n":{"order":"desc","missing":"_first","mode":"avg"}},"_id"],"search_after":[null,"3"]}`,
		`{"query":{"terms":{"a.keyword":["x",1,true]}},"from":"1","size":2.7}`,
		`{"pit":{"id":"p"},"sort":["_shard_doc"],"search_after":[1]}`,
		`{"query":{"match_phrase":{"a":"x y"}},"post_filter":{"exists":{"field":"a"}},"min_score":0.5}`,
		`{"query":{"ids":{"values":["1"]}},"sort":{"a":"asc","b":{"order":"desc","missing":5}}}`,
	}
	for _, s := range seeds {
		f.Add(s, "", "")
	}
	f.Add(`{}`, "5", "a:desc,_doc")
	docs := testDocs(f,
		`{"a":"x y","b":["y","z"],"n":1,"d":"2024-01-01"}`,
		`{"a":"X","n":[2.5,-1],"o":{"p":true},"q.r":null}`,
		`{"n":"3","b":[]}`,
		`{}`,
	)
	f.Fuzz(func(t *testing.T, body, from, sort string) {
		params := url.Values{}
		if from != "" {
			params.Set("from", from)
		}
		if sort != "" {
			params.Set("sort", sort)
		}
		r, err := parseSearchRequest([]byte(body), params)
		if err != nil {
			var qe *queryError
			if !errors.As(err, &qe) {
				t.Fatalf("error %v is not a *queryError", err)
			}
			return
		}
		total, page := r.run(docs)
		if total > len(docs) || len(page) > total {
			t.Fatalf("total %d, page %d for %d docs", total, len(page), len(docs))
		}
	})
}

// TestParseRefusesWhatWouldChangeTheAnswer: options estest does not
// emulate are refused rather than ignored, when their value would change
// which documents match, their order or what a hit holds.
func TestParseRefusesWhatWouldChangeTheAnswer(t *testing.T) {
	tests := []struct{ body, reason string }{
		{`{"query":{"match":{"a":{"query":"x","fuzziness":"AUTO"}}}}`, "[match] query option [fuzziness] with value [AUTO] is not supported by estest"},
		{`{"query":{"match":{"a":{"query":"x","analyzer":"whitespace"}}}}`, "[match] query option [analyzer] with value [whitespace] is not supported by estest"},
		{`{"query":{"match_phrase":{"a":{"query":"x y","slop":2}}}}`, "[match_phrase] query option [slop] with value [2] is not supported by estest"},
		{`{"query":{"range":{"d":{"gte":"01/02/2020","format":"dd/MM/yyyy"}}}}`, "[range] query option [format] with value [dd/MM/yyyy] is not supported by estest"},
		{`{"query":{"range":{"d":{"gte":"2020-01-01","time_zone":"+01:00"}}}}`, "[range] query option [time_zone] with value [+01:00] is not supported by estest"},
		{`{"query":{"term":{"a":{"value":"x","_name":"named"}}}}`, "[_name] (named queries) is not supported by estest"},
		{`{"sort":[{"a":{"order":"asc","format":"strict_date"}}]}`, "[format] in a field sort is not supported by estest"},
	}
	for _, tt := range tests {
		_, err := parseSearchRequest([]byte(tt.body), nil)
		var qe *queryError
		if !errors.As(err, &qe) || qe.Type != "illegal_argument_exception" || qe.Reason != tt.reason {
			t.Errorf("parseSearchRequest(%s) = %v, want illegal_argument_exception: %s", tt.body, err, tt.reason)
		}
	}
}
