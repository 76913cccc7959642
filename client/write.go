package client

import (
	"context"
	"net/http"
	"strconv"
)

// WriteResponse is the answer of a document write: index, create, update
// or delete.
type WriteResponse struct {
	Index       string     `json:"_index"`
	ID          string     `json:"_id"`
	Version     int64      `json:"_version"`
	SeqNo       int64      `json:"_seq_no"`
	PrimaryTerm int64      `json:"_primary_term"`
	Routing     string     `json:"_routing,omitempty"`
	Shards      ShardStats `json:"_shards"`

	// Result is "created", "updated", "deleted", "noop" or "not_found".
	Result string `json:"result"`

	// ForcedRefresh reports that the write forced a refresh
	// (Refresh "true" or "wait_for" that had to).
	ForcedRefresh bool `json:"forced_refresh,omitempty"`
}

// ShardStats counts the shards a request ran on, with the failures.
type ShardStats struct {
	Total      int            `json:"total"`
	Successful int            `json:"successful"`
	Skipped    int            `json:"skipped"`
	Failed     int            `json:"failed"`
	Failures   []ShardFailure `json:"failures,omitempty"`
}

// Condition makes a write apply only if the document is still the one the
// caller read: its _seq_no and _primary_term (from [Doc] or a
// [WriteResponse]). The zero Condition is no condition. A document that
// changed meanwhile is an *Error for which [IsConflict] is true.
type Condition struct {
	SeqNo       int64
	PrimaryTerm int64 // > 0: the condition applies
}

// set puts the condition's parameters on k.
func (cd Condition) set(k *call) {
	if cd.PrimaryTerm <= 0 {
		return
	}
	k.setQuery("if_seq_no", strconv.FormatInt(cd.SeqNo, 10))
	k.setQuery("if_primary_term", strconv.FormatInt(cd.PrimaryTerm, 10))
}

// IndexRequest holds a document to index and how.
type IndexRequest struct {
	Index string

	// ID is the document's id. With "", Elasticsearch generates one
	// (POST /{index}/_doc): such a write is not retried after a broken
	// connection, as it might be applied twice.
	ID string

	// Document is the caller's JSON or a value that marshals to it.
	Document any

	// OpType "create" fails with a conflict when the id exists; "" or
	// "index" replaces the document.
	OpType string

	// Refresh is "true", "wait_for" or "" (the default, "false").
	Refresh  string
	Routing  string
	Pipeline string
	If       Condition
}

// Index calls PUT /{index}/_doc/{id}, or POST /{index}/_doc without an id.
func (c *Client) Index(ctx context.Context, r IndexRequest) (*WriteResponse, error) {
	var (
		k   *call
		err error
	)
	if r.ID == "" {
		k, err = indexCall("index", http.MethodPost, r.Index, "_doc")
	} else {
		k, err = docCall("index", http.MethodPut, r.Index, "_doc", r.ID)
	}
	if err != nil {
		return nil, err
	}
	k.setQuery("op_type", r.OpType)
	return c.write(ctx, k, r)
}

// Create calls PUT /{index}/_create/{id}: it indexes the document only if
// no document has its id, else it answers an *Error for which [IsConflict]
// is true. r.ID is required, r.OpType ignored.
func (c *Client) Create(ctx context.Context, r IndexRequest) (*WriteResponse, error) {
	if r.ID == "" {
		return nil, inputError("create", "no document id")
	}
	k, err := docCall("create", http.MethodPut, r.Index, "_create", r.ID)
	if err != nil {
		return nil, err
	}
	return c.write(ctx, k, r)
}

func (c *Client) write(ctx context.Context, k *call, r IndexRequest) (*WriteResponse, error) {
	if r.Document == nil {
		return nil, inputError(k.id, "no document")
	}
	k.body = r.Document
	k.setQuery("refresh", r.Refresh)
	k.setQuery("routing", r.Routing)
	k.setQuery("pipeline", r.Pipeline)
	r.If.set(k)
	var out WriteResponse
	if err := c.json(ctx, k, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteRequest names a document to delete.
type DeleteRequest struct {
	Index, ID string
	Refresh   string
	Routing   string
	If        Condition
}

// Delete calls DELETE /{index}/_doc/{id}. A missing document is an *Error
// for which [IsNotFound] is true.
func (c *Client) Delete(ctx context.Context, r DeleteRequest) (*WriteResponse, error) {
	k, err := docCall("delete", http.MethodDelete, r.Index, "_doc", r.ID)
	if err != nil {
		return nil, err
	}
	k.setQuery("refresh", r.Refresh)
	k.setQuery("routing", r.Routing)
	r.If.set(k)
	var out WriteResponse
	if err := c.json(ctx, k, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Exists calls HEAD /{index}/_doc/{id}: whether the document exists. A
// missing document or index is false, not an error.
func (c *Client) Exists(ctx context.Context, index, id string) (bool, error) {
	k, err := docCall("exists", http.MethodHead, index, "_doc", id)
	if err != nil {
		return false, err
	}
	return c.exists(ctx, k)
}

// docCall is a call on one document: /{index}/{kind}/{id}.
func docCall(id, method, index, kind, docID string) (*call, error) {
	if docID == "" {
		return nil, inputError(id, "no document id")
	}
	k, err := indexCall(id, method, index, kind, seg(docID))
	if err != nil {
		return nil, err
	}
	k.params["id"] = docID
	return k, nil
}
