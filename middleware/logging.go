package middleware

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

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
// return them ([endpoint.Endpoint] SecretRequest and SecretResponse of
// [endpoint.Of], which prefers the endpoint the request's context carries:
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
	c := &loggedRequest{t: t, ctx: ctx, req: req, start: t.now()}
	out := req
	if t.curl && t.logger.Enabled(ctx, slog.LevelDebug) {
		c.curl = true
		c.reqRedacted, c.respRedacted = secretBodyMarkers(req)
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

// loggedRequest is the state of one logged request.
type loggedRequest struct {
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
	attempts []loggedAttempt // in the order they ended
	retries  int
}

// loggedAttempt is what the routing middleware reported about an attempt.
type loggedAttempt struct {
	n    int
	node *rt.Node
	url  *url.URL // where the attempt went
	resp *http.Response
}

func (c *loggedRequest) attemptDone(i rt.AttemptDoneInfo) {
	a := loggedAttempt{n: i.Attempt, node: i.Node, resp: i.Response}
	if i.Request != nil {
		a.url = i.Request.URL
	}
	c.mu.Lock()
	c.attempts = append(c.attempts, a)
	c.mu.Unlock()
}

func (c *loggedRequest) retry(i rt.RetryInfo) {
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
		slog.String("method", methodOrGet(c.req.Method)),
		slog.String("url", redactedURL(c.req.URL)),
		slog.Int("attempt", failed))
	if node != nil {
		attrs = append(attrs, slog.String("node", redactedURL(node.URL)))
	}
	if i.StatusCode != 0 {
		attrs = append(attrs, slog.Int("status", i.StatusCode))
	}
	if i.Err != nil {
		attrs = append(attrs, slog.String("error", redactedError(i.Err)))
	}
	attrs = append(attrs, slog.Duration("delay", i.Delay))
	c.t.logger.LogAttrs(c.ctx, slog.LevelWarn, "esrt: retry", attrs...)
}

// final returns the number of attempts and the attempt that gave resp
// (or the last one to end), from what the hooks reported.
func (c *loggedRequest) final(resp *http.Response) (attempts int, last loggedAttempt) {
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

// finish writes the request record, and the curl trace or arranges for
// it, and returns the response the caller gets.
func (c *loggedRequest) finish(resp *http.Response, err error) *http.Response {
	elapsed := c.t.now().Sub(c.start)
	attempts, last := c.final(resp)
	c.logRequest(resp, err, elapsed, attempts, last)
	if !c.curl {
		return resp
	}
	return c.traceCurl(resp, err, elapsed, last)
}

// logRequest writes the "esrt: request" record.
func (c *loggedRequest) logRequest(resp *http.Response, err error, elapsed time.Duration, attempts int, last loggedAttempt) {
	attrs := make([]slog.Attr, 0, 8)
	attrs = append(attrs,
		slog.String("method", methodOrGet(c.req.Method)),
		slog.String("url", redactedURL(c.req.URL)))
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
		attrs = append(attrs, slog.String("node", redactedURL(last.node.URL)))
	}
	if id := requestOpaqueID(c.req); id != "" {
		attrs = append(attrs, slog.String("opaque_id", id))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", redactedError(err)))
	}
	c.t.logger.LogAttrs(c.ctx, level, "esrt: request", attrs...)
}

// methodOrGet returns the method, with "" meaning GET as in net/http.
func methodOrGet(m string) string {
	if m == "" {
		return http.MethodGet
	}
	return m
}

// requestOpaqueID returns the request's X-Opaque-Id, from its header or
// from [rt.WithOpaqueID].
func requestOpaqueID(req *http.Request) string {
	if id := req.Header.Get("X-Opaque-Id"); id != "" {
		return id
	}
	id, _ := rt.OpaqueIDFrom(req.Context())
	return id
}

// Unwrap returns the next RoundTripper.
func (t *loggingTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to the next RoundTripper.
func (t *loggingTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }

// String names the layer, so that printing it shows no configuration.
func (t *loggingTransport) String() string { return "logging" }

// Format prints the layer's name for every verb, %#v and %d included: the
// layer holds the default headers for the curl trace, an Authorization among them, which fmt would otherwise print field by field.
func (t *loggingTransport) Format(f fmt.State, _ rune) { fmt.Fprint(f, t.String()) }
