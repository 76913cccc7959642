package rttest

import (
	"fmt"
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
