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
// Which bytes each cap counts depends on who decompresses:
//
//   - A body that is not encoded is the same size either way: both caps
//     apply to it, and the tighter one (MaxSize on a tie) is the error.
//   - A body that arrives decompressed (Response.Uncompressed, as from a
//     [net/http.Transport] that asked for gzip itself) is capped at
//     MaxDecompressedSize (at MaxSize if that is off), and an overrun has
//     Decompressed set. Its compressed size is not visible here.
//   - A body left encoded, because the caller set Accept-Encoding or the
//     server encoded it unasked, is the caller's to decode: only MaxSize
//     applies.
//
// SizeLimit leaves requests alone, and lets net/http ask for gzip and
// decompress, unless MaxSize is the tighter bound (below
// MaxDecompressedSize, or the only cap): then it needs the compressed
// size, so it asks for gzip itself. A request without Accept-Encoding
// (and without Range, and not HEAD: the cases in which net/http would
// ask) goes on as a copy with "Accept-Encoding: gzip", and a gzip response
// is decompressed as the caller reads it, both caps counted, with
// Content-Encoding and Content-Length removed and Response.Uncompressed set,
// as net/http does when it asked.
//
// With MaxDecompressedSize at or below MaxSize (the default: both equal),
// a body net/http decompressed is counted after decompression only. That
// bounds memory, and the bytes received of any stream an ordinary
// compressor produced; a hostile stream (empty deflate blocks, which
// expand to nothing) ends only with the request's deadline. Set MaxSize
// below MaxDecompressedSize to count the bytes received in every case.
//
// A body that needs no decompressing here and whose declared
// Content-Length is within its cap is returned as it is, uncounted:
// net/http never reads past the declared length, and a RoundTripper that
// did would break [net/http.Response]'s contract. The body of a 101
// Switching Protocols, the raw connection whatever its length says, is
// always counted.
//
// It belongs outside retry and routing: a body that is too large is no
// fault of the node, and trying another one does not help. The body it
// returns is safe to Close concurrently with Read when the body it got is,
// as net/http's are. It never returns an error itself. With both sizes
// negative, the middleware returns next itself.
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

// countsReceived reports whether MaxSize is the tighter bound, so that the
// middleware must see the compressed bytes and asks for gzip itself.
func (t *sizeLimitTransport) countsReceived() bool {
	return t.maxSize > 0 && (t.maxDecompressed == 0 || t.maxSize < t.maxDecompressed)
}

// acceptGzip is shared by every request the middleware asks gzip
// for; cap == len, so an Add further down the chain copies.
var acceptGzip = []string{"gzip"}

func (t *sizeLimitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	askGzip := t.countsReceived() && req.Method != http.MethodHead &&
		headerValue(req.Header, "Accept-Encoding") == "" && headerValue(req.Header, "Range") == ""
	out := req
	if askGzip {
		out = withHeader(req, 1)
		out.Header["Accept-Encoding"] = acceptGzip
	}
	resp, err := t.next.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	if resp.Body == nil || resp.Body == http.NoBody || req.Method == http.MethodHead {
		return resp, nil
	}
	encoding := headerValue(resp.Header, "Content-Encoding") // net/http canonicalises response keys
	if askGzip && encoding != "" && strings.EqualFold(strings.TrimSpace(encoding), "gzip") {
		return t.gunzip(resp)
	}
	// The cap on the bytes the caller reads, and the kind of its error.
	limit, decompressed := t.maxSize, false
	switch {
	case resp.Uncompressed:
		if t.maxDecompressed > 0 {
			limit = t.maxDecompressed
		}
		decompressed = true
	case encoding != "":
		// Left encoded for the caller: its decoded size is not ours to see.
	case t.maxDecompressed > 0 && (limit == 0 || t.maxDecompressed < limit):
		limit, decompressed = t.maxDecompressed, true
	}
	switch n := resp.ContentLength; {
	case limit == 0 || n >= 0 && n <= limit && resp.StatusCode >= 200:
		// net/http never reads past a declared length; but the body of a
		// 101 Switching Protocols is the raw connection, whatever it says.
		return resp, nil
	case n > limit:
		resp.Body.Close()
		return nil, &rt.ResponseTooLargeError{Limit: limit, Decompressed: decompressed}
	}
	resp.Body = &cappedBody{body: resp.Body, counter: cappedReader{r: resp.Body, max: limit, decompressed: decompressed}}
	return resp, nil
}

// gunzip caps and decompresses a gzip body that the middleware asked for.
func (t *sizeLimitTransport) gunzip(resp *http.Response) (*http.Response, error) {
	if n := resp.ContentLength; n > t.maxSize {
		resp.Body.Close()
		return nil, &rt.ResponseTooLargeError{Limit: t.maxSize}
	}
	resp.Body = &gunzippedBody{
		body:     resp.Body,
		received: cappedReader{r: resp.Body, max: t.maxSize},
		out:      cappedReader{max: t.maxDecompressed, decompressed: true},
	}
	resp.Header.Del("Content-Encoding")
	resp.Header.Del("Content-Length")
	resp.ContentLength = -1
	resp.Uncompressed = true
	return resp, nil
}

// cappedReader counts the bytes read from r and fails with an
// [*rt.ResponseTooLargeError] once they exceed max (0: no cap), after
// returning exactly max bytes.
type cappedReader struct {
	r            io.Reader
	n            int64
	max          int64
	decompressed bool // the error's kind
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.r == nil {
		return 0, errBodyClosed
	}
	if c.max > 0 && int64(len(p)) > c.max-c.n+1 {
		p = p[:c.max-c.n+1] // one byte over the cap is enough to know
	}
	k, err := c.r.Read(p)
	c.n += int64(k)
	if c.max > 0 && c.n > c.max {
		k -= int(c.n - c.max)
		c.n = c.max
		return k, &rt.ResponseTooLargeError{Limit: c.max, Decompressed: c.decompressed}
	}
	return k, err
}

var errBodyClosed = errors.New("esrt: read on closed response body")

// cappedBody is a response body under a cap, counted as it is read. It
// needs no lock: of what Read uses, Close touches only closed, and it
// leaves ending a Read blocked on the body to the body's own Close.
type cappedBody struct {
	body    io.ReadCloser
	counter cappedReader // reads body
	err     error        // sticky: the first error, io.EOF included
	closed  atomic.Bool
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.closed.Load() {
		return 0, errBodyClosed
	}
	n, err := b.counter.Read(p)
	b.err = err
	return n, err
}

func (b *cappedBody) Close() error {
	if b.closed.Swap(true) {
		return nil
	}
	return b.body.Close()
}

// gunzipReaders pools gzip readers; each holds about 40 KiB of window
// and tables that are worth keeping.
var gunzipReaders sync.Pool

// gunzippedBody is a gzip body that the middleware asked for: it
// counts the bytes received, decompresses them and counts the result.
type gunzippedBody struct {
	mu       sync.Mutex // held by Read and by Close's hand-back of zr; guards everything below but body and closed
	body     io.ReadCloser
	received cappedReader // reads body
	zr       *gzip.Reader // reads received; nil until the first Read
	out      cappedReader // reads zr
	err      error        // sticky: the first error, io.EOF included
	closed   atomic.Bool
}

func (b *gunzippedBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return 0, b.err
	}
	if b.closed.Load() {
		return 0, errBodyClosed
	}
	if b.zr == nil {
		zr, _ := gunzipReaders.Get().(*gzip.Reader)
		if zr == nil {
			zr = new(gzip.Reader)
		}
		if err := zr.Reset(&b.received); err != nil {
			gunzipReaders.Put(zr)
			b.err = unwrapTooLarge(err)
			return 0, b.err
		}
		b.zr, b.out.r = zr, zr
	}
	n, err := b.out.Read(p)
	if err != nil {
		b.err = unwrapTooLarge(err)
	}
	return n, b.err
}

// unwrapTooLarge unwraps a cap's error that came back through the gzip
// reader, so that callers get the *rt.ResponseTooLargeError itself.
func unwrapTooLarge(err error) error {
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
func (b *gunzippedBody) Close() error {
	if b.closed.Swap(true) {
		return nil
	}
	err := b.body.Close()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.received.r = nil // the pooled reader must not keep the body alive
	if b.zr != nil {
		gunzipReaders.Put(b.zr)
		b.zr, b.out.r = nil, nil
	}
	return err
}

// Unwrap returns the next RoundTripper.
func (t *sizeLimitTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to the next RoundTripper.
func (t *sizeLimitTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }

// String names the layer, so that printing it shows no configuration.
func (t *sizeLimitTransport) String() string { return "size limit" }
