package rt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
)

// CanReplay reports whether req's body can be sent again: it has none, or it
// has GetBody.
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
	sb := newSharedBuffer(req.ContentLength)
	n, err := sb.buf.ReadFrom(io.LimitReader(req.Body, limit+1))
	if err != nil {
		req.Body.Close()
		sb.release()
		return nil, func() {}, fmt.Errorf("esrt: read request body: %w", err)
	}
	r := *req
	if n > limit {
		// Too large: send what was read, then the rest, once.
		r.Body = newOnceBody(sb.reader(), req.Body)
		r.GetBody = nil
		return &r, sb.release, nil
	}
	req.Body.Close()
	r.ContentLength = n
	r.Body = sb.reader()
	r.GetBody = func() (io.ReadCloser, error) { return sb.reader(), nil }
	return &r, sb.release, nil
}

// maxPooled is the largest buffer kept in the pool; larger ones are left to
// the garbage collector so that one big bulk request does not pin its memory.
const maxPooled = 1 << 20

var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// pooledOut counts buffers taken from the pool and not yet returned. Tests
// use it to see that every buffer goes back.
var pooledOut atomic.Int64

// sharedBuffer is a pooled buffer with a reference count: one reference for
// the owner (dropped by release) and one per reader handed out (dropped by
// the reader's Close).
type sharedBuffer struct {
	buf         *bytes.Buffer
	refs        atomic.Int64
	releaseOnce sync.Once
}

func newSharedBuffer(sizeHint int64) *sharedBuffer {
	buf := bufferPool.Get().(*bytes.Buffer)
	pooledOut.Add(1)
	buf.Reset()
	if sizeHint > 0 {
		buf.Grow(int(sizeHint) + bytes.MinRead)
	}
	sb := &sharedBuffer{buf: buf}
	sb.refs.Store(1)
	return sb
}

// reader returns a new reader over the buffer's bytes, holding a reference.
func (sb *sharedBuffer) reader() *bufferReader {
	sb.refs.Add(1)
	return &bufferReader{sb: sb, data: sb.buf.Bytes()}
}

// release drops the owner's reference; only the first call counts.
func (sb *sharedBuffer) release() { sb.releaseOnce.Do(sb.unref) }

func (sb *sharedBuffer) unref() {
	if sb.refs.Add(-1) != 0 {
		return
	}
	buf := sb.buf
	sb.buf = nil
	pooledOut.Add(-1)
	if buf.Cap() <= maxPooled {
		bufferPool.Put(buf)
	}
}

var errReadAfterClose = errors.New("esrt: read on closed request body")

// bufferReader reads a sharedBuffer. Close may be called concurrently with
// Read (a transport may close a body from another goroutine), so both hold mu.
type bufferReader struct {
	mu     sync.Mutex
	sb     *sharedBuffer
	data   []byte
	off    int
	closed bool
}

func (r *bufferReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, errReadAfterClose
	}
	if r.off >= len(r.data) {
		return 0, io.EOF
	}
	n := copy(p, r.data[r.off:])
	r.off += n
	return n, nil
}

func (r *bufferReader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.closed = true
		r.data = nil
		r.sb.unref()
	}
	return nil
}

// onceBody streams a buffered prefix followed by the rest of the original
// body, once; closing it closes both.
type onceBody struct {
	io.Reader
	prefix *bufferReader
	rest   io.Closer
	closed atomic.Bool
}

func newOnceBody(prefix *bufferReader, rest io.ReadCloser) *onceBody {
	return &onceBody{Reader: io.MultiReader(prefix, rest), prefix: prefix, rest: rest}
}

func (b *onceBody) Close() error {
	if b.closed.Swap(true) {
		return nil
	}
	b.prefix.Close()
	return b.rest.Close()
}
