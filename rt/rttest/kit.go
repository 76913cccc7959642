package rttest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/esrt-dev/esrt/rt"
)

// Bounds on every wait, so that a broken middleware fails the kit instead of
// hanging it. A middleware that keeps the contract never waits for any, so
// the bounds are generous: the kit must not fail a correct middleware on a
// machine slowed by other work and the race detector.
const (
	callTimeout  = 10 * time.Second       // one RoundTrip
	hungTimeout  = 200 * time.Millisecond // one RoundTrip, once one has hung
	closeWait    = 3 * time.Second        // for bodies closed after RoundTrip returned
	cancelWait   = 3 * time.Second        // for RoundTrip to return after cancel
	leakWait     = 3 * time.Second        // for goroutines to end
	parallelWait = time.Minute            // for the whole concurrency rule
)

// kit is one run of the checks against one middleware.
type kit struct {
	mw         rt.Middleware
	newRequest func(context.Context, io.Reader) (*http.Request, error)
	body       []byte
	skip       map[Rule]string

	before    map[int64]string    // goroutines before the first check
	instances []http.RoundTripper // every RoundTripper built, to be closed at the end

	mu    sync.Mutex
	found map[Rule]*findings
	hung  bool // a RoundTrip timed out: later ones get hungTimeout
}

// abort carries an error that ends the whole run (a wrong Config, a
// middleware that cannot be built) from deep in a rule to kit.run.
type abort struct{ err error }

// check runs the checks of one rule. It returns an error only when the kit
// cannot go on: a wrong Config, or a middleware that cannot be built.
func (k *kit) check(rule Rule) (err error) {
	defer func() {
		if p := recover(); p != nil {
			a, ok := p.(abort)
			if !ok {
				panic(p)
			}
			err = a.err
		}
	}()
	switch rule {
	case RequestUntouched:
		k.checkRequestUntouched()
	case BodyClosed:
		k.checkBodyClosed()
	case StatusResponse:
		k.checkStatusResponse()
	case ResponsesClosed:
		k.checkResponsesClosed()
	case CloseIdle:
		k.checkCloseIdle()
	case Cancellation:
		k.checkCancellation()
	case Concurrency:
		k.checkConcurrency()
	case NoGoroutineLeak:
		k.closeInstances()
		k.checkLeaks(k.before)
	}
	return nil
}

// problems returns what was found for rule, rendered.
func (k *kit) problems(rule Rule) []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	if f := k.found[rule]; f != nil {
		return f.render()
	}
	return nil
}

func (k *kit) skipped(rule Rule) bool {
	_, ok := k.skip[rule]
	return ok
}

// report records a problem with rule seen in the scenario where. It is safe
// for concurrent use.
func (k *kit) report(rule Rule, where, format string, args ...any) {
	if k.skipped(rule) {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	f := k.found[rule]
	if f == nil {
		f = new(findings)
		k.found[rule] = f
	}
	f.add(where, fmt.Sprintf(format, args...))
}

// build wraps next in a fresh instance of the middleware under test.
func (k *kit) build(next http.RoundTripper) http.RoundTripper {
	var tr http.RoundTripper
	func() {
		defer func() {
			if p := recover(); p != nil {
				panic(abort{fmt.Errorf("rttest: middleware panicked when wrapping next: %v", p)})
			}
		}()
		tr = k.mw(next)
	}()
	if tr == nil {
		panic(abort{errors.New("rttest: middleware returned a nil RoundTripper")})
	}
	k.instances = append(k.instances, tr)
	return tr
}

// closeInstances calls CloseIdleConnections, and Close if there is one, on
// every RoundTripper built, so that the middleware can stop what it started.
func (k *kit) closeInstances() {
	for _, tr := range k.instances {
		func() {
			defer func() { _ = recover() }() // the CloseIdle rule reports panics
			if c, ok := tr.(interface{ CloseIdleConnections() }); ok {
				c.CloseIdleConnections()
			}
			if c, ok := tr.(io.Closer); ok {
				_ = c.Close()
			}
		}()
	}
}

// bodyKind is the body of a request the kit sends.
type bodyKind int

const (
	bodyGetBody bodyKind = iota // tracked body, with GetBody
	bodyPlain                   // tracked body, without GetBody
	bodyNil                     // nil Body
	bodyNoBody                  // http.NoBody
)

func (b bodyKind) String() string {
	switch b {
	case bodyPlain:
		return "body without GetBody"
	case bodyNil:
		return "nil Body"
	case bodyNoBody:
		return "http.NoBody"
	}
	return "body with GetBody"
}

// request builds a request with Config.NewRequest and gives it the body of
// kind. It returns the tracked body, nil for bodyNil and bodyNoBody.
func (k *kit) request(ctx context.Context, kind bodyKind) (*http.Request, *trackedBody) {
	var body *trackedBody
	var r io.Reader // a nil *trackedBody must not become a non-nil io.Reader
	if kind == bodyGetBody || kind == bodyPlain {
		body = newTrackedBody(k.body)
		r = body
	}
	req, err := k.newRequest(ctx, r)
	if err != nil {
		panic(abort{fmt.Errorf("rttest: NewRequest: %w", err)})
	}
	if req == nil {
		panic(abort{errors.New("rttest: NewRequest returned a nil request")})
	}
	switch kind {
	case bodyGetBody:
		p := k.body
		req.Body, req.ContentLength = body, int64(len(p))
		req.GetBody = func() (io.ReadCloser, error) { return newTrackedBody(p), nil }
	case bodyPlain:
		req.Body, req.ContentLength, req.GetBody = body, int64(len(k.body)), nil
	case bodyNil:
		req.Body, req.ContentLength, req.GetBody = nil, 0, nil
	case bodyNoBody:
		req.Body, req.ContentLength = http.NoBody, 0
		req.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
	}
	return req, body
}

// outcome is what one RoundTrip call gave.
type outcome struct {
	resp     *http.Response
	err      error
	panicked bool // RoundTrip panicked (and was reported)
	hung     bool // RoundTrip did not return in time (and was reported)
}

// call calls tr.RoundTrip(req), turning a panic into a report under rule.
func (k *kit) call(rule Rule, where string, tr http.RoundTripper, req *http.Request) (o outcome) {
	o.panicked = true
	defer func() {
		if o.panicked {
			k.report(rule, where, "RoundTrip panicked: %v", recover())
		}
	}()
	o.resp, o.err = tr.RoundTrip(req)
	o.panicked = false
	return o
}

// start calls tr.RoundTrip(req) in a goroutine and returns where the
// outcome will arrive.
func (k *kit) start(rule Rule, where string, tr http.RoundTripper, req *http.Request) <-chan outcome {
	done := make(chan outcome, 1)
	go func() { done <- k.call(rule, where, tr, req) }()
	return done
}

// wait waits a bounded time for the outcome of a call.
func (k *kit) wait(rule Rule, where string, done <-chan outcome) outcome {
	k.mu.Lock()
	d := callTimeout
	if k.hung {
		d = hungTimeout
	}
	k.mu.Unlock()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case o := <-done:
		return o
	case <-timer.C:
		k.mu.Lock()
		k.hung = true
		k.mu.Unlock()
		k.report(rule, where, "RoundTrip did not return within %v", d)
		return outcome{hung: true}
	}
}

// checkOutcome reports, under rule, an outcome that is neither a response
// nor an error.
func (k *kit) checkOutcome(rule Rule, where string, o outcome) {
	switch {
	case o.panicked || o.hung:
	case o.resp != nil && o.err != nil:
		k.report(rule, where, "RoundTrip returned both a response (status %d) and an error (%v)", o.resp.StatusCode, o.err)
	case o.resp == nil && o.err == nil:
		k.report(rule, where, "RoundTrip returned a nil response and a nil error")
	case o.resp != nil && o.resp.Body == nil:
		k.report(rule, where, "RoundTrip returned a response with a nil Body")
	}
}

// exchange is one request sent through a fresh instance of the middleware,
// with its response read and closed as a caller would.
type exchange struct {
	base    *base
	req     *http.Request
	before  snapshot     // of req before RoundTrip
	body    *trackedBody // the caller's request body, nil without one
	out     outcome
	got     []byte // the response body as the caller read it
	readErr error
}

// exchange sends a request with a body of kind through mw(b), reports
// panics and hangs under rule, and reads and closes the response.
func (k *kit) exchange(rule Rule, where string, b *base, kind bodyKind) *exchange {
	tr := k.build(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, body := k.request(ctx, kind)
	x := &exchange{base: b, req: req, before: snap(req), body: body}
	x.out = k.wait(rule, where, k.start(rule, where, tr, req))
	if rule == StatusResponse {
		k.checkOutcome(rule, where, x.out)
	}
	if resp := x.out.resp; resp != nil && resp.Body != nil {
		x.got, x.readErr = io.ReadAll(resp.Body)
		_ = resp.Body.Close()
	}
	return x
}
