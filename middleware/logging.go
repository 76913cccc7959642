package middleware

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/esrt-dev/esrt/endpoint"
	"github.com/esrt-dev/esrt/internal/secret"
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

	// Auth describes the static credential that [Auth] adds further in
	// ([AuthConfig.CurlAuth]), for the curl trace, which prints a
	// placeholder for it. The zero value: none.
	Auth CurlAuth

	// Header holds the default headers that [Headers] adds further in;
	// the curl trace prints those a request lacks. If nil, none.
	Header http.Header

	// CACert reports that the base transport trusts a configured CA
	// certificate or pins a certificate fingerprint rather than trusting
	// the system's roots: the curl trace of an https request then adds
	// --cacert "$ES_CA_CERT".
	CACert bool

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
// The curl command is meant to run: besides the caller's headers it shows
// what the middlewares inside Logging add, as cfg.Auth, cfg.Header and
// cfg.CACert describe it — the credential, per-request and default
// headers, --cacert for a configured CA — with environment variables in
// place of secrets (-u "elastic:$ES_PASSWORD", -H "Authorization: ApiKey
// $ES_API_KEY"; [CurlAuth] lists them).
//
// Secrets are never written. Every URL is redacted as in esrt's errors
// (userinfo becomes "xxxxx"), and so are the URLs inside error messages; the curl
// command takes URL userinfo out of the URL and shows it as -u with
// placeholders. Credentials and headers whose names suggest one
// (Authorization, Cookie, *token*, *key*, *secret*, ...) become
// placeholders. Request bodies that carry secrets and response bodies that
// return them ([endpoint.Endpoint] SecretRequest and SecretResponse:
// passwords, API keys, tokens, secure settings, repository, connector and
// inference credentials), and every body of the security APIs (_security,
// _plugins/_security, _opendistro/_security), are replaced by a marker that
// says why: "[body redacted: security.create_api_key returns secrets]".
// Bodies of other APIs are shown as they are.
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
		header := make(http.Header, len(cfg.Header))
		fill(header, cfg.Header)
		return &loggingTransport{next: next, logger: cfg.Logger, curl: cfg.Curl, maxBody: maxBody, now: now,
			auth: cfg.Auth, header: header, caCert: cfg.CACert}
	}
}

type loggingTransport struct {
	next    http.RoundTripper
	logger  *slog.Logger
	curl    bool
	maxBody int // negative: bodies not shown
	now     func() time.Time

	// What the chain adds further in, for the curl trace.
	auth   CurlAuth
	header http.Header // canonical keys
	caCert bool
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
		c.reqRedacted, c.respRedacted = loggingSecretBodies(req)
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

	// The markers that replace the request and response bodies, or "".
	reqRedacted, respRedacted string

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
	case c.respRedacted != "":
		b.redacted = c.respRedacted
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

// loggingBody copies up to maxBody bytes of a response body as the caller
// reads it, and writes the curl trace when the body is done.
type loggingBody struct {
	io.ReadCloser
	c        *loggingCall
	cmd      string
	status   int
	elapsed  time.Duration
	skip     string // why the body is not shown, or ""
	redacted string // the marker shown in place of a secret-bearing body, or ""

	mu   sync.Mutex
	buf  []byte
	read int64
	once atomic.Bool
}

func (b *loggingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.mu.Lock()
		if b.skip == "" && b.redacted == "" && b.c.t.showBodies() {
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
	case b.redacted != "":
		attrs = append(attrs, slog.String("response", b.redacted))
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

// loggingURL renders u redacted as esrt's errors redact URLs
// ([secret.RedactURL]): userinfo becomes "xxxxx".
func loggingURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	return secret.RedactURL(u.String())
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

// loggingSecretBodies returns the markers that replace req's request and
// response bodies in the curl trace, or "" where a body may be shown: the
// endpoint takes or returns secrets ([endpoint.Endpoint] SecretRequest and
// SecretResponse), or the path is under a security API, where any body may
// hold one.
func loggingSecretBodies(req *http.Request) (request, response string) {
	path := req.URL.EscapedPath()
	e := endpoint.Lookup(req.Method, path)
	if e.SecretRequest {
		request = "[body redacted: " + e.ID + " carries secrets]"
	}
	if e.SecretResponse {
		response = "[body redacted: " + e.ID + " returns secrets]"
	}
	if loggingSecurityAPI(path) {
		marker := "[body redacted: security API]"
		if e.Known() {
			marker = "[body redacted: " + e.ID + " is a security API]"
		}
		if request == "" {
			request = marker
		}
		if response == "" {
			response = marker
		}
	}
	return request, response
}

// loggingSecurityAPI reports whether path is under a security API:
// Elasticsearch's /_security (/_xpack/security in 6.x), OpenSearch's
// /_plugins/_security and /_opendistro/_security.
func loggingSecurityAPI(path string) bool {
	segs := strings.FieldsFunc(path, func(r rune) bool { return r == '/' })
	switch {
	case len(segs) == 0:
		return false
	case segs[0] == "_security":
		return true
	case len(segs) == 1:
		return false
	case segs[0] == "_plugins" || segs[0] == "_opendistro":
		return segs[1] == "_security"
	}
	return segs[0] == "_xpack" && segs[1] == "security"
}

// loggingError renders err with every URL in its message redacted by
// [secret.RedactURL], the redaction of esrt's own errors. A URL runs from its
// scheme to the end of its authority: the first "/", "?", "#", blank, or
// the next "://".
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
		start := i
		for start > 0 && loggingSchemeChar(s[start-1]) {
			start--
		}
		end := i + 3
		for end < len(s) && !strings.ContainsRune("/?# \t\r\n", rune(s[end])) && !strings.HasPrefix(s[end:], "://") {
			end++
		}
		if strings.HasPrefix(s[end:], "://") {
			// Another URL follows without a separator: its scheme is not
			// part of this one.
			for end > i+3 && loggingSchemeChar(s[end-1]) {
				end--
			}
		}
		b.WriteString(s[:start])
		b.WriteString(secret.RedactURL(s[start:end]))
		s = s[end:]
	}
	b.WriteString(s)
	return b.String()
}

func loggingSchemeChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'
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

// Unwrap returns the next RoundTripper.
func (t *loggingTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to the next RoundTripper.
func (t *loggingTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }
