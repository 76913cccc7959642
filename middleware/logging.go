package middleware

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/esrt-dev/esrt/rt"
)

// LoggingConfig configures [Logging]. The zero value logs nothing.
type LoggingConfig struct {
	// Logger receives the records. If nil, Logging returns next itself.
	Logger *slog.Logger

	// Curl adds a Debug record per request that shows it as a runnable curl
	// command, with the response's status and body. It costs a copy of up
	// to MaxBodySize bytes of each body, and only happens when Logger is
	// enabled at Debug.
	Curl bool

	// MaxBodySize caps the request and response bodies the curl trace
	// shows, in bytes. If zero, 4096; if negative, bodies are not shown.
	MaxBodySize int

	// Now returns the current time, for durations. If nil, time.Now.
	Now func() time.Time
}

// Logging returns a middleware that logs every request with cfg.Logger:
//
//   - "esrt: request", once per request when RoundTrip returns: method,
//     url, status, duration (to the response headers), attempts, node (of
//     the attempt that answered), opaque_id when set, error when there is
//     no response. Level Info for a response below 500; Warn for a 5xx
//     response, and for an error when the caller's context is done (the
//     caller gave up); Error for any other error.
//   - "esrt: retry", at Warn, for each attempt that is retried: method,
//     url, attempt (the number of the failed attempt), node, status or
//     error, delay.
//   - "esrt: curl", at Debug when cfg.Curl is set: the request as a curl
//     command, status, duration and the response body, written when the
//     caller has read the body to the end or closed it (at once for an
//     error or a response without a body).
//
// Attempts, retries and nodes come from the retry and routing middlewares
// inside, through [rt.Hooks] that Logging adds to the request's context;
// without them a request counts one attempt and has no node.
//
// Logging sits outermost, outside request compression, so it sees the
// caller's plain body. Reading it for the trace never consumes it: Logging
// reads a copy from GetBody, or buffers a body without GetBody of up to
// MaxBodySize bytes with [rt.ReplayableBody] (the buffered copy goes on);
// a larger one is not shown. The response body is copied, up to
// MaxBodySize, as the caller reads it: the caller still gets all of it.
//
// Secrets are never written: URLs lose their userinfo entirely (not only
// the password), userinfo inside error messages is masked, headers whose
// names suggest a credential (Authorization, Cookie, *token*, *key*,
// *secret*, ...) show "[redacted]" (an Authorization header keeps its
// scheme), and the bodies of security APIs (paths with _security or
// /security/, where passwords and API keys travel) are not shown. The
// trace shows the caller's headers: credentials added further in, by
// [Auth], never reach it. Bodies of other APIs are shown as they are.
//
// Records are written with [slog.Logger.LogAttrs] on the request's
// context. Logging is safe for concurrent use.
func Logging(cfg LoggingConfig) rt.Middleware {
	maxBody := cfg.MaxBodySize
	if maxBody == 0 {
		maxBody = 4096
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return func(next http.RoundTripper) http.RoundTripper {
		if cfg.Logger == nil {
			return next
		}
		return &loggingTransport{next: next, logger: cfg.Logger, curl: cfg.Curl, maxBody: maxBody, now: now}
	}
}

type loggingTransport struct {
	next    http.RoundTripper
	logger  *slog.Logger
	curl    bool
	maxBody int // negative: bodies not shown
	now     func() time.Time
}

var _ http.RoundTripper = (*loggingTransport)(nil)

// showBodies reports whether the curl trace shows bodies at all.
func (t *loggingTransport) showBodies() bool { return t.maxBody > 0 }

func (t *loggingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if !t.logger.Enabled(ctx, slog.LevelError) {
		return t.next.RoundTrip(req) // the handler drops everything this middleware writes
	}
	c := &loggingCall{t: t, ctx: ctx, req: req, start: t.now()}
	out := req
	if t.curl && t.logger.Enabled(ctx, slog.LevelDebug) {
		c.curl = true
		var release func()
		var err error
		if out, release, err = c.captureRequest(req); err != nil {
			c.finish(nil, err)
			return nil, err
		}
		defer release()
	}
	out = out.WithContext(rt.WithHooks(ctx, &rt.Hooks{OnAttemptDone: c.attemptDone, OnRetry: c.retry}))
	resp, err := t.next.RoundTrip(out)
	return c.finish(resp, err), err
}

// loggingCall is the state of one logged request.
type loggingCall struct {
	t     *loggingTransport
	ctx   context.Context
	req   *http.Request // the caller's
	start time.Time
	curl  bool

	// The request body as the trace shows it, and a note in place of or
	// about it.
	reqBody []byte
	reqNote string

	mu       sync.Mutex
	attempts []loggingAttempt // in the order they ended
	retries  int
}

// loggingAttempt is what the routing middleware reported about an attempt.
type loggingAttempt struct {
	n    int
	node *rt.Node
	url  *url.URL // where the attempt went
	resp *http.Response
}

func (c *loggingCall) attemptDone(i rt.AttemptDoneInfo) {
	a := loggingAttempt{n: i.Attempt, node: i.Node, resp: i.Response}
	if i.Request != nil {
		a.url = i.Request.URL
	}
	c.mu.Lock()
	c.attempts = append(c.attempts, a)
	c.mu.Unlock()
}

func (c *loggingCall) retry(i rt.RetryInfo) {
	failed := i.Attempt - 1
	c.mu.Lock()
	c.retries++
	var node *rt.Node
	for _, a := range c.attempts {
		if a.n == failed {
			node = a.node
		}
	}
	c.mu.Unlock()
	attrs := make([]slog.Attr, 0, 7)
	attrs = append(attrs,
		slog.String("method", loggingMethod(c.req.Method)),
		slog.String("url", loggingURL(c.req.URL)),
		slog.Int("attempt", failed))
	if node != nil {
		attrs = append(attrs, slog.String("node", loggingURL(node.URL)))
	}
	if i.StatusCode != 0 {
		attrs = append(attrs, slog.Int("status", i.StatusCode))
	}
	if i.Err != nil {
		attrs = append(attrs, slog.String("error", loggingError(i.Err)))
	}
	attrs = append(attrs, slog.Duration("delay", i.Delay))
	c.t.logger.LogAttrs(c.ctx, slog.LevelWarn, "esrt: retry", attrs...)
}

// final returns the number of attempts and the attempt that gave resp
// (or the last one to end), from what the hooks reported.
func (c *loggingCall) final(resp *http.Response) (attempts int, last loggingAttempt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	attempts = max(len(c.attempts), c.retries+1)
	for _, a := range c.attempts {
		if a.n > last.n {
			last = a
		}
	}
	if resp != nil {
		for _, a := range c.attempts {
			if a.resp == resp {
				last = a
			}
		}
	}
	return attempts, last
}

// finish writes the request line, and the curl trace or arranges for it,
// and returns the response the caller gets.
func (c *loggingCall) finish(resp *http.Response, err error) *http.Response {
	elapsed := c.t.now().Sub(c.start)
	attempts, last := c.final(resp)
	attrs := make([]slog.Attr, 0, 8)
	attrs = append(attrs,
		slog.String("method", loggingMethod(c.req.Method)),
		slog.String("url", loggingURL(c.req.URL)))
	level := slog.LevelInfo
	switch {
	case err != nil:
		level = slog.LevelError
		if c.ctx.Err() != nil {
			level = slog.LevelWarn
		}
	case resp != nil && resp.StatusCode >= 500:
		level = slog.LevelWarn
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	attrs = append(attrs, slog.Duration("duration", elapsed), slog.Int("attempts", attempts))
	if last.node != nil {
		attrs = append(attrs, slog.String("node", loggingURL(last.node.URL)))
	}
	if id := loggingOpaqueID(c.req); id != "" {
		attrs = append(attrs, slog.String("opaque_id", id))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", loggingError(err)))
	}
	c.t.logger.LogAttrs(c.ctx, level, "esrt: request", attrs...)

	if !c.curl {
		return resp
	}
	u := c.req.URL
	if last.url != nil && last.url.Host != "" {
		u = last.url // where it went, with the node's host and path prefix
	}
	cmd := c.curlCommand(u)
	if err != nil {
		c.t.logger.LogAttrs(c.ctx, slog.LevelDebug, "esrt: curl",
			slog.String("curl", cmd), slog.Duration("duration", elapsed), slog.String("error", loggingError(err)))
		return resp
	}
	b := &loggingBody{ReadCloser: resp.Body, c: c, cmd: cmd, status: resp.StatusCode, elapsed: elapsed}
	switch {
	case loggingSecret(c.req.URL.Path):
		b.skip = "security API body not logged"
	case resp.Header.Get("Content-Encoding") != "":
		b.skip = resp.Header.Get("Content-Encoding") + "-encoded body not shown"
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		b.done(io.EOF)
		return resp
	}
	resp.Body = b
	return resp
}

// captureRequest copies the caller's body for the trace without consuming
// it. It returns the request to send on (a buffered copy when the body had
// no GetBody) and what releases the buffer once the request is done.
func (c *loggingCall) captureRequest(req *http.Request) (*http.Request, func(), error) {
	nothing := func() {}
	limit := c.t.maxBody
	switch {
	case req.Body == nil || req.Body == http.NoBody || limit < 0:
		return req, nothing, nil
	case loggingSecret(req.URL.Path):
		c.reqNote = "request body not shown: security API"
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
	shown, ok := loggingText(b[:min(len(b), limit)])
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

// curlCommand renders the request as a curl command line to u, with the
// caller's headers (credentials redacted) and body as captured.
func (c *loggingCall) curlCommand(u *url.URL) string {
	var b strings.Builder
	b.WriteString("curl")
	switch m := loggingMethod(c.req.Method); m {
	case http.MethodHead:
		b.WriteString(" --head")
	default:
		b.WriteString(" -X ")
		b.WriteString(m)
	}
	b.WriteByte(' ')
	b.WriteString(loggingQuote(loggingURL(u)))
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range c.req.Header {
			if !yield(k) {
				return
			}
		}
	})
	for _, k := range keys {
		if http.CanonicalHeaderKey(k) == "Content-Length" {
			continue
		}
		for _, v := range c.req.Header[k] {
			b.WriteString(" -H ")
			b.WriteString(loggingQuote(k + ": " + loggingHeaderValue(k, v)))
		}
	}
	if c.reqBody != nil {
		b.WriteString(" --data-binary ")
		b.WriteString(loggingQuote(string(c.reqBody)))
	}
	if c.reqNote != "" {
		b.WriteString(" # ")
		b.WriteString(c.reqNote)
	}
	return b.String()
}

// loggingBody copies up to maxBody bytes of a response body as the caller
// reads it, and writes the curl trace when the body is done.
type loggingBody struct {
	io.ReadCloser
	c       *loggingCall
	cmd     string
	status  int
	elapsed time.Duration
	skip    string // why the body is not shown, or ""

	mu   sync.Mutex
	buf  []byte
	read int64
	once atomic.Bool
}

func (b *loggingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.mu.Lock()
		if b.skip == "" && b.c.t.showBodies() {
			if room := b.c.t.maxBody - len(b.buf); room > 0 {
				b.buf = append(b.buf, p[:min(n, room)]...)
			}
		}
		b.read += int64(n)
		b.mu.Unlock()
	}
	if err != nil {
		b.done(err)
	}
	return n, err
}

func (b *loggingBody) Close() error {
	err := b.ReadCloser.Close()
	b.done(nil)
	return err
}

// done writes the trace once: end is io.EOF when the body was read to the
// end, the read error, or nil when the caller closed it first.
func (b *loggingBody) done(end error) {
	if b.once.Swap(true) {
		return
	}
	b.mu.Lock()
	buf, read := b.buf, b.read
	b.mu.Unlock()
	attrs := make([]slog.Attr, 0, 6)
	attrs = append(attrs,
		slog.String("curl", b.cmd),
		slog.Int("status", b.status),
		slog.Duration("duration", b.elapsed))
	var note string
	switch {
	case !b.c.t.showBodies():
	case b.skip != "":
		note = b.skip
	default:
		shown, ok := loggingText(buf)
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
		attrs = append(attrs, slog.String("response_error", loggingError(end)))
	}
	b.c.t.logger.LogAttrs(b.c.ctx, slog.LevelDebug, "esrt: curl", attrs...)
}

// loggingMethod returns the method, with "" meaning GET as in net/http.
func loggingMethod(m string) string {
	if m == "" {
		return http.MethodGet
	}
	return m
}

// loggingURL renders u without any userinfo: not even a user name is
// written.
func loggingURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	if u.User == nil {
		return u.String()
	}
	c := *u
	c.User = nil
	return c.String()
}

// loggingOpaqueID returns the request's X-Opaque-Id, from its header or
// from [rt.WithOpaqueID].
func loggingOpaqueID(req *http.Request) string {
	if id := req.Header.Get("X-Opaque-Id"); id != "" {
		return id
	}
	id, _ := rt.OpaqueIDFrom(req.Context())
	return id
}

// loggingError renders err with any userinfo of the URLs in its message
// masked: net/url's Redacted keeps the user name, which can itself be the
// credential (a token given as https://TOKEN@host).
func loggingError(err error) string {
	s := err.Error()
	if !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			break
		}
		b.WriteString(s[:i+3])
		s = s[i+3:]
		end := strings.IndexAny(s, "/?# \t\n\"'<>;,)]}")
		if end < 0 {
			end = len(s)
		}
		if at := strings.LastIndexByte(s[:end], '@'); at >= 0 {
			b.WriteString("xxxxx")
			s = s[at:]
		}
	}
	b.WriteString(s)
	return b.String()
}

// loggingSensitive reports whether a header's value may be a credential.
func loggingSensitive(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"auth", "cookie", "token", "secret", "password", "passwd", "key", "session", "credential", "signature"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// loggingHeaderValue returns v, or "[redacted]" for a header that may hold
// a credential; Authorization headers keep their scheme ("Basic
// [redacted]").
func loggingHeaderValue(name, v string) string {
	if !loggingSensitive(name) {
		return v
	}
	if strings.Contains(strings.ToLower(name), "authorization") {
		if scheme, _, ok := strings.Cut(strings.TrimSpace(v), " "); ok && loggingScheme(scheme) {
			return scheme + " [redacted]"
		}
	}
	return "[redacted]"
}

// loggingScheme reports whether s looks like an HTTP auth scheme name
// ("Basic", "ApiKey", "AWS4-HMAC-SHA256"), not part of a secret.
func loggingScheme(s string) bool {
	if s == "" || len(s) > 24 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// loggingSecret reports whether path is a security API's, whose bodies
// carry passwords, API keys and tokens: Elasticsearch's _security (and
// 6.x's _xpack/security), OpenSearch's _plugins/_security and
// _opendistro/_security.
func loggingSecret(path string) bool {
	return strings.Contains(path, "_security") || strings.Contains(path, "/security/")
}

// loggingText returns b as text, less a rune cut in two at its end by a
// cap, and whether it is text at all.
func loggingText(b []byte) ([]byte, bool) {
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

// loggingQuote quotes s for a POSIX shell: in single quotes, or as $'...'
// with escapes when it holds control characters (NDJSON's newlines), so
// that a command stays on one line.
func loggingQuote(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; ch {
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if ch < 0x20 || ch == 0x7f {
				fmt.Fprintf(&b, `\x%02x`, ch)
			} else {
				b.WriteByte(ch)
			}
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// Unwrap returns the next RoundTripper.
func (t *loggingTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to the next RoundTripper.
func (t *loggingTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }
