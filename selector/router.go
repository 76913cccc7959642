package selector

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/esrt-dev/esrt/internal/edit"
	"github.com/esrt-dev/esrt/internal/options"
	"github.com/esrt-dev/esrt/internal/routing"
	"github.com/esrt-dev/esrt/rt"
)

// Middleware returns the routing middleware over p: a [*Router] that sends
// each attempt to one node of p. A nil next means [http.DefaultTransport].
//
// The layers right below the router that only change headers (the
// middleware package's Headers, Compatibility and Auth) are applied by the
// router to its own copy of each attempt, so that an attempt is copied
// once however many of them the chain has; they stay in the chain, and
// Unwrap walks through them.
func Middleware(p *Pool) rt.Middleware {
	return func(next http.RoundTripper) http.RoundTripper {
		if next == nil {
			next = http.DefaultTransport
		}
		editors, below := edit.Split(next)
		return &Router{pool: p, next: next, editors: editors, below: below}
	}
}

// Router is the routing middleware. For every RoundTrip (one attempt) it
// chooses a node, sends a copy of the request there and reports the
// outcome to the pool.
//
// Destination: the copy gets the node's scheme and host, an empty
// Request.Host, and the node's path prefix in front of the request's path.
// The caller's URL may be "/_search", "http://es/_search" or have an empty
// host; its scheme, host and user info are ignored. The node's user info is
// never put into the URL: when the request has no Authorization header, the
// copy gets basic auth from it. (The auth middleware decides precedence
// among the caller's credentials; a header it sets wins over the node's
// user info.)
//
// Report: with an attempt record in the context, the router records each
// attempt's node there and returns next's errors as they are. Without one,
// a failed attempt's error is an [*rt.AttemptError] naming the node, and a
// response's body reports its node to the retry middleware, so that it can
// learn where the first attempt went without building a record up front.
//
// Choice: a node pinned with [rt.WithNode] is used whatever its health.
// Otherwise the pool chooses (see [Pool]), avoiding the nodes that earlier
// attempts of the same request tried when an attempt record rides in the
// context (the retry middleware puts one there); the router numbers the
// attempts and records each one's node in it. When the node is one that
// PoolConfig.Exclude rejects (every node is excluded, the node is pinned,
// or the attempt probes a dead node), the attempt's context is marked as a
// last resort, so that a per-node circuit breaker below lets it
// through: a request never fails for lack of a node, and a dead node's
// return is found on the pool's schedule.
//
// Outcome, told apart by looking at the caller's context first:
//   - the attempt lost a hedged race (its context was cancelled with the
//     cause [rt.ErrHedgeLost]): its time so far is a latency sample when
//     it is above the node's estimate; never a failure;
//   - the caller's context is done (cancel or deadline): nothing is
//     recorded; the node stays healthy and gets no latency sample;
//   - an [*rt.LocalError], whatever it wraps (a layer below failed before
//     sending, for a cause that says nothing about the node, such as a
//     signer without credentials): nothing;
//   - the attempt's own timeout expired (a deadline or timeout error while
//     the caller's context is alive): a slow latency sample; only
//     consecutive timeouts (PoolConfig.TimeoutFailures) take the node down;
//   - [rt.ErrBreakerOpen] or a cancellation from inside the chain: nothing;
//   - any other error (connection refused or reset, TLS handshake failure,
//     DNS) and 502, 503, 504: the node goes down;
//   - any other status, 429, 4xx and 500 included: the node is healthy.
//
// An attempt that started before its node last went down is not
// recorded at all (see [Pool]).
//
// Errors are next's, unwrapped: the retry middleware, which knows the whole
// request, turns them into [*rt.AttemptError] values naming each attempt's
// number and node from the record the router filled in. When no node
// can be chosen the error is [rt.ErrNoNode]; when the caller's context is
// already done, its error, without an attempt. The request body is closed
// on every path.
//
// An attempt is outstanding for the in-flight count from the moment it is
// sent until its response body is read to the end or closed, which the
// router tracks by wrapping the body (keeping io.WriterTo). Hooks
// (PoolConfig.Hooks, then the context's) get AttemptStart and AttemptDone
// with the node, the attempt number, whether it is a hedge
// ([rt.AttemptInfo.Hedge]) and the time to response headers.
//
// If next or a hook panics, the router gives back what the attempt claimed
// (a dead node's probe, the in-flight count) before the panic goes on, and
// records nothing about the node.
type Router struct {
	pool    *Pool
	next    http.RoundTripper
	editors []edit.Editor     // the header layers at the top of next
	below   http.RoundTripper // next without them: where attempts go
}

var _ http.RoundTripper = (*Router)(nil)

// Unwrap returns the next RoundTripper.
func (r *Router) Unwrap() http.RoundTripper { return r.next }

// CloseIdleConnections forwards to next.
func (r *Router) CloseIdleConnections() {
	rt.CloseIdleConnections(r.next)
}

// RoundTrip sends one attempt of req to a node.
func (r *Router) RoundTrip(req *http.Request) (*http.Response, error) {
	// One allocation for the copy, its URL, its edits and the body tracker.
	a := new(attempt)
	opts := options.From(req.Context()) // every option the router reads, in one lookup
	err := a.prepare(req, r.editors)
	var pk pick
	var n int
	var start int64
	if err == nil {
		pk, n, start, err = r.choose(req.Context(), opts)
	}
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	return r.send(req, a, opts, pk, n, start)
}

// choose picks the node of attempt number n, recording it in the
// request's attempt record, if any. start is the time of the choice.
func (r *Router) choose(ctx context.Context, opts options.Options) (pk pick, n int, start int64, err error) {
	att := routing.AttemptsOf(opts)
	n, tried := 1, []*rt.Node(nil)
	if att != nil {
		n, tried = att.Begin()
	}
	if err := ctx.Err(); err != nil {
		return pick{}, 0, 0, err
	}
	start = r.pool.nowNanos()
	if pin, ok := opts.Node.(*rt.Node); ok {
		if pin.URL == nil {
			return pick{}, 0, 0, errPinWithoutURL
		}
		pk = r.pool.pinned(pin)
	} else if pk, ok = r.pool.pick(tried, start); !ok {
		return pick{}, 0, 0, rt.ErrNoNode
	}
	if att != nil {
		att.SetNode(n, pk.node)
	}
	return pk, n, start, nil
}

// send sends the attempt to pk's node and reports its outcome to the pool
// and the hooks.
func (r *Router) send(req *http.Request, a *attempt, opts options.Options, pk pick, n int, start int64) (*http.Response, error) {
	handedOn, inflight, reported := false, false, false
	defer func() {
		if !handedOn && req.Body != nil {
			req.Body.Close()
		}
		if !reported {
			// A panic (in next or in a hook) between the pick and the
			// report: give back the probe claim and the in-flight count,
			// or the node would never be probed again, or would look busy
			// for ever. The panic goes on.
			r.pool.abandon(pk, inflight)
		}
	}()
	out := a.address(req, pk.node)
	if pk.lastResort {
		out = out.WithContext(routing.WithLastResort(out.Context()))
	}
	hooks, _ := opts.Hooks.(*rt.Hooks)
	info := rt.AttemptInfo{Request: out, Node: pk.node, Attempt: n, Hedge: opts.Hedge}
	r.pool.hooks.AttemptStart(info)
	hooks.AttemptStart(info)
	if pk.h != nil {
		pk.h.inflight.Add(1)
		inflight = true
	}
	handedOn = true
	resp, err := r.below.RoundTrip(out)
	end := r.pool.nowNanos()
	elapsed := time.Duration(end - start)
	switch {
	case err != nil && resp != nil:
		resp.Body.Close() // a broken next; the error wins, as in http.Client
		resp = nil
	case err == nil && resp == nil:
		err = errNoResponse
	}
	oc, cause := classify(req.Context(), resp, err)
	reported = true
	r.pool.report(pk, oc, elapsed, end, cause, hooks)
	done := rt.AttemptDoneInfo{AttemptInfo: info, Response: resp, Err: err, Duration: elapsed}
	r.pool.hooks.AttemptDone(done)
	hooks.AttemptDone(done)
	return r.finish(a, pk, resp, err, opts.Attempts != nil)
}

// finish returns the attempt's response with its body tracked, or its
// error, naming the node when no attempt record does.
func (r *Router) finish(a *attempt, pk pick, resp *http.Response, err error, recorded bool) (*http.Response, error) {
	if err != nil {
		if pk.h != nil {
			pk.h.inflight.Add(-1)
		}
		if !recorded {
			// No attempt record: say where the attempt went, for the
			// caller's error and for a retry that builds the record only
			// when it needs one.
			return nil, &rt.AttemptError{Attempt: 1, Node: pk.node, Err: err}
		}
		return nil, err
	}
	if pk.h != nil {
		resp.Body = a.body.track(resp.Body, pk.h, pk.node)
	}
	return resp, nil
}

var errNoResponse = errors.New("selector: next returned neither a response nor an error")

// errPinWithoutURL refuses a request pinned to a node that has no address:
// the request's own mistake, which no node is blamed for and no retry
// fixes.
var errPinWithoutURL = &rt.LocalError{Err: &rt.ConfigError{Field: "rt.WithNode", Err: errors.New("the node has no URL")}}

// errStatus is the cause reported with a node taken down by its status.
type errStatus int

func (e errStatus) Error() string { return "selector: status " + http.StatusText(int(e)) }

// classify tells what an attempt says about its node. ctx is the caller's
// context as the router got it: when it is done, the caller gave up and the
// node is not to blame, whatever the error says.
func classify(ctx context.Context, resp *http.Response, err error) (outcome, error) {
	if err == nil {
		switch resp.StatusCode {
		case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return unhealthy, errStatus(resp.StatusCode)
		}
		return healthy, nil
	}
	if ctx.Err() != nil {
		if errors.Is(context.Cause(ctx), rt.ErrHedgeLost) {
			return hedgeLost, err
		}
		return neutral, err
	}
	var (
		le *rt.LocalError
		ne net.Error
	)
	switch {
	case errors.As(err, &le):
		// Before the timeout test: a signer whose credentials lookup
		// timed out says nothing about the node either.
		return neutral, err
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return timedOut, err
	case errors.Is(err, context.Canceled), errors.Is(err, rt.ErrBreakerOpen):
		return neutral, err
	}
	return unhealthy, err
}

// attempt holds what the router allocates for one attempt, in one
// allocation: the copy of the request, its URL, the state of its edits
// and the tracker of the response body. The response's Request field
// keeps the copy alive as long as the response anyway.
type attempt struct {
	req  http.Request
	url  url.URL
	ed   edit.Request
	body trackedBody
}

// prepare fills a.req with a shallow copy of req changed by editors; req is
// not modified.
func (a *attempt) prepare(req *http.Request, editors []edit.Editor) error {
	a.req = *req
	a.ed = edit.Owned(&a.req)
	return edit.Apply(&a.ed, editors)
}

// address points the prepared copy at n and returns it: n's scheme, host
// and path prefix, and basic auth from n's userinfo when no Authorization
// header is set.
func (a *attempt) address(req *http.Request, n *rt.Node) *http.Request {
	u := &a.url
	*u = url.URL{
		Scheme:     n.URL.Scheme,
		Host:       n.URL.Host,
		RawQuery:   req.URL.RawQuery,
		ForceQuery: req.URL.ForceQuery,
	}
	path := req.URL.Path
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	u.Path = path
	prefix := strings.TrimRight(n.URL.Path, "/")
	if prefix != "" {
		u.Path = prefix + path
	}
	if req.URL.RawPath != "" || (prefix != "" && n.URL.RawPath != "") {
		// Keep the caller's (or the prefix's) own escaping, such as %2F
		// in a document id.
		esc := req.URL.EscapedPath()
		if !strings.HasPrefix(esc, "/") {
			esc = "/" + esc
		}
		if prefix != "" {
			esc = strings.TrimRight(n.URL.EscapedPath(), "/") + esc
		}
		u.RawPath = esc
	}
	a.ed.SetURL(u)
	a.req.Host = ""
	if n.URL.User != nil && len(a.ed.Header()["Authorization"]) == 0 {
		pw, _ := n.URL.User.Password()
		a.ed.SetHeader("Authorization", []string{rt.BasicAuth(n.URL.User.Username(), pw).Header()})
	}
	return &a.req
}

// String names the layer, so that printing it shows no configuration.
func (r *Router) String() string { return "routing" }
