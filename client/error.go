package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error is an error answer of Elasticsearch or OpenSearch: any response
// with a status of 300 or more. Every call of the client returns one for
// such an answer; match it with [errors.As], or ask [IsNotFound],
// [IsConflict] or [IsTooManyRequests].
//
// Elasticsearch answers most errors with an envelope,
// {"error":{"type":...,"reason":...,"root_cause":[...],"caused_by":{...}},"status":N},
// whose fields fill Type, Reason, RootCause and CausedBy. A plain-string
// error ({"error":"no handler found for uri ..."}, as old versions and the
// routing layer answer), a text or HTML body from a proxy and an empty body
// leave Type empty and put what could be read in Reason.
type Error struct {
	// Endpoint is the id of the endpoint called ("search").
	Endpoint string

	// Status is the HTTP status code.
	Status int

	// Type is Elasticsearch's exception type ("index_not_found_exception");
	// "" when the body held none.
	Type string

	// Reason is the human-readable reason: the envelope's, or the start of
	// a body that had none.
	Reason string

	// RootCause holds the envelope's root causes.
	RootCause []Cause

	// CausedBy is the first link of the envelope's caused-by chain.
	CausedBy *Cause

	// FailedShards holds the failures per shard of a
	// search_phase_execution_exception.
	FailedShards []ShardFailure

	// Body is the response body as it arrived; for a failed bulk item,
	// the item's error object.
	Body []byte
}

// Cause is one exception of an error answer: a root cause or a link of
// the caused-by chain.
type Cause struct {
	Type     string `json:"type"`
	Reason   string `json:"reason"`
	Index    string `json:"index,omitempty"`
	CausedBy *Cause `json:"caused_by,omitempty"`
}

// ShardFailure is the failure of one shard in a search answer or error.
type ShardFailure struct {
	Shard  int    `json:"shard"`
	Index  string `json:"index"`
	Node   string `json:"node"`
	Reason Cause  `json:"reason"`
}

// UnmarshalJSON reads the shard number as a number or, as some versions
// write it, a string.
func (f *ShardFailure) UnmarshalJSON(b []byte) error {
	type plain ShardFailure
	var x struct {
		plain
		Shard json.RawMessage `json:"shard"`
	}
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	*f = ShardFailure(x.plain)
	if s := strings.Trim(string(x.Shard), `"`); s != "" {
		f.Shard, _ = strconv.Atoi(s)
	}
	return nil
}

// Error returns "esrt: <endpoint>: <status> <type>: <reason>".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("esrt: ")
	if e.Endpoint != "" {
		b.WriteString(e.Endpoint)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%d", e.Status)
	if e.Type != "" {
		b.WriteString(" ")
		b.WriteString(e.Type)
	}
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	return b.String()
}

// IsNotFound reports whether err is an *Error with status 404: a missing
// index, document, point in time or scroll.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsConflict reports whether err is an *Error with status 409: a version
// conflict, or a create of a document that exists.
func IsConflict(err error) bool { return hasStatus(err, http.StatusConflict) }

// IsTooManyRequests reports whether err is an *Error with status 429: the
// cluster rejected the request for now (a full queue, a circuit breaker).
func IsTooManyRequests(err error) bool { return hasStatus(err, http.StatusTooManyRequests) }

func hasStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status
}

// maxReason caps a reason taken from a body without an envelope.
const maxReason = 200

// newError reads an error answer.
func newError(id string, status int, header http.Header, body []byte) *Error {
	e := &Error{Endpoint: id, Status: status, Body: body}
	var env struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil && len(env.Error) > 0 {
		var s string
		if json.Unmarshal(env.Error, &s) == nil {
			e.Reason = s
			return e
		}
		var x Cause
		if json.Unmarshal(env.Error, &x) == nil {
			e.Type, e.Reason, e.CausedBy = x.Type, x.Reason, x.CausedBy
			// Each part is read on its own: an odd field in one (a
			// shard number as a string) must not lose the others.
			var rc struct {
				RootCause []Cause `json:"root_cause"`
			}
			if json.Unmarshal(env.Error, &rc) == nil {
				e.RootCause = rc.RootCause
			}
			var fs struct {
				FailedShards []ShardFailure `json:"failed_shards"`
			}
			if json.Unmarshal(env.Error, &fs) == nil {
				e.FailedShards = fs.FailedShards
			}
			if e.Type == "" && e.Reason == "" && len(e.RootCause) > 0 {
				// An envelope of root causes only, as some answers are.
				e.Type, e.Reason = e.RootCause[0].Type, e.RootCause[0].Reason
			}
			if e.Reason == "" {
				e.Reason = http.StatusText(status)
			}
			return e
		}
	}
	if !json.Valid(body) { // JSON without an envelope (a GET's found:false) says nothing more
		e.Reason = textReason(header.Get("Content-Type"), body)
	}
	if e.Reason == "" {
		e.Reason = http.StatusText(status)
	}
	return e
}

// textReason returns what a body without an error envelope says, in
// short: an HTML page's title (or its text), else the first line.
func textReason(contentType string, body []byte) string {
	s := strings.ToValidUTF8(string(body), "\uFFFD")
	if strings.Contains(contentType, "html") || strings.HasPrefix(strings.TrimSpace(s), "<") {
		s = html.UnescapeString(htmlText(s))
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxReason {
		s = s[:maxReason]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return s
}

// htmlText returns an HTML page's title, or else its text without tags.
func htmlText(s string) string {
	lower := asciiLower(s) // same length as s, so its offsets hold in s
	if i := strings.Index(lower, "<title"); i >= 0 {
		if j := strings.IndexByte(lower[i:], '>'); j >= 0 {
			start := i + j + 1
			if end := strings.Index(lower[start:], "</title>"); end >= 0 {
				return s[start : start+end]
			}
		}
	}
	var b strings.Builder
	inTag := false
	for _, r := range s {
		switch {
		case r == '<':
			inTag = true
			b.WriteByte(' ')
		case r == '>':
			inTag = false
		case !inTag:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// asciiLower lowers ASCII letters only, keeping every byte offset.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
