package rt

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"

	"github.com/esrt-dev/esrt/internal/bufpool"
)

// CanReplay reports whether req's body can be sent again: it has none, or it
// has GetBody. A middleware that may send a request more than once checks
// it, after [ReplayableBody] when it buffers bodies.
func CanReplay(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// ReplayableBody makes req's body replayable, so that a middleware can send
// the request more than once. It never modifies req.
//
// When req has no body or already has GetBody, ReplayableBody returns req
// itself. Otherwise it reads up to limit bytes of the body into a pooled
// buffer and returns a shallow copy of req whose Body and GetBody read that
// buffer, with ContentLength set to its size; the original body is closed.
// When the body is larger than limit (known from ContentLength, or found by
// reading), nothing more than limit bytes is ever held: the returned request
// streams the body once, and [CanReplay] reports false for it. A limit of 0
// or less never buffers.
//
// The caller must call release once, after its last attempt. The buffer goes
// back to the pool only when release has been called and every body handed
// out (Body, and each result of GetBody) has been closed, so a transport that
// is still writing an attempt's body never sees the buffer reused. A body
// read after it was closed returns an error rather than another request's
// bytes.
//
// A read error from the original body is returned (wrapped) after that body
// has been closed; release is then a no-op.
func ReplayableBody(req *http.Request, limit int64) (out *http.Request, release func(), err error) {
	if CanReplay(req) || limit <= 0 || req.ContentLength > limit {
		return req, func() {}, nil
	}
	hint := 0
	if req.ContentLength > 0 {
		hint = int(req.ContentLength) + bytes.MinRead
	}
	sb := bufpool.Get(hint)
	n, err := sb.Buffer().ReadFrom(io.LimitReader(req.Body, limit+1))
	if err != nil {
		req.Body.Close()
		sb.Release()
		return nil, func() {}, fmt.Errorf("esrt: read request body: %w", err)
	}
	r := *req
	if n > limit {
		// Too large: send what was read, then the rest, once.
		r.Body = newOnceBody(sb.Body(), req.Body)
		r.GetBody = nil
		return &r, sb.Release, nil
	}
	req.Body.Close()
	r.ContentLength = n
	r.Body = sb.Body()
	r.GetBody = func() (io.ReadCloser, error) { return sb.Body(), nil }
	return &r, sb.Release, nil
}

// onceBody streams a buffered prefix followed by the rest of the original
// body, once; closing it closes both.
type onceBody struct {
	io.Reader
	prefix *bufpool.Reader
	rest   io.Closer
	closed atomic.Bool
}

func newOnceBody(prefix *bufpool.Reader, rest io.ReadCloser) *onceBody {
	return &onceBody{Reader: io.MultiReader(prefix, rest), prefix: prefix, rest: rest}
}

func (b *onceBody) Close() error {
	if b.closed.Swap(true) {
		return nil
	}
	b.prefix.Close()
	return b.rest.Close()
}
