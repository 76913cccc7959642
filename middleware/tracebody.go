package middleware

import (
	"io"
	"sync"

	"github.com/esrt-dev/esrt/internal/bodyhook"
)

// traceBody returns rc wrapped so that it keeps a copy of its first max
// bytes (none if max ≤ 0) as the caller reads them, and counts every byte
// read. end is called exactly once, when a read fails or reaches the end
// of the body, or when the body is closed, whichever comes first, with the
// bytes kept, the count, and the read's error (io.EOF at the end of the
// body) or nil for a Close before that. The bytes are passed through
// unchanged; Read and Close may run concurrently.
func traceBody(rc io.ReadCloser, max int, end func(kept []byte, read int64, err error)) io.ReadCloser {
	b := &tracedBody{max: max, end: end}
	return b.hook.WrapReads(rc, b)
}

// tracedBody is the observer of a traced body.
type tracedBody struct {
	hook bodyhook.Hook
	max  int
	end  func(kept []byte, read int64, err error)

	mu   sync.Mutex
	kept []byte
	read int64
}

// BodyRead keeps and counts the bytes of a read.
func (b *tracedBody) BodyRead(p []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - len(b.kept); room > 0 {
		b.kept = append(b.kept, p[:min(len(p), room)]...)
	}
	b.read += int64(len(p))
}

// BodyDone calls end; the hook calls it once.
func (b *tracedBody) BodyDone(err error) {
	b.mu.Lock()
	kept, read := b.kept, b.read
	b.mu.Unlock()
	b.end(kept, read, err)
}
