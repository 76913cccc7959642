package client

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// Doc is a document as GET and _mget answer it, its source decoded into T.
type Doc[T any] struct {
	Index       string `json:"_index"`
	ID          string `json:"_id"`
	Version     int64  `json:"_version"`
	SeqNo       int64  `json:"_seq_no"`
	PrimaryTerm int64  `json:"_primary_term"`
	Routing     string `json:"_routing,omitempty"`
	Found       bool   `json:"found"`

	// Source is the document's _source; the zero T when the answer held
	// none (not found, or _source turned off).
	Source T `json:"_source"`

	// Fields holds stored fields asked for with stored_fields, raw.
	Fields map[string]json.RawMessage `json:"fields,omitempty"`

	// Error is set on an _mget entry that failed (a missing index).
	Error *Cause `json:"error,omitempty"`
}

// Condition returns the condition under which a write applies only to
// this version of the document.
func (d *Doc[T]) Condition() Condition {
	return Condition{SeqNo: d.SeqNo, PrimaryTerm: d.PrimaryTerm}
}

// GetRequest names a document to read.
type GetRequest struct {
	Index, ID  string
	Routing    string
	Preference string

	// SourceIncludes and SourceExcludes filter _source by field pattern.
	SourceIncludes []string
	SourceExcludes []string
}

// Get calls GET /{index}/_doc/{id} and decodes the document's source into
// T. A missing document (or index) is an *Error for which [IsNotFound] is
// true; use [Client.Exists] to ask without an error.
func Get[T any](ctx context.Context, c *Client, r GetRequest) (*Doc[T], error) {
	k, err := docCall("get", http.MethodGet, r.Index, "_doc", r.ID)
	if err != nil {
		return nil, err
	}
	k.setQuery("routing", r.Routing)
	k.setQuery("preference", r.Preference)
	k.setQuery("_source_includes", strings.Join(r.SourceIncludes, ","))
	k.setQuery("_source_excludes", strings.Join(r.SourceExcludes, ","))
	rp, err := c.do(ctx, k)
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusNotFound && e.Type == "" {
		e.Reason = "document [" + r.ID + "] not found in [" + r.Index + "]"
	}
	if err != nil {
		return nil, err
	}
	var out Doc[T]
	if err := decode(k.id, rp, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// MGetRequest names documents to read in one request.
type MGetRequest struct {
	// Index is the index of every document that names none.
	Index string

	Docs []DocRef
}

// DocRef names one document of an [MGetRequest].
type DocRef struct {
	Index   string `json:"_index,omitempty"`
	ID      string `json:"_id"`
	Routing string `json:"routing,omitempty"`
}

// MGet calls POST /_mget (or /{index}/_mget) and returns the documents in
// the order asked for. A missing document is an entry with Found false; a
// missing index an entry with Error set. Neither is an error of the call.
func MGet[T any](ctx context.Context, c *Client, r MGetRequest) ([]Doc[T], error) {
	if len(r.Docs) == 0 {
		return nil, inputError("mget", "no documents named")
	}
	for _, d := range r.Docs {
		if d.ID == "" {
			return nil, inputError("mget", "a document without an id")
		}
		if d.Index == "" && r.Index == "" {
			return nil, inputError("mget", "document ["+d.ID+"] names no index")
		}
	}
	k := &call{id: "mget", method: http.MethodPost, path: "/_mget"}
	if r.Index != "" {
		var err error
		if k, err = indexCall("mget", http.MethodPost, r.Index, "_mget"); err != nil {
			return nil, err
		}
	}
	k.body = struct {
		Docs []DocRef `json:"docs"`
	}{r.Docs}
	var out struct {
		Docs []Doc[T] `json:"docs"`
	}
	if err := c.json(ctx, k, &out); err != nil {
		return nil, err
	}
	return out.Docs, nil
}
