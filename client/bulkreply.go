package client

import (
	"encoding/json"
	"errors"
	"net/http"
	"unicode/utf8"
)

// A bulk response is read by a small scanner instead of encoding/json: it
// visits every item without allocating, and turns into strings only what a
// callback will see. The shape is
//
//	{"took":N,"errors":bool,"items":[{"<action>":{"_index":...,"_id":...,
//	 "status":N,"result":...,"_version":N,"_seq_no":N,"_primary_term":N,
//	 "error":{...}}}, ...]}
//
// Keys may come in any order; unknown keys ("_type", "_shards", "get",
// "forced_refresh") are skipped.

// replyItem is one item of a bulk response. Its byte slices point into the
// response body and are valid while it is.
type replyItem struct {
	action    []byte // "index", "create", "update" or "delete"
	index, id []byte // JSON string contents, possibly escaped
	result    []byte
	status    int
	version   int64
	seqNo     int64
	primary   int64
	errRaw    []byte // the "error" value as it arrived, nil if none
}

// ok reports whether the item was applied: no error and a 2xx status, or a
// delete of a missing document (404, result "not_found", no error).
func (r *replyItem) ok() bool {
	if r.errRaw != nil {
		return false
	}
	return r.status >= 200 && r.status < 300 ||
		r.status == http.StatusNotFound && string(r.action) == actionDelete
}

// result returns the item's outcome for a callback.
func (r *replyItem) bulkResult(retries int) BulkResult {
	res := BulkResult{
		Index:       replyText(r.index),
		ID:          replyText(r.id),
		Status:      r.status,
		Version:     r.version,
		SeqNo:       r.seqNo,
		PrimaryTerm: r.primary,
		Retries:     retries,
	}
	if r.ok() {
		res.Result = resultName(r.result)
	}
	return res
}

// itemError returns the *Error of a failed item.
func (r *replyItem) itemError() *Error {
	e := &Error{Endpoint: "bulk", Status: r.status}
	if r.errRaw == nil {
		e.Reason = http.StatusText(r.status)
		return e
	}
	e.Body = append([]byte(nil), r.errRaw...)
	var x struct {
		Cause
		RootCause []Cause `json:"root_cause"`
	}
	if json.Unmarshal(r.errRaw, &x) == nil {
		e.Type, e.Reason, e.CausedBy, e.RootCause = x.Type, x.Reason, x.CausedBy, x.RootCause
	} else {
		var s string
		if json.Unmarshal(r.errRaw, &s) == nil {
			e.Reason = s
		}
	}
	return e
}

// resultName interns the usual results.
func resultName(b []byte) string {
	switch string(b) {
	case "created":
		return "created"
	case "updated":
		return "updated"
	case "deleted":
		return "deleted"
	case "noop":
		return "noop"
	case "not_found":
		return "not_found"
	}
	return replyText(b)
}

// replyText turns the contents of a JSON string into a Go string.
func replyText(b []byte) string {
	if !utf8.Valid(b) {
		return decodeReplyText(b)
	}
	for _, c := range b {
		if c == '\\' {
			return decodeReplyText(b)
		}
	}
	return string(b)
}

// decodeReplyText decodes escapes and replaces invalid UTF-8, as encoding/json
// does.
func decodeReplyText(b []byte) string {
	var s string
	q := make([]byte, 0, len(b)+2)
	q = append(append(append(q, '"'), b...), '"')
	if json.Unmarshal(q, &s) == nil {
		return s
	}
	return string(b)
}

var errBadReply = errors.New("malformed bulk response")

// scanReply reads a bulk response body and calls fn for each item, in
// order, with its position. It returns fn's first error, or errBadReply
// for a body that is not a bulk response.
func scanReply(body []byte, fn func(i int, it *replyItem) error) error {
	s := replyScanner{b: body}
	n := 0
	found := false
	var it replyItem // one for all items: it escapes to fn
	err := s.object(func(key []byte) error {
		if string(key) != "items" {
			return s.skip()
		}
		found = true
		return s.array(func() error {
			it = replyItem{}
			if err := s.item(&it); err != nil {
				return err
			}
			n++
			return fn(n-1, &it)
		})
	})
	if err == nil && !found {
		err = errBadReply
	}
	if s.ws(); err == nil && s.i != len(s.b) {
		err = errBadReply
	}
	return err
}

// item reads {"<action>":{...}} into it.
func (s *replyScanner) item(it *replyItem) error {
	return s.object(func(key []byte) error {
		if it.action != nil {
			return s.skip()
		}
		it.action = key
		return s.object(func(key []byte) error {
			return s.field(it, key)
		})
	})
}

// field reads the value of one key of an item.
func (s *replyScanner) field(it *replyItem, key []byte) error {
	var err error
	switch string(key) {
	case "_index":
		it.index, err = s.str()
	case "_id":
		it.id, err = s.str()
	case "result":
		it.result, err = s.str()
	case "status":
		var n int64
		n, err = s.integer()
		it.status = int(n)
	case "_version":
		it.version, err = s.integer()
	case "_seq_no":
		it.seqNo, err = s.integer()
	case "_primary_term":
		it.primary, err = s.integer()
	case "error":
		s.ws()
		from := s.i
		err = s.skip()
		if v := s.b[from:s.i]; string(v) != "null" {
			it.errRaw = v
		} else {
			it.errRaw = nil
		}
	default:
		err = s.skip()
	}
	return err
}
