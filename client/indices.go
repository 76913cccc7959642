package client

import (
	"context"
	"net/http"
	"net/url"
)

// CreateIndexRequest holds the body of [Client.CreateIndex]: each part is
// the caller's JSON (or a value that marshals to it) and may be nil.
type CreateIndexRequest struct {
	Settings any
	Mappings any
	Aliases  any
}

// CreateIndexResponse is the answer of PUT /{index}.
type CreateIndexResponse struct {
	Acknowledged       bool   `json:"acknowledged"`
	ShardsAcknowledged bool   `json:"shards_acknowledged"`
	Index              string `json:"index"`
}

// CreateIndex calls PUT /{index}. An index that exists is an *Error of type
// resource_already_exists_exception (400).
func (c *Client) CreateIndex(ctx context.Context, index string, r CreateIndexRequest) (*CreateIndexResponse, error) {
	k, err := indexCall("indices.create", http.MethodPut, index)
	if err != nil {
		return nil, err
	}
	body, err := members(k.id, map[string]any{"settings": r.Settings, "mappings": r.Mappings, "aliases": r.Aliases})
	if err != nil {
		return nil, err
	}
	if len(body) > 0 {
		k.body = body
	}
	var out CreateIndexResponse
	return &out, c.json(ctx, k, &out)
}

// DeleteIndex calls DELETE /{index} for one or more indices. A missing
// index is an *Error of type index_not_found_exception (404).
func (c *Client) DeleteIndex(ctx context.Context, indices ...string) error {
	k, err := indicesCall("indices.delete", http.MethodDelete, indices, "")
	if err != nil {
		return err
	}
	_, err = c.do(ctx, k)
	return err
}

// IndexExists calls HEAD /{index}: true when every named index exists.
func (c *Client) IndexExists(ctx context.Context, indices ...string) (bool, error) {
	k, err := indicesCall("indices.exists", http.MethodHead, indices, "")
	if err != nil {
		return false, err
	}
	return c.exists(ctx, k)
}

// Refresh calls POST /{index}/_refresh, or POST /_refresh for every index
// when none is named, making recent writes visible to search.
func (c *Client) Refresh(ctx context.Context, indices ...string) error {
	k := &call{id: "indices.refresh", method: http.MethodPost, path: "/_refresh"}
	if len(indices) > 0 {
		var err error
		if k, err = indicesCall("indices.refresh", http.MethodPost, indices, "_refresh"); err != nil {
			return err
		}
	}
	_, err := c.do(ctx, k)
	return err
}

// indexCall is a call whose path starts with one index.
func indexCall(id, method, index string, rest ...string) (*call, error) {
	if err := checkNames(id, []string{index}); err != nil {
		return nil, err
	}
	return &call{
		id: id, method: method,
		path:    pathOf(append([]string{seg(index)}, rest...)...),
		indices: []string{index},
		params:  map[string]string{"index": index},
	}, nil
}

// indicesCall is a call whose path starts with an index list, and then
// the literal segment rest, if any.
func indicesCall(id, method string, indices []string, rest string) (*call, error) {
	if len(indices) == 0 {
		return nil, inputError(id, "no index named")
	}
	if err := checkNames(id, indices); err != nil {
		return nil, err
	}
	segs := []string{list(indices)}
	if rest != "" {
		segs = append(segs, rest)
	}
	return &call{
		id: id, method: method,
		path:    pathOf(segs...),
		indices: indices,
		params:  map[string]string{"index": joinNames(indices)},
	}, nil
}

// setQuery sets a query parameter of k when v is not "".
func (k *call) setQuery(name, v string) {
	if v == "" {
		return
	}
	if k.query == nil {
		k.query = url.Values{}
	}
	k.query.Set(name, v)
}
