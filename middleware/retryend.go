package middleware

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/esrt-dev/esrt/internal/routing"
	"github.com/esrt-dev/esrt/rt"
)

// How the retry middleware ends a request, and waits between attempts.

// final returns res, the response that ends a request, after removing any
// rt.RetriedWriteHeader it came with and, for a write (read false) of which
// an earlier attempt may have reached a server (reached > 0), setting it.
func final(res *http.Response, read bool, reached int) *http.Response {
	if res == nil {
		return nil
	}
	delete(res.Header, rt.RetriedWriteHeader)
	if !read && reached > 0 {
		if res.Header == nil {
			res.Header = make(http.Header)
		}
		res.Header[rt.RetriedWriteHeader] = []string{strconv.Itoa(reached)}
	}
	return res
}

// contextStop returns the reason of a request whose caller's context is
// done, and whether it is.
func contextStop(ctx context.Context) (rt.StopReason, bool) {
	switch ctx.Err() {
	case nil:
		return 0, false
	case context.DeadlineExceeded:
		return rt.StopDeadlineExceeded, true
	}
	return rt.StopCanceled, true
}

// stopError returns the error of req, whose attempts failed with errs and
// which made no further attempt for reason. It names the request by method
// and escaped path, never by its query string, which may carry secrets.
func stopError(req *http.Request, reason rt.StopReason, errs []error) error {
	method, path := req.Method, "/"
	if method == "" {
		method = http.MethodGet
	}
	if req.URL != nil {
		if p := req.URL.EscapedPath(); p != "" {
			path = p
		}
	}
	return &rt.RetryError{Method: method, Path: path, Reason: reason, Attempts: errs}
}

// attemptError returns the error of attempt n, whose entries in the
// attempt record start at idx (-1: it has none), which failed with err.
// Without a record, the router's own *rt.AttemptError is kept as it is.
func attemptError(n, idx int, attempts *routing.Attempts, err error) error {
	if ae, ok := err.(*rt.AttemptError); ok && attempts == nil {
		return ae
	}
	var node *rt.Node
	if attempts != nil && idx >= 0 {
		if nodes := attempts.Nodes(); idx < len(nodes) {
			node = nodes[idx]
		}
	}
	return &rt.AttemptError{Attempt: n, Node: node, Err: err}
}

// drain reads what is left of a discarded response body, up to 64 KiB, so
// that its connection can be reused, and closes it.
func drain(body io.ReadCloser) {
	io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	body.Close()
}

// sleep waits for d, or until ctx is done; it reports whether it waited the
// whole time.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
