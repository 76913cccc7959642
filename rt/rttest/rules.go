package rttest

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sync"
	"time"
)

// scenario names: what the base does, and the request body when it matters.
func baseDoes(a answer, status int) string {
	switch a {
	case answerError:
		return "base error"
	case answerBlock:
		return "base blocking"
	}
	return fmt.Sprintf("base %d", status)
}

// poll calls cond until it is true or d has passed, and returns its last
// result.
func poll(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for wait := time.Millisecond; ; wait = min(2*wait, 20*time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(wait)
	}
}

// snapshot is the caller's view of a request, deep enough to see changes.
type snapshot struct {
	method        string
	url           *url.URL
	urlString     string
	host          string
	header        http.Header
	body          io.ReadCloser
	getBody       bool
	contentLength int64
	ctx           context.Context
}

func snap(req *http.Request) snapshot {
	s := snapshot{
		method:        req.Method,
		url:           req.URL,
		host:          req.Host,
		header:        req.Header.Clone(),
		body:          req.Body,
		getBody:       req.GetBody != nil,
		contentLength: req.ContentLength,
		ctx:           req.Context(),
	}
	if req.URL != nil {
		s.urlString = urlString(req.URL)
	}
	return s
}

// urlString spells out every field of u, user info included.
func urlString(u *url.URL) string {
	s := u.String()
	if u.RawPath != "" || u.ForceQuery || u.OmitHost || u.RawFragment != "" {
		s += fmt.Sprintf(" (RawPath %q, ForceQuery %t, OmitHost %t, RawFragment %q)",
			u.RawPath, u.ForceQuery, u.OmitHost, u.RawFragment)
	}
	return s
}

// changes lists how req differs from what s saw.
func (s snapshot) changes(req *http.Request) []string {
	var out []string
	if req.Method != s.method {
		out = append(out, fmt.Sprintf("caller's Method changed from %q to %q", s.method, req.Method))
	}
	switch {
	case req.URL == nil:
		out = append(out, fmt.Sprintf("caller's URL %q set to nil", s.urlString))
	case s.url != nil && urlString(req.URL) != s.urlString:
		out = append(out, fmt.Sprintf("caller's URL changed from %q to %q", s.urlString, urlString(req.URL)))
	case req.URL != s.url:
		out = append(out, "caller's URL replaced by another *url.URL")
	}
	if req.Host != s.host {
		out = append(out, fmt.Sprintf("caller's Host changed from %q to %q", s.host, req.Host))
	}
	if req.Header == nil && s.header != nil {
		out = append(out, "caller's Header set to nil")
	} else {
		keys := slices.Sorted(maps.Keys(s.header))
		for k := range req.Header {
			if _, ok := s.header[k]; !ok {
				keys = append(keys, k)
			}
		}
		for _, k := range keys {
			if !slices.Equal(s.header[k], req.Header[k]) {
				out = append(out, fmt.Sprintf("caller's header %q changed from %q to %q", k, s.header[k], req.Header[k]))
			}
		}
	}
	if !same(req.Body, s.body) {
		out = append(out, fmt.Sprintf("caller's Body replaced (%T by %T)", s.body, req.Body))
	}
	if (req.GetBody != nil) != s.getBody {
		out = append(out, fmt.Sprintf("caller's GetBody changed from set=%t to set=%t", s.getBody, req.GetBody != nil))
	}
	if req.ContentLength != s.contentLength {
		out = append(out, fmt.Sprintf("caller's ContentLength changed from %d to %d", s.contentLength, req.ContentLength))
	}
	if !same(req.Context(), s.ctx) {
		out = append(out, "caller's context replaced")
	}
	return out
}

// same reports whether a and b are the same value; values it cannot compare
// count as the same.
func same(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if reflect.TypeOf(a) != reflect.TypeOf(b) {
		return false
	}
	if !reflect.TypeOf(a).Comparable() {
		return true
	}
	return a == b
}

// Rule 1: the caller's request is never modified, on any path.
func (k *kit) checkRequestUntouched() {
	for _, sc := range []struct {
		a      answer
		status int
	}{{answerStatus, 200}, {answerStatus, 503}, {answerError, 0}} {
		where := baseDoes(sc.a, sc.status)
		x := k.exchange(RequestUntouched, where, newBase(sc.a, sc.status), bodyGetBody)
		for _, p := range x.before.changes(x.req) {
			k.report(RequestUntouched, where, "%s", p)
		}
	}
}

// Rule 2: the caller's request body is closed exactly once on every path,
// possibly after RoundTrip returned; requests without a body work.
func (k *kit) checkBodyClosed() {
	type sent struct {
		where string
		body  *trackedBody
	}
	var all []sent
	for _, kind := range []bodyKind{bodyGetBody, bodyPlain} {
		for _, sc := range []struct {
			a      answer
			status int
		}{{answerStatus, 200}, {answerStatus, 503}, {answerError, 0}} {
			where := baseDoes(sc.a, sc.status) + " " + kind.String()
			x := k.exchange(BodyClosed, where, newBase(sc.a, sc.status), kind)
			all = append(all, sent{where, x.body})
		}
	}
	poll(closeWait, func() bool {
		for _, s := range all {
			if s.body.Closes() == 0 {
				return false
			}
		}
		return true
	})
	for _, s := range all {
		switch n := s.body.Closes(); {
		case n == 0:
			k.report(BodyClosed, s.where, "caller's body never closed (waited %v after the response body was closed)", closeWait)
		case n > 1:
			k.report(BodyClosed, s.where, "caller's body closed %d times", n)
		}
	}

	for _, kind := range []bodyKind{bodyNil, bodyNoBody} {
		where := "base 200 " + kind.String()
		x := k.exchange(BodyClosed, where, newBase(answerStatus, 200), kind)
		switch o := x.out; {
		case o.err != nil:
			k.report(BodyClosed, where, "request without a body failed: %v", o.err)
		case o.resp != nil && o.resp.StatusCode != 200:
			k.report(BodyClosed, where, "request without a body got status %d, want 200", o.resp.StatusCode)
		}
	}
}

// Rule 3: any status is a response with a nil error, status, headers and
// body intact; a transport error is an error with a nil response.
func (k *kit) checkStatusResponse() {
	for _, status := range []int{200, 404, 429, 500, 503} {
		where := baseDoes(answerStatus, status)
		x := k.exchange(StatusResponse, where, newBase(answerStatus, status), bodyGetBody)
		o := x.out
		if o.panicked || o.hung {
			continue
		}
		if o.err != nil && o.resp == nil {
			k.report(StatusResponse, where, "RoundTrip turned status %d into an error: %v", status, o.err)
			continue
		}
		if o.err != nil || o.resp == nil || o.resp.Body == nil {
			continue // reported by checkOutcome
		}
		if o.resp.StatusCode != status {
			k.report(StatusResponse, where, "base answered %d, caller got %d", status, o.resp.StatusCode)
		}
		if got := o.resp.Header.Get(baseHeader); got == "" {
			k.report(StatusResponse, where, "response lost the base's header %s", baseHeader)
		}
		if want := content(status, ""); x.readErr != nil || string(x.got) != want {
			k.report(StatusResponse, where, "response body %q (read error %v), want the base's %q", x.got, x.readErr, want)
		}
	}
	where := baseDoes(answerError, 0)
	x := k.exchange(StatusResponse, where, newBase(answerError, 0), bodyGetBody)
	if o := x.out; o.err == nil && o.resp != nil {
		k.report(StatusResponse, where, "base failed with %q, caller got status %d and a nil error", errTransport, o.resp.StatusCode)
	}
}

// Rule 4: every response body the base handed out is closed once the caller
// closed the one it got.
func (k *kit) checkResponsesClosed() {
	type sent struct {
		where string
		base  *base
	}
	var all []sent
	for _, status := range []int{200, 404, 429, 500, 503} {
		where := baseDoes(answerStatus, status)
		b := newBase(answerStatus, status)
		k.exchange(ResponsesClosed, where, b, bodyGetBody)
		all = append(all, sent{where, b})
	}
	poll(closeWait, func() bool {
		for _, s := range all {
			if open, _ := s.base.unclosed(); open > 0 {
				return false
			}
		}
		return true
	})
	for _, s := range all {
		if open, total := s.base.unclosed(); open > 0 {
			k.report(ResponsesClosed, s.where, "%d of the %d response bodies next returned were never closed (waited %v after the caller closed its own)", open, total, closeWait)
		}
	}
}

// Rule 5: CloseIdleConnections exists and reaches next.
func (k *kit) checkCloseIdle() {
	b := newBase(answerStatus, 200)
	tr := k.build(b)
	c, ok := tr.(interface{ CloseIdleConnections() })
	if !ok {
		k.report(CloseIdle, "", "the RoundTripper (%T) has no CloseIdleConnections method", tr)
		return
	}
	func() {
		defer func() {
			if p := recover(); p != nil {
				k.report(CloseIdle, "", "CloseIdleConnections panicked: %v", p)
			}
		}()
		c.CloseIdleConnections()
	}()
	if b.idle.Load() == 0 {
		k.report(CloseIdle, "", "CloseIdleConnections of %T did not reach next", tr)
	}
}

// Rule 6: cancelling the caller's context ends a RoundTrip blocked in next,
// and the context next saw derives from the caller's.
func (k *kit) checkCancellation() {
	const where = ""
	b := newBase(answerBlock, 0)
	tr := k.build(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := k.request(ctx, bodyGetBody)
	done := k.start(Cancellation, where, tr, req)
	pending := true
	defer func() {
		// Let a call that ignored the cancellation go, so that it does not
		// count as a leaked goroutine.
		close(b.release)
		if pending {
			closeResponse(k.wait(Cancellation, where, done))
		}
	}()

	timer := time.NewTimer(cancelWait)
	defer timer.Stop()
	select {
	case <-b.entered:
	case o := <-done:
		pending = false
		closeResponse(o)
		if !o.panicked {
			k.report(Cancellation, where, "RoundTrip returned without calling next (err %v), so cancellation could not be checked", o.err)
		}
		return
	case <-timer.C:
		k.report(Cancellation, where, "next was not called within %v", cancelWait)
		return
	}

	cancel()
	timer.Reset(cancelWait)
	select {
	case o := <-done:
		pending = false
		closeResponse(o)
		if !o.panicked && o.err == nil {
			k.report(Cancellation, where, "RoundTrip returned a nil error after the caller's context was cancelled")
		}
	case <-timer.C:
		k.report(Cancellation, where, "RoundTrip did not return within %v after the caller's context was cancelled", cancelWait)
	}
	// A middleware may return before next does; give next's context a
	// moment to be done, unless the kit already waited.
	wait := closeWait
	if pending {
		wait = 0
	}
	notDone := func() int {
		n := 0
		for _, c := range b.contexts() {
			if c.Err() == nil {
				n++
			}
		}
		return n
	}
	if !poll(wait, func() bool { return notDone() == 0 }) {
		k.report(Cancellation, where, "the context next got is not done after the caller's was cancelled: it must derive from the request's context")
	}
}

func closeResponse(o outcome) {
	if o.resp != nil && o.resp.Body != nil {
		_ = o.resp.Body.Close()
	}
}

// Rule 8: one instance serves many goroutines at once, and each request gets
// its own response. The race detector catches data races in the middleware.
func (k *kit) checkConcurrency() {
	const (
		workers = 16
		each    = 20
	)
	where := fmt.Sprintf("%d goroutines × %d requests", workers, each)
	b := newBase(answerStatus, 200)
	tr := k.build(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reqs := make([][]*http.Request, workers) // built here: NewRequest may abort
	for g := range reqs {
		for i := range each {
			req, _ := k.request(ctx, bodyGetBody)
			req.Header = req.Header.Clone() // NewRequest may share a header map between requests
			if req.Header == nil {
				req.Header = make(http.Header)
			}
			req.Header.Set(idHeader, fmt.Sprintf("%d-%d", g, i))
			reqs[g] = append(reqs[g], req)
		}
	}

	var wg sync.WaitGroup
	for g := range reqs {
		wg.Go(func() {
			for _, req := range reqs[g] {
				id := req.Header.Get(idHeader)
				o := k.call(Concurrency, where, tr, req)
				k.checkOutcome(Concurrency, where, o)
				if o.panicked {
					return
				}
				if o.err != nil {
					k.report(Concurrency, where, "request %s failed: %v", id, o.err)
					continue
				}
				if o.resp == nil || o.resp.Body == nil {
					continue
				}
				got, err := io.ReadAll(o.resp.Body)
				_ = o.resp.Body.Close()
				if want := content(200, id); err != nil || string(got) != want {
					k.report(Concurrency, where, "request %s got body %q (read error %v), want %q", id, got, err, want)
				}
			}
		})
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	timer := time.NewTimer(parallelWait)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		k.report(Concurrency, where, "requests did not finish within %v", parallelWait)
	}
}
