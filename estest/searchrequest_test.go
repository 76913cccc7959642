package estest

import (
	"errors"
	"testing"
)

// TestParseBodyMembers pins the answer to each top-level member holding a
// value of the wrong kind or shape.
func TestParseBodyMembers(t *testing.T) {
	tests := []struct {
		body       string
		wantType   string
		wantReason string
	}{
		{`{"post_filter":[]}`, "parsing_exception", "Unknown key for a START_ARRAY in [post_filter]."},
		{`{"from":[1]}`, "parsing_exception", "Unknown key for a START_ARRAY in [from]."},
		{`{"from":"x"}`, "number_format_exception", `For input string: "x"`},
		{`{"min_score":{}}`, "parsing_exception", "Unknown key for a START_OBJECT in [min_score]."},
		{`{"min_score":"high"}`, "x_content_parse_exception", "[min_score] failed to parse field [high]"},
		{`{"pit":"p"}`, "parsing_exception", "Unknown key for a VALUE_STRING in [pit]."},
		{`{"pit":{"id":5}}`, "x_content_parse_exception", "[pit] id must be a string"},
		{`{"pit":{"id":"p","foo":1}}`, "x_content_parse_exception", "[pit] unknown field [foo]"},
		{`{"pit":{"id":""}}`, "x_content_parse_exception", "[pit] requires an [id]"},
		{`{"track_total_hits":null}`, "parsing_exception", "Unknown key for a VALUE_NULL in [track_total_hits]."},
		{`{"track_total_hits":[1]}`, "parsing_exception", "Unknown key for a START_ARRAY in [track_total_hits]."},
		{`{"track_total_hits":"lots"}`, "number_format_exception", `For input string: "lots"`},
		{`{"track_total_hits":""}`, "number_format_exception", `For input string: ""`},
		{`{"_source":5}`, "parsing_exception", "Unknown key for a VALUE_NUMBER in [_source]."},
		{`{"_source":null}`, "parsing_exception", "Unknown key for a VALUE_NULL in [_source]."},
		{`{"knn":{}}`, "illegal_argument_exception", "[knn] is not supported by estest"},
		{`{"track_total_hits":false}`, "illegal_argument_exception", "[track_total_hits] false is not supported by estest, which always counts every hit"},
		{`{"track_total_hits":10}`, "illegal_argument_exception", "[track_total_hits] as a number is not supported by estest, which always counts every hit"},
		{`{"_source":"a*"}`, "illegal_argument_exception", "[_source] filtering is not supported by estest"},
		{`{"_source":false}`, "illegal_argument_exception", "[_source] filtering is not supported by estest"},
		{`{"version":true}`, "illegal_argument_exception", "[version] is not supported by estest"},
		{`{"highlight":{"fields":{"a":{}}}}`, "illegal_argument_exception", "[highlight] is not supported by estest"},
		{`{"terminate_after":1}`, "illegal_argument_exception", "[terminate_after] is not supported by estest"},
		{`{"fields":["a"]}`, "illegal_argument_exception", "[fields] is not supported by estest"},
	}
	for _, tt := range tests {
		r, err := parseSearchRequest([]byte(tt.body), nil)
		var qe *queryError
		if !errors.As(err, &qe) {
			t.Errorf("parseSearchRequest(%s) = %v, %v; want a *queryError", tt.body, r, err)
			continue
		}
		if qe.Type != tt.wantType || qe.Reason != tt.wantReason {
			t.Errorf("parseSearchRequest(%s) = %s: %s\nwant %s: %s", tt.body, qe.Type, qe.Reason, tt.wantType, tt.wantReason)
		}
	}
}

// TestParseBodyMembersAccepted pins values that Elasticsearch's coercing
// parser accepts.
func TestParseBodyMembersAccepted(t *testing.T) {
	r, err := parseSearchRequest([]byte(`{"min_score":"0.5","from":"2","size":3.9,"track_total_hits":"true","search_after":[]}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.minScore == nil || *r.minScore != 0.5 || r.from != 2 || r.size != 3 {
		t.Errorf("min_score, from, size = %v, %d, %d; want 0.5, 2, 3", r.minScore, r.from, r.size)
	}
	if r.searchAfter != nil {
		t.Errorf("an empty search_after = %v, want none (and from allowed)", r.searchAfter)
	}
	if _, err := parseSearchRequest([]byte(`{"track_total_hits":true,"_source":true,"version":false,"timeout":"1s","pit":{"id":"p","keep_alive":"1m"}}`), nil); err != nil {
		t.Errorf("parseSearchRequest: %v", err)
	}
}
