package middleware

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/gzip"

	"github.com/esrt-dev/esrt/rt"
)

// Default caps of [SizeLimit], for a SizeLimitConfig field left zero:
// 512 MiB, five times the 100 MB that Elasticsearch's Java low-level client
// buffers per response at most, so that no legitimate response reaches
// them, while an endless body, a huge declared Content-Length or a gzip
// bomb ends there instead of at the caller's deadline or out of memory.
const (
	DefaultMaxSize             = 512 << 20
	DefaultMaxDecompressedSize = 512 << 20
)

// SizeLimitConfig configures [SizeLimit]. The zero value caps both sizes
// at their defaults.
type SizeLimitConfig struct {
	// MaxSize caps the bytes of a response body as received: the
	// compressed size when the body came gzipped. If zero,
	// [DefaultMaxSize]; if negative, no cap.
	MaxSize int64

	// MaxDecompressedSize caps a response body after decompression, which
	// guards against small bodies that expand enormously. If zero,
	// [DefaultMaxDecompressedSize]; if negative, no cap.
	MaxDecompressedSize int64
}

// SizeLimit returns a middleware that refuses response bodies over the
// configured sizes with an [*rt.ResponseTooLargeError] (matching
// [rt.ErrResponseTooLarge]) instead of letting them fill memory. The error
// comes from RoundTrip, with the body closed and without reading it, when
// Content-Length already tells; otherwise from the body's Read once the
// cap is crossed, after exactly the bytes up to the cap. A body under the
// caps reads to the end byte for byte, as without the middleware: never
// silently truncated.
//
// To count the bytes received, SizeLimit asks for gzip itself: a request
// without Accept-Encoding (and without Range, and not HEAD — the cases in
// which [net/http.Transport] would ask) goes on with "Accept-Encoding:
// gzip", and a gzip response is decompressed as the caller reads it, with
// Content-Encoding and Content-Length removed and Response.Uncompressed set,
// as net/http does when it asked. A request that sets Accept-Encoding
// itself gets the body as the server sent it: for an encoded body only
// MaxSize applies. A body that is not encoded is the same size either way,
// so both caps apply to it.
//
// It belongs outside retry and routing: a body that is too large is no
// fault of the node, and trying another one does not help. The returned
// body is safe to Close concurrently with Read. It never returns an error
// itself. With both sizes negative, the middleware returns next itself.
func SizeLimit(cfg SizeLimitConfig) (rt.Middleware, error) {
	maxSize := sizeCap(cfg.MaxSize, DefaultMaxSize)
	maxDecompressed := sizeCap(cfg.MaxDecompressedSize, DefaultMaxDecompressedSize)
	return func(next http.RoundTripper) http.RoundTripper {
		if maxSize == 0 && maxDecompressed == 0 {
			return next
		}
		return &sizeLimitTransport{next: next, maxSize: maxSize, maxDecompressed: maxDecompressed}
	}, nil
}

// sizeCap returns the cap a configured size stands for: the default for
// zero, none (0) for a negative size.
func sizeCap(size, def int64) int64 {
	switch {
	case size == 0:
		return def
	case size < 0:
		return 0
	}
	return size
}

type sizeLimitTransport struct {
	next            http.RoundTripper
	maxSize         int64 // 0: no cap
	maxDecompressed int64 // 0: no cap
}

var _ http.RoundTripper = (*sizeLimitTransport)(nil)

// sizeLimitAcceptGzip is shared by every request the middleware asks gzip
// for; cap == len, so an Add further down the chain copies.
var sizeLimitAcceptGzip = []string{"gzip"}

func (t *sizeLimitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	askGzip := req.Method != http.MethodHead && headerValue(req.Header, "Accept-Encoding") == "" && headerValue(req.Header, "Range") == ""
	out := req
	if askGzip {
		out = withHeader(req, 1)
		out.Header["Accept-Encoding"] = sizeLimitAcceptGzip
	}
	resp, err := t.next.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	if resp.Body == nil || resp.Body == http.NoBody || req.Method == http.MethodHead {
		return resp, nil
	}
	encoding := headerValue(resp.Header, "Content-Encoding") // net/http canonicalises response keys
	gz := askGzip && strings.EqualFold(strings.TrimSpace(encoding), "gzip")
	maxDecompressed := t.maxDecompressed
	if encoding != "" && !gz {
		maxDecompressed = 0 // left encoded for the caller: its decoded size is not ours to see
	}
	if n := resp.ContentLength; n > 0 {
		var tooLarge *rt.ResponseTooLargeError
		switch {
		case t.maxSize > 0 && n > t.maxSize:
			tooLarge = &rt.ResponseTooLargeError{Limit: t.maxSize}
		case !gz && maxDecompressed > 0 && n > maxDecompressed:
			tooLarge = &rt.ResponseTooLargeError{Limit: maxDecompressed, Decompressed: true}
		}
		if tooLarge != nil {
			resp.Body.Close()
			return nil, tooLarge
		}
	}
	body := &sizeLimitBody{
		body:            resp.Body,
		received:        sizeLimitCounter{r: resp.Body, max: t.maxSize},
		gzip:            gz,
		maxDecompressed: maxDecompressed,
	}
	if gz {
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
	}
	resp.Body = body
	return resp, nil
}

// sizeLimitCounter counts the bytes read from r and fails with an
// [*rt.ResponseTooLargeError] once they exceed max (0: no cap), after
// returning exactly max bytes.
type sizeLimitCounter struct {
	r   io.Reader
	n   int64
	max int64
}

func (c *sizeLimitCounter) Read(p []byte) (int, error) {
	if c.r == nil {
		return 0, errSizeLimitClosed
	}
	if c.max > 0 && int64(len(p)) > c.max-c.n+1 {
		p = p[:c.max-c.n+1] // one byte over the cap is enough to know
	}
	k, err := c.r.Read(p)
	c.n += int64(k)
	if c.max > 0 && c.n > c.max {
		k -= int(c.n - c.max)
		c.n = c.max
		return k, &rt.ResponseTooLargeError{Limit: c.max}
	}
	return k, err
}

var errSizeLimitClosed = errors.New("esrt: read on closed response body")

// sizeLimitReaders pools gzip readers; each holds about 40 KiB of window
// and tables that are worth keeping.
var sizeLimitReaders sync.Pool

// sizeLimitBody is a response body under the caps: it counts the bytes
// received and, for gzip bodies, decompresses and counts the result.
type sizeLimitBody struct {
	mu              sync.Mutex // guards everything below but body and closed
	body            io.ReadCloser
	received        sizeLimitCounter
	gzip            bool
	zr              *gzip.Reader // nil until the first Read of a gzip body
	maxDecompressed int64
	decompressed    int64
	err             error // sticky: the first error, io.EOF included
	closed          atomic.Bool
}

func (b *sizeLimitBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return 0, b.err
	}
	if b.closed.Load() {
		return 0, errSizeLimitClosed
	}
	var src io.Reader = &b.received
	if b.gzip {
		if b.zr == nil {
			zr, _ := sizeLimitReaders.Get().(*gzip.Reader)
			if zr == nil {
				zr = new(gzip.Reader)
			}
			if err := zr.Reset(&b.received); err != nil {
				sizeLimitReaders.Put(zr)
				b.err = sizeLimitError(err)
				return 0, b.err
			}
			b.zr = zr
		}
		src = b.zr
	}
	if m := b.maxDecompressed; m > 0 && int64(len(p)) > m-b.decompressed+1 {
		p = p[:m-b.decompressed+1]
	}
	n, err := src.Read(p)
	b.decompressed += int64(n)
	if m := b.maxDecompressed; m > 0 && b.decompressed > m {
		n -= int(b.decompressed - m)
		b.decompressed = m
		err = &rt.ResponseTooLargeError{Limit: m, Decompressed: true}
	}
	if err != nil {
		b.err = sizeLimitError(err)
	}
	return n, b.err
}

// sizeLimitError unwraps a cap's error that came back through the gzip
// reader, so that callers get the *rt.ResponseTooLargeError itself.
func sizeLimitError(err error) error {
	if err == io.EOF {
		return err // every body ends so: errors.As would allocate its target
	}
	var tooLarge *rt.ResponseTooLargeError
	if errors.As(err, &tooLarge) {
		return tooLarge
	}
	return err
}

// Close closes the body received, which also ends a Read blocked on it,
// then returns the gzip reader to its pool.
func (b *sizeLimitBody) Close() error {
	if b.closed.Swap(true) {
		return nil
	}
	err := b.body.Close()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.received.r = nil // the pooled reader must not keep the body alive
	if b.zr != nil {
		sizeLimitReaders.Put(b.zr)
		b.zr = nil
	}
	return err
}

// Unwrap returns the next RoundTripper.
func (t *sizeLimitTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to the next RoundTripper.
func (t *sizeLimitTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }
