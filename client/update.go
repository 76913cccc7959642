package client

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
)

// UpdateRequest changes part of a document: with a partial document (Doc)
// or a script (Script), exactly one of them.
type UpdateRequest struct {
	Index, ID string

	// Doc is merged into the document's source.
	Doc any

	// Script is the update script, as Elasticsearch's "script" object:
	// {"source":"ctx._source.n += params.k","params":{"k":1}}. An update
	// with a script is not retried after a broken connection, since it
	// might run twice.
	Script any

	// Upsert is the document indexed when none exists. With Doc,
	// DocAsUpsert indexes Doc itself instead.
	Upsert      any
	DocAsUpsert bool

	// RetryOnConflict retries the update on the server this many times
	// when the document changes between its read and its write.
	RetryOnConflict int

	Refresh string
	Routing string
	If      Condition
}

// UpdateResponse is the answer of _update; Result is "noop" when the
// partial document changed nothing.
type UpdateResponse = WriteResponse

// Update calls POST /{index}/_update/{id}. A missing document without an
// upsert is an *Error for which [IsNotFound] is true.
func (c *Client) Update(ctx context.Context, r UpdateRequest) (*UpdateResponse, error) {
	k, err := docCall("update", http.MethodPost, r.Index, "_update", r.ID)
	if err != nil {
		return nil, err
	}
	if (r.Doc == nil) == (r.Script == nil) {
		return nil, inputError(k.id, "set exactly one of Doc and Script")
	}
	if r.DocAsUpsert && r.Doc == nil {
		return nil, inputError(k.id, "DocAsUpsert without Doc")
	}
	body, err := members(k.id, map[string]any{"doc": r.Doc, "script": r.Script, "upsert": r.Upsert})
	if err != nil {
		return nil, err
	}
	if r.DocAsUpsert {
		body["doc_as_upsert"] = json.RawMessage("true")
	}
	k.body = body
	if r.RetryOnConflict > 0 {
		k.setQuery("retry_on_conflict", strconv.Itoa(r.RetryOnConflict))
	}
	k.setQuery("refresh", r.Refresh)
	k.setQuery("routing", r.Routing)
	r.If.set(k)
	var out UpdateResponse
	if err := c.json(ctx, k, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
