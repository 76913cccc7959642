package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/esrt-dev/esrt/endpoint"
)

// call is one REST request the client makes: the endpoint it calls, as
// the Elasticsearch specification names it, and what goes on the wire.
type call struct {
	id      string            // endpoint id: "search", "indices.create"
	method  string            // http.MethodGet, ...
	path    string            // escaped path, from pathOf
	query   url.Values        // nil: none
	indices []string          // target indices, as the caller named them
	params  map[string]string // path parameters by the specification's names
	body    any               // see encode
	ndjson  bool              // body is newline-delimited JSON
}

// reply is a response read to its end.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// pathOf joins path segments, escaping each; an index list is one segment
// whose names are escaped one by one and joined with literal commas.
func pathOf(segs ...string) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(s)
	}
	return b.String()
}

// seg escapes one path segment: a document id, an index name.
func seg(s string) string { return url.PathEscape(s) }

// list escapes index names and joins them as Elasticsearch reads an index
// expression: "a,b".
func list(names []string) string {
	esc := make([]string, len(names))
	for i, n := range names {
		esc[i] = url.PathEscape(n)
	}
	return strings.Join(esc, ",")
}

// joinNames joins index names as the path parameter holds them, decoded.
func joinNames(names []string) string { return strings.Join(names, ",") }

// encode turns a request body into bytes: []byte, json.RawMessage and
// string are sent as they are, an io.Reader is read to its end (so that a
// retry can send it again), nil is no body, and any other value is
// marshalled with encoding/json.
func encode(body any) ([]byte, error) {
	switch b := body.(type) {
	case nil:
		return nil, nil
	case []byte:
		return b, nil
	case json.RawMessage:
		return b, nil
	case string:
		return []byte(b), nil
	case io.Reader:
		return io.ReadAll(b)
	}
	return json.Marshal(body)
}

// do sends k and reads the whole response, so that the connection is
// reused. A status of 300 or more is returned as an *Error together with
// the reply; a reply is nil only when the request could not be sent.
func (c *Client) do(ctx context.Context, k *call) (*reply, error) {
	req, err := c.request(ctx, k)
	if err != nil {
		return nil, err
	}
	resp, err := c.doer.Do(req)
	if err != nil {
		return nil, fmt.Errorf("esrt: %s: %w", k.id, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("esrt: %s: read response: %w", k.id, err)
	}
	r := &reply{status: resp.StatusCode, header: resp.Header, body: body}
	if r.status >= 300 {
		return r, newError(k.id, r.status, r.header, r.body)
	}
	return r, nil
}

// request builds the *http.Request for k, with k's endpoint in its
// context for the transport (see [endpoint.NewContext]).
func (c *Client) request(ctx context.Context, k *call) (*http.Request, error) {
	body, err := encode(k.body)
	if err != nil {
		return nil, fmt.Errorf("esrt: %s: encode body: %w", k.id, err)
	}
	u := url.URL{RawQuery: k.query.Encode()}
	escaped := k.path
	if c.base != nil {
		u.Scheme, u.Host = c.base.Scheme, c.base.Host
		escaped = strings.TrimRight(c.base.EscapedPath(), "/") + escaped
	}
	if u.Path, err = url.PathUnescape(escaped); err != nil {
		return nil, fmt.Errorf("esrt: %s: path: %w", k.id, err)
	}
	u.RawPath = escaped
	ctx = endpoint.NewContext(ctx, endpoint.Call{
		Endpoint: endpoint.Lookup(k.method, k.path),
		Indices:  k.indices,
		Params:   k.params,
	})
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, k.method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("esrt: %s: %w", k.id, err)
	}
	if body != nil {
		ct := "application/json"
		if k.ndjson {
			ct = "application/x-ndjson"
		}
		req.Header.Set("Content-Type", ct)
	}
	return req, nil
}

// decode unmarshals a reply's body into v, naming the endpoint on error.
func decode(id string, r *reply, v any) error {
	if err := json.Unmarshal(r.body, v); err != nil {
		return fmt.Errorf("esrt: %s: decode response: %w", id, err)
	}
	return nil
}

// inputError is the error for a call the client refuses to send.
func inputError(id, msg string) error {
	return fmt.Errorf("esrt: %s: %s", id, msg)
}

// members encodes the parts of a JSON object body that are set, each the
// caller's JSON or a value that marshals to it; nil parts are left out.
func members(id string, parts map[string]any) (map[string]json.RawMessage, error) {
	body := make(map[string]json.RawMessage, len(parts))
	for name, v := range parts {
		if v == nil {
			continue
		}
		b, err := encode(v)
		if err != nil {
			return nil, encodeError(id, err)
		}
		body[name] = b
	}
	return body, nil
}

// encodeError wraps an error from encoding a request body.
func encodeError(id string, err error) error {
	return fmt.Errorf("esrt: %s: encode body: %w", id, err)
}

// checkNames refuses an empty index name or one with a comma, which would
// change which indices a request reaches.
func checkNames(id string, names []string) error {
	for _, n := range names {
		if n == "" {
			return inputError(id, "empty index name")
		}
		if strings.ContainsRune(n, ',') {
			return inputError(id, fmt.Sprintf("index name %q holds a comma; pass each index separately", n))
		}
	}
	return nil
}
