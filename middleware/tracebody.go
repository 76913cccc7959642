package middleware

import (
	"io"
	"sync"
	"sync/atomic"
)

// tracedBody is a response body that keeps a copy of its first max bytes
// (none if max ≤ 0) as the caller reads them, and counts every byte read.
// It calls end exactly once, when a Read returns an error or when the body
// is closed, whichever comes first, with the bytes kept, the count, and
// the Read's error (io.EOF at the end of the body) or nil for a Close
// before that. The bytes are passed through unchanged; Read and Close may
// run concurrently.
type tracedBody struct {
	io.ReadCloser
	max int
	end func(kept []byte, read int64, err error)

	mu    sync.Mutex
	kept  []byte
	read  int64
	ended atomic.Bool
}

func (b *tracedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.mu.Lock()
		if room := b.max - len(b.kept); room > 0 {
			b.kept = append(b.kept, p[:min(n, room)]...)
		}
		b.read += int64(n)
		b.mu.Unlock()
	}
	if err != nil {
		b.done(err)
	}
	return n, err
}

func (b *tracedBody) Close() error {
	err := b.ReadCloser.Close()
	b.done(nil)
	return err
}

// done calls end the first time it is called.
func (b *tracedBody) done(err error) {
	if b.ended.Swap(true) {
		return
	}
	b.mu.Lock()
	kept, read := b.kept, b.read
	b.mu.Unlock()
	b.end(kept, read, err)
}
