package estest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// member is one key of a JSON object. Objects are kept as ordered member
// lists so that _source keeps the key order it was indexed with, as
// Elasticsearch does, also after a partial update.
type member struct {
	key string
	val json.RawMessage
}

// marshal encodes v without HTML escaping (Elasticsearch does not escape
// '<', '>' and '&').
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// mustMarshal is marshal for values built by this package, which always
// encode.
func mustMarshal(v any) json.RawMessage {
	b, err := marshal(v)
	if err != nil {
		panic("estest: " + err.Error())
	}
	return b
}

// encodeObject renders members as a compact JSON object.
func encodeObject(obj []member) json.RawMessage {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range obj {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := marshal(m.key)
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(m.val)
	}
	buf.WriteByte('}')
	return buf.Bytes()
}

// isObject reports whether b is a JSON object (after leading whitespace).
func isObject(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}

// parseObject splits a JSON object into its members, keeping their order
// and their raw values. Later duplicates replace earlier ones.
func parseObject(b []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("expected an object but found [%v]", tok)
	}
	var obj []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, err
		}
		obj = setMember(obj, key, val)
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the object")
	}
	return obj, nil
}

func setMember(obj []member, key string, val json.RawMessage) []member {
	for i := range obj {
		if obj[i].key == key {
			obj[i].val = val
			return obj
		}
	}
	return append(obj, member{key, val})
}

// mergeObject applies patch to dst the way Elasticsearch merges a partial
// update document: objects merge recursively, everything else replaces.
func mergeObject(dst, patch []member) []member {
	out := append([]member(nil), dst...)
	for _, p := range patch {
		merged := false
		for i := range out {
			if out[i].key != p.key {
				continue
			}
			if isObject(out[i].val) && isObject(p.val) {
				a, errA := parseObject(out[i].val)
				b, errB := parseObject(p.val)
				if errA == nil && errB == nil {
					out[i].val = encodeObject(mergeObject(a, b))
					merged = true
				}
			}
			if !merged {
				out[i].val = p.val
				merged = true
			}
			break
		}
		if !merged {
			out = append(out, p)
		}
	}
	return out
}

// sameJSON reports whether a and b hold equal JSON values.
func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return bytes.Equal(xa, yb)
}

// position converts a byte offset into Elasticsearch's "[line:col]" prefix.
func position(b []byte, offset int64) string {
	if offset > int64(len(b)) {
		offset = int64(len(b))
	}
	line, col := 1, 1
	for _, c := range b[:offset] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return fmt.Sprintf("[%d:%d]", line, col)
}

// syntaxReason describes why b is not valid JSON, prefixed with the
// position of the problem.
func syntaxReason(b []byte) string {
	var v any
	err := json.Unmarshal(b, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return position(b, se.Offset) + " " + se.Error()
	}
	if err != nil {
		return err.Error()
	}
	return "expected an object"
}

// parseError is the 400 answer to a document body that is not a JSON
// object: document_parsing_exception since 8.x, mapper_parsing_exception
// before.
func (c *Cluster) parseError(b []byte) *esError {
	typ := "document_parsing_exception"
	if c.product == Elasticsearch && c.major < 8 || c.product == OpenSearch {
		typ = "mapper_parsing_exception"
	}
	msg := syntaxReason(b)
	e := newError(400, typ, "failed to parse")
	e.causedBy = newError(400, "x_content_parse_exception", msg)
	return e
}

// indentJSON pretty-prints b into buf, for ?pretty.
func indentJSON(buf *bytes.Buffer, b []byte) error { return json.Indent(buf, b, "", "  ") }
