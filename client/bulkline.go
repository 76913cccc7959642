package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"
)

// lineEncoder appends bulk items to an NDJSON buffer: an action line and,
// but for a delete, a source line. One belongs to each worker; it is not
// safe for concurrent use.
type lineEncoder struct {
	defaultIndex string // the index of the request path: not repeated per item
	sink         lineSink
	enc          *json.Encoder // writes into sink
}

// lineSink is an io.Writer that appends to a byte slice, so that
// encoding/json can marshal straight into a batch buffer.
type lineSink struct{ b []byte }

func (s *lineSink) Write(p []byte) (int, error) {
	s.b = append(s.b, p...)
	return len(p), nil
}

func newLineEncoder(defaultIndex string) *lineEncoder {
	e := &lineEncoder{defaultIndex: defaultIndex}
	e.enc = json.NewEncoder(&e.sink)
	return e
}

var errEmptyBody = errors.New("empty body")

// appendItem appends it's lines to buf. On error it returns buf as it was:
// an item whose body cannot be read or marshalled leaves no line behind.
func (e *lineEncoder) appendItem(buf []byte, it *BulkItem) ([]byte, error) {
	mark := len(buf)
	buf = e.appendAction(buf, it)
	if it.Action == actionDelete {
		return buf, nil
	}
	buf, err := e.appendBody(buf, it.Body)
	if err != nil {
		return buf[:mark], err
	}
	return append(buf, '\n'), nil
}

// appendAction appends the action line of it:
// {"index":{"_index":"i","_id":"1",...}}.
func (e *lineEncoder) appendAction(buf []byte, it *BulkItem) []byte {
	buf = append(buf, `{"`...)
	buf = append(buf, it.Action...)
	buf = append(buf, `":{`...)
	sep := false
	field := func(name string) {
		if sep {
			buf = append(buf, ',')
		}
		sep = true
		buf = append(buf, '"')
		buf = append(buf, name...)
		buf = append(buf, `":`...)
	}
	if it.Index != "" && it.Index != e.defaultIndex {
		field("_index")
		buf = appendQuoted(buf, it.Index)
	}
	if it.ID != "" {
		field("_id")
		buf = appendQuoted(buf, it.ID)
	}
	if it.Routing != "" {
		field("routing")
		buf = appendQuoted(buf, it.Routing)
	}
	if it.IfPrimaryTerm != 0 {
		field("if_seq_no")
		buf = strconv.AppendInt(buf, it.IfSeqNo, 10)
		field("if_primary_term")
		buf = strconv.AppendInt(buf, it.IfPrimaryTerm, 10)
	}
	if it.RetryOnConflict != 0 {
		field("retry_on_conflict")
		buf = strconv.AppendInt(buf, int64(it.RetryOnConflict), 10)
	}
	return append(buf, "}}\n"...)
}

// appendBody appends a source line's JSON, without its newline.
func (e *lineEncoder) appendBody(buf []byte, body any) ([]byte, error) {
	switch b := body.(type) {
	case []byte:
		return appendSource(buf, b)
	case json.RawMessage:
		return appendSource(buf, b)
	case string:
		return appendSource(buf, b)
	case io.Reader:
		start := len(buf)
		buf, err := appendReadAll(buf, b)
		if err != nil {
			return buf[:start], err
		}
		if !bytes.ContainsAny(buf[start:], "\r\n") {
			return nonBlank(buf, start)
		}
		src := bytes.Clone(buf[start:])
		return appendSource(buf[:start], src)
	}
	mark := len(buf)
	e.sink.b = buf
	err := e.enc.Encode(body)
	buf, e.sink.b = e.sink.b, nil
	if err != nil {
		return buf[:mark], err
	}
	return buf[:len(buf)-1], nil // Encode ends with a newline
}

// appendSource appends a JSON document given as text, compacted to one
// line if it spans several.
func appendSource[T ~string | ~[]byte](buf []byte, src T) ([]byte, error) {
	start := len(buf)
	if !spansLines(src) {
		return nonBlank(append(buf, src...), start)
	}
	out := bytes.NewBuffer(buf)
	if err := json.Compact(out, []byte(src)); err != nil {
		return buf, err
	}
	return out.Bytes(), nil
}

func spansLines[T ~string | ~[]byte](s T) bool {
	for i := range len(s) {
		if s[i] == '\n' || s[i] == '\r' {
			return true
		}
	}
	return false
}

// nonBlank fails a source that is blank from start on.
func nonBlank(buf []byte, start int) ([]byte, error) {
	if len(bytes.TrimSpace(buf[start:])) == 0 {
		return buf[:start], errEmptyBody
	}
	return buf, nil
}

// appendReadAll appends what r yields until EOF.
func appendReadAll(buf []byte, r io.Reader) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// containsScript reports whether an update's lines (action and body) may
// run a script. It errs on the safe side: "script" anywhere counts. A key
// may also spell it with escapes ("scr\u0069pt"), which Elasticsearch
// decodes: lines with a backslash have their body's keys decoded, and a
// body that does not decode counts as a script.
func containsScript(lines []byte) bool {
	if bytes.Contains(lines, []byte(`"script"`)) {
		return true
	}
	if bytes.IndexByte(lines, '\\') < 0 {
		return false
	}
	_, src, _ := bytes.Cut(lines, []byte("\n"))
	var keys map[string]json.RawMessage
	if json.Unmarshal(src, &keys) != nil {
		return true
	}
	_, ok := keys["script"]
	return ok
}

const jsonHexDigits = "0123456789abcdef"

// appendQuoted appends s as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 replaced by U+FFFD, as
// encoding/json does.
func appendQuoted(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, `\n`...)
			case '\r':
				buf = append(buf, `\r`...)
			case '\t':
				buf = append(buf, `\t`...)
			default:
				buf = append(buf, `\u00`...)
				buf = append(buf, jsonHexDigits[c>>4], jsonHexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
