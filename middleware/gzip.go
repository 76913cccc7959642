package middleware

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/klauspost/compress/gzip"

	"github.com/esrt-dev/esrt/internal/bufpool"
	"github.com/esrt-dev/esrt/rt"
)

// GzipConfig configures [Gzip]. The zero value compresses every request
// body at the default level and buffers up to 64 MiB of compressed bytes.
type GzipConfig struct {
	// Level is the gzip level, from 1 (fastest) to 9 (smallest). If zero,
	// the default level (a balance of speed and size).
	Level int

	// MinSize is the smallest body, in bytes, worth compressing; smaller
	// bodies whose length is known are sent as they are. If zero, every
	// body is compressed.
	MinSize int64

	// MaxBuffer is the largest compressed body kept in memory so that
	// retries can send it again. A body that compresses to more is
	// streamed once, compressed on the fly, and is not replayable. If zero,
	// 64 MiB; if negative, bodies are never buffered.
	MaxBuffer int64
}

// Gzip returns a middleware that compresses request bodies with gzip and
// sets Content-Encoding: gzip and the compressed Content-Length. It belongs
// outside retry: the body is compressed once, and every attempt replays the
// same compressed bytes through GetBody. Requests that already have a
// Content-Encoding, and requests without a body, pass through unchanged.
//
// Gzip writers and buffers are pooled. A buffer goes back to its pool only
// when the request is done and every attempt's body has been closed.
//
// Responses are not Gzip's business: the base *http.Transport asks for gzip
// and decompresses transparently.
func Gzip(cfg GzipConfig) (rt.Middleware, error) {
	level := cfg.Level
	if level == 0 {
		level = gzip.DefaultCompression
	}
	if cfg.Level != 0 && (cfg.Level < gzip.BestSpeed || cfg.Level > gzip.BestCompression) {
		return nil, &rt.ConfigError{Field: "Level", Err: fmt.Errorf("gzip level %d out of range 1..9", cfg.Level)}
	}
	if cfg.MinSize < 0 {
		return nil, &rt.ConfigError{Field: "MinSize", Err: fmt.Errorf("negative size %d", cfg.MinSize)}
	}
	maxBuf := cfg.MaxBuffer
	if maxBuf == 0 {
		maxBuf = 64 << 20
	}
	writers := &sync.Pool{New: func() any {
		zw, _ := gzip.NewWriterLevel(nil, level) // level checked above
		return zw
	}}
	return func(next http.RoundTripper) http.RoundTripper {
		return &gzipTransport{next: next, writers: writers, minSize: cfg.MinSize, maxBuffer: maxBuf}
	}, nil
}

type gzipTransport struct {
	next      http.RoundTripper
	writers   *sync.Pool
	minSize   int64
	maxBuffer int64
}

var _ http.RoundTripper = (*gzipTransport)(nil)

func (t *gzipTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody || headerValue(req.Header, "Content-Encoding") != "" ||
		(req.ContentLength > 0 && req.ContentLength < t.minSize) {
		return t.next.RoundTrip(req)
	}
	out := withHeader(req, 1)
	out.Header["Content-Encoding"] = []string{"gzip"}
	delete(out.Header, "Content-Length")

	sb, rest, err := t.compress(req.Body)
	if err != nil {
		req.Body.Close()
		return nil, err
	}
	if rest != nil {
		// Too large to keep: stream the compressed bytes so far, then the
		// rest compressed on the fly, once.
		prefix := sb.Body()
		out.Body = &streamBody{Reader: io.MultiReader(prefix, rest), parts: []io.Closer{prefix, rest}}
		out.GetBody = nil
		out.ContentLength = -1
		sb.Release()
		return t.next.RoundTrip(out)
	}
	req.Body.Close()
	defer sb.Release()
	out.Body = sb.Body()
	out.GetBody = func() (io.ReadCloser, error) { return sb.Body(), nil }
	out.ContentLength = int64(sb.Len())
	return t.next.RoundTrip(out)
}

// compress compresses src into a pooled buffer. If the compressed bytes
// outgrow maxBuffer, it stops and returns the buffer so far and a reader
// that compresses the rest of src as it is read (closing it closes src).
func (t *gzipTransport) compress(src io.ReadCloser) (*bufpool.Shared, *compressingReader, error) {
	sb := bufpool.Get(0)
	sink := &switchWriter{w: sb.Buffer()}
	zw := t.writers.Get().(*gzip.Writer)
	zw.Reset(sink)
	chunk := chunkPool.Get().(*[]byte)
	defer chunkPool.Put(chunk)
	for {
		n, err := src.Read(*chunk)
		if n > 0 {
			zw.Write((*chunk)[:n]) // writes to a bytes.Buffer cannot fail
		}
		if err == io.EOF {
			zw.Close()
			putWriter(t.writers, zw)
			return sb, nil, nil
		}
		if err != nil {
			putWriter(t.writers, zw)
			sb.Release()
			return nil, nil, fmt.Errorf("esrt: read request body: %w", err)
		}
		if t.maxBuffer >= 0 && int64(sb.Len()) > t.maxBuffer {
			r := &compressingReader{src: src, zw: zw, writers: t.writers}
			sink.w = &r.out
			return sb, r, nil
		}
	}
}

var chunkPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// switchWriter lets a gzip writer's output move from the buffer to a
// streaming reader's queue without losing a byte.
type switchWriter struct{ w io.Writer }

func (s *switchWriter) Write(p []byte) (int, error) { return s.w.Write(p) }

// compressingReader compresses src as it is read, without a goroutine:
// each Read that finds no compressed bytes waiting reads a chunk of src
// and compresses it.
type compressingReader struct {
	mu      sync.Mutex
	src     io.ReadCloser
	zw      *gzip.Writer // writes into out
	writers *sync.Pool
	out     bytes.Buffer
	err     error // sticky: io.EOF once src is done and zw flushed
	closed  bool
}

func (r *compressingReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, bufpool.ErrClosed
	}
	for r.out.Len() == 0 && r.err == nil {
		chunk := chunkPool.Get().(*[]byte)
		n, err := r.src.Read(*chunk)
		if n > 0 {
			r.zw.Write((*chunk)[:n])
		}
		chunkPool.Put(chunk)
		switch {
		case err == io.EOF:
			r.zw.Close()
			r.putWriter()
			r.err = io.EOF
		case err != nil:
			r.err = fmt.Errorf("esrt: read request body: %w", err)
		}
	}
	if r.out.Len() > 0 {
		return r.out.Read(p)
	}
	return 0, r.err
}

func (r *compressingReader) putWriter() {
	if r.zw != nil {
		putWriter(r.writers, r.zw)
		r.zw = nil
	}
}

// putWriter returns zw to its pool, pointing it away from the buffer it
// wrote to so that the pool keeps no body alive.
func putWriter(pool *sync.Pool, zw *gzip.Writer) {
	zw.Reset(io.Discard)
	pool.Put(zw)
}

func (r *compressingReader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	r.putWriter()
	return r.src.Close()
}

// streamBody is a one-shot body made of parts that must all be closed.
type streamBody struct {
	io.Reader
	once  sync.Once
	parts []io.Closer
}

func (b *streamBody) Close() error {
	var err error
	b.once.Do(func() {
		for _, p := range b.parts {
			if e := p.Close(); e != nil && err == nil {
				err = e
			}
		}
	})
	return err
}

// Unwrap returns the next RoundTripper.
func (t *gzipTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to the next RoundTripper.
func (t *gzipTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }

// String names the layer, so that printing it shows no configuration.
func (t *gzipTransport) String() string { return "gzip" }
