package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// SearchRequest is a search: where and what. Body is the caller's search
// JSON ({"query":...,"size":...,"sort":...,"aggs":...}) or a value that
// marshals to it; nil matches every document.
type SearchRequest struct {
	// Index lists the indices, aliases or patterns searched; none
	// searches every index.
	Index []string

	Body any

	// Params holds more query parameters, sent as they are
	// (routing, preference, request_cache, ...).
	Params url.Values
}

// SearchResponse is the answer of _search, hits decoded into T.
type SearchResponse[T any] struct {
	Took            int64      `json:"took"`
	TimedOut        bool       `json:"timed_out"`
	TerminatedEarly bool       `json:"terminated_early,omitempty"`
	Shards          ShardStats `json:"_shards"`
	Hits            Hits[T]    `json:"hits"`

	// Aggregations holds each aggregation's answer, raw: decode one with
	// [Aggregation].
	Aggregations map[string]json.RawMessage `json:"aggregations,omitempty"`

	// Suggest holds each suggester's answer, raw.
	Suggest map[string]json.RawMessage `json:"suggest,omitempty"`

	// ScrollID and PitID are set on a search with a scroll or a point in
	// time.
	ScrollID string `json:"_scroll_id,omitempty"`
	PitID    string `json:"pit_id,omitempty"`
}

// Hits holds the matches of a search.
type Hits[T any] struct {
	Total    Total    `json:"total"`
	MaxScore *float64 `json:"max_score"`
	Hits     []Hit[T] `json:"hits"`
}

// Total is how many documents matched: exactly when Relation is "eq", at
// least Value when it is "gte" (track_total_hits bounded the count).
type Total struct {
	Value    int64  `json:"value"`
	Relation string `json:"relation"`
}

// UnmarshalJSON reads both forms: {"value":N,"relation":"eq"}
// (Elasticsearch 7 and later, OpenSearch) and a bare N (Elasticsearch 6,
// or rest_total_hits_as_int), which is exact.
func (t *Total) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] != '{' {
		if bytes.Equal(b, []byte("null")) {
			return nil
		}
		t.Relation = "eq"
		return json.Unmarshal(b, &t.Value)
	}
	type plain Total
	return json.Unmarshal(b, (*plain)(t))
}

// Hit is one match of a search.
type Hit[T any] struct {
	Index string `json:"_index"`
	ID    string `json:"_id"`

	// Score is nil when the search did not score (it sorted on fields).
	Score *float64 `json:"_score"`

	// Source is the document's _source decoded into T; the zero T when
	// the hit holds none (_source off, or only fields asked for).
	Source T `json:"_source"`

	// Sort holds the hit's sort values as they arrived, so that they can
	// be sent back as search_after without losing precision.
	Sort []json.RawMessage `json:"sort,omitempty"`

	Highlight map[string][]string        `json:"highlight,omitempty"`
	Fields    map[string]json.RawMessage `json:"fields,omitempty"`

	// InnerHits holds each named inner_hits answer, raw (each is a search
	// answer's "hits" object).
	InnerHits map[string]json.RawMessage `json:"inner_hits,omitempty"`

	// MatchedQueries is a list of names, or an object of names to scores
	// with include_named_queries_score, raw.
	MatchedQueries json.RawMessage `json:"matched_queries,omitempty"`

	Routing     string          `json:"_routing,omitempty"`
	Version     int64           `json:"_version,omitempty"`
	SeqNo       *int64          `json:"_seq_no,omitempty"`
	PrimaryTerm int64           `json:"_primary_term,omitempty"`
	Nested      json.RawMessage `json:"_nested,omitempty"`
	Explanation json.RawMessage `json:"_explanation,omitempty"`
}

// Search calls POST /{index}/_search (or /_search) and decodes each hit's
// source into T. A search that failed on some shards but not all answers
// with the hits it found and Shards.Failures; check Shards.Failed when
// partial results matter.
func Search[T any](ctx context.Context, c *Client, r SearchRequest) (*SearchResponse[T], error) {
	k, err := searchCall("search", "_search", r.Index, r.Params)
	if err != nil {
		return nil, err
	}
	k.body = r.Body
	var out SearchResponse[T]
	if err := c.json(ctx, k, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CountRequest is a count: where and which. Body is {"query":...} or nil
// for every document.
type CountRequest struct {
	Index  []string
	Body   any
	Params url.Values
}

// CountResponse is the answer of _count.
type CountResponse struct {
	Count           int64      `json:"count"`
	TerminatedEarly bool       `json:"terminated_early,omitempty"`
	Shards          ShardStats `json:"_shards"`
}

// Count calls POST /{index}/_count (or /_count).
func (c *Client) Count(ctx context.Context, r CountRequest) (*CountResponse, error) {
	k, err := searchCall("count", "_count", r.Index, r.Params)
	if err != nil {
		return nil, err
	}
	k.body = r.Body
	var out CountResponse
	if err := c.json(ctx, k, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// searchCall is a POST to /{index}/{api} or /{api} when no index is named.
func searchCall(id, api string, indices []string, params url.Values) (*call, error) {
	k := &call{id: id, method: http.MethodPost, path: "/" + api}
	if len(indices) > 0 {
		var err error
		if k, err = indicesCall(id, http.MethodPost, indices, api); err != nil {
			return nil, err
		}
	}
	if len(params) > 0 {
		k.query = url.Values{}
		for name, vs := range params {
			k.query[name] = append([]string(nil), vs...)
		}
	}
	return k, nil
}

// Aggregation decodes the aggregation called name from a search answer's
// Aggregations into a value of the caller's type:
//
//	type terms struct {
//		Buckets []struct {
//			Key      string `json:"key"`
//			DocCount int64  `json:"doc_count"`
//		} `json:"buckets"`
//	}
//	byStatus, err := client.Aggregation[terms](res.Aggregations, "by_status")
//
// An aggregation the answer does not hold is an error.
func Aggregation[A any](aggs map[string]json.RawMessage, name string) (A, error) {
	var out A
	raw, ok := aggs[name]
	if !ok {
		return out, fmt.Errorf("esrt: aggregation %q not in the answer", name)
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return out, fmt.Errorf("esrt: aggregation %q: %w", name, err)
	}
	return out, nil
}
