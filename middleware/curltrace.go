package middleware

import (
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/esrt-dev/esrt/rt"
)

// The curl trace of a request: what Logging writes at Debug when
// [LoggingConfig.Curl] is set. curl.go renders the command; this file
// captures the bodies it shows and writes the record.

// captureRequest copies the caller's body for the trace without consuming
// it. It returns the request to send on (a buffered copy when the body had
// no GetBody) and what releases the buffer once the request is done.
func (c *loggedRequest) captureRequest(req *http.Request) (*http.Request, func(), error) {
	nothing := func() {}
	limit := c.t.maxBody
	switch {
	case req.Body == nil || req.Body == http.NoBody || limit < 0:
		return req, nothing, nil
	case c.reqRedacted != "":
		c.reqNote = c.reqRedacted
		return req, nothing, nil
	case req.Header.Get("Content-Encoding") != "":
		c.reqNote = "request body not shown: " + req.Header.Get("Content-Encoding") + "-encoded"
		return req, nothing, nil
	}
	out, release := req, nothing
	if req.GetBody == nil {
		var err error
		if out, release, err = rt.ReplayableBody(req, int64(limit)); err != nil {
			return nil, nothing, err
		}
		if out.GetBody == nil {
			c.reqNote = "request body not shown: over " + strconv.Itoa(limit) + " bytes and not replayable"
			return out, release, nil
		}
	}
	rc, err := out.GetBody()
	if err != nil {
		c.reqNote = "request body not shown: GetBody failed"
		return out, release, nil
	}
	b, err := io.ReadAll(io.LimitReader(rc, int64(limit)+1))
	rc.Close()
	if err != nil {
		c.reqNote = "request body not shown: GetBody failed"
		return out, release, nil
	}
	shown, ok := printable(b[:min(len(b), limit)])
	switch {
	case !ok:
		c.reqNote = "request body not shown: binary"
	case len(b) > limit:
		c.reqBody = shown
		c.reqNote = "request body truncated to " + strconv.Itoa(len(shown)) + " bytes"
		if out.ContentLength > 0 {
			c.reqNote += " of " + strconv.FormatInt(out.ContentLength, 10)
		}
	default:
		c.reqBody = shown
	}
	return out, release, nil
}

// traceCurl writes the "esrt: curl" record of a request that ended with
// resp or err: at once for an error or a response without a body, else
// when the caller has read the body to the end or closed it. It returns
// the response the caller gets. last is the attempt that answered, whose
// URL the command shows.
func (c *loggedRequest) traceCurl(resp *http.Response, err error, elapsed time.Duration, last loggedAttempt) *http.Response {
	u := c.req.URL
	if last.url != nil && last.url.Host != "" {
		u = last.url // where it went, with the node's host and path prefix
	}
	cmd := c.command(u)
	if err != nil {
		c.t.logger.LogAttrs(c.ctx, slog.LevelDebug, "esrt: curl",
			slog.String("curl", cmd), slog.Duration("duration", elapsed), slog.String("error", redactedError(err)))
		return resp
	}
	tr := &responseTrace{c: c, cmd: cmd, status: resp.StatusCode, elapsed: elapsed}
	switch {
	case c.respRedacted != "":
		tr.redacted = c.respRedacted
	case resp.Header.Get("Content-Encoding") != "":
		tr.skip = resp.Header.Get("Content-Encoding") + "-encoded body not shown"
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		tr.write(nil, 0, io.EOF)
		return resp
	}
	keep := 0
	if tr.skip == "" && tr.redacted == "" && c.t.showBodies() {
		keep = c.t.maxBody
	}
	resp.Body = traceBody(resp.Body, keep, tr.write)
	return resp
}

// responseTrace is the curl record of a response, written when its body
// is done.
type responseTrace struct {
	c        *loggedRequest
	cmd      string
	status   int
	elapsed  time.Duration
	skip     string // why the body is not shown, or ""
	redacted string // the marker shown in place of a secret-bearing body, or ""
}

// write writes the record. kept is the start of the body, read the bytes
// the caller read, and end io.EOF when the body was read to the end, the
// read error, or nil when the caller closed it first.
func (tr *responseTrace) write(kept []byte, read int64, end error) {
	attrs := make([]slog.Attr, 0, 6)
	attrs = append(attrs,
		slog.String("curl", tr.cmd),
		slog.Int("status", tr.status),
		slog.Duration("duration", tr.elapsed))
	var note string
	switch {
	case !tr.c.t.showBodies():
	case tr.redacted != "":
		attrs = append(attrs, slog.String("response", tr.redacted))
	case tr.skip != "":
		note = tr.skip
	default:
		shown, ok := printable(kept)
		if ok {
			attrs = append(attrs, slog.String("response", string(shown)))
		} else {
			note = "binary body not shown"
		}
		switch {
		case end == nil && read == 0:
			note = "body closed unread"
		case end == nil:
			note = "body closed by the caller after " + strconv.FormatInt(read, 10) + " bytes"
		case ok && read > int64(len(shown)):
			note = "truncated to " + strconv.Itoa(len(shown)) + " of " + strconv.FormatInt(read, 10) + " bytes"
		}
	}
	if note != "" {
		attrs = append(attrs, slog.String("response_note", note))
	}
	if end != nil && end != io.EOF {
		attrs = append(attrs, slog.String("response_error", redactedError(end)))
	}
	tr.c.t.logger.LogAttrs(tr.c.ctx, slog.LevelDebug, "esrt: curl", attrs...)
}

// printable returns b as text, less a rune cut in two at its end by a
// cap, and whether it is text at all.
func printable(b []byte) ([]byte, bool) {
	if utf8.Valid(b) {
		return b, true
	}
	for cut := 1; cut < utf8.UTFMax && cut <= len(b); cut++ {
		if tail := b[len(b)-cut:]; utf8.RuneStart(tail[0]) {
			if !utf8.FullRune(tail) && utf8.Valid(b[:len(b)-cut]) {
				return b[:len(b)-cut], true
			}
			break
		}
	}
	return nil, false
}
