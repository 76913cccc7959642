// Package bufpool holds request bodies in pooled buffers that several
// attempts of one request can read, and that go back to the pool only when
// nobody can read them any more.
//
// http.Transport may still be writing an attempt's body after RoundTrip has
// returned, so a buffer may not be reused when the middleware that filled it
// is done: it goes back when its owner has called Release and every body
// handed out by Body has been closed.
package bufpool

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"sync/atomic"
)

// maxPooled is the largest buffer kept in the pool; larger ones are left to
// the garbage collector so that one big bulk request does not pin its memory.
const maxPooled = 1 << 20

var pool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// outstanding counts buffers taken from the pool and not yet given back.
var outstanding atomic.Int64

// Outstanding returns the number of buffers taken and not yet given back.
// Tests use it to see that every buffer goes back.
func Outstanding() int64 { return outstanding.Load() }

// Shared is a pooled buffer with a reference count: one reference for the
// owner, dropped by Release, and one for each body handed out, dropped by
// the body's Close.
type Shared struct {
	buf         *bytes.Buffer
	refs        atomic.Int64
	releaseOnce sync.Once
}

// Get returns an empty Shared buffer with room for sizeHint bytes, owned by
// the caller.
func Get(sizeHint int) *Shared {
	buf := pool.Get().(*bytes.Buffer)
	outstanding.Add(1)
	buf.Reset()
	if sizeHint > 0 {
		buf.Grow(sizeHint)
	}
	s := &Shared{buf: buf}
	s.refs.Store(1)
	return s
}

// Buffer returns the underlying buffer for the owner to fill. It must not be
// written once a body has been handed out.
func (s *Shared) Buffer() *bytes.Buffer { return s.buf }

// Len returns the number of bytes held.
func (s *Shared) Len() int { return s.buf.Len() }

// Body returns a new reader over the bytes held. It keeps the buffer alive
// until it is closed. Close may be called concurrently with Read.
func (s *Shared) Body() *Reader {
	s.refs.Add(1)
	return &Reader{s: s, data: s.buf.Bytes()}
}

// Release drops the owner's reference; calls after the first do nothing.
func (s *Shared) Release() { s.releaseOnce.Do(s.unref) }

func (s *Shared) unref() {
	if s.refs.Add(-1) != 0 {
		return
	}
	buf := s.buf
	s.buf = nil
	outstanding.Add(-1)
	if buf.Cap() <= maxPooled {
		pool.Put(buf)
	}
}

// ErrClosed is returned by a Reader's Read after Close.
var ErrClosed = errors.New("esrt: read on closed request body")

// Reader reads the bytes of a Shared buffer.
type Reader struct {
	mu     sync.Mutex
	s      *Shared
	data   []byte
	off    int
	closed bool
}

func (r *Reader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, ErrClosed
	}
	if r.off >= len(r.data) {
		return 0, io.EOF
	}
	n := copy(p, r.data[r.off:])
	r.off += n
	return n, nil
}

// Close drops the reader's reference. It is idempotent.
func (r *Reader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.closed = true
		r.data = nil
		r.s.unref()
	}
	return nil
}
