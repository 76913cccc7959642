package middleware

import (
	"bytes"
	stdgzip "compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/rt/rttest"
)

// sizeLimitStub answers every request with body, gzipped when gz, with a
// Content-Length when known, and records the request it got.
type sizeLimitStub struct {
	body   []byte
	gz     bool
	known  bool // send Content-Length
	header http.Header

	mu   sync.Mutex
	wire []byte // body as sent, computed once
	reqs []*http.Request
	resp []*sizeLimitTracked
}

type sizeLimitTracked struct {
	io.Reader
	mu     sync.Mutex
	closes int
}

func (b *sizeLimitTracked) Close() error { b.mu.Lock(); b.closes++; b.mu.Unlock(); return nil }

func (s *sizeLimitStub) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	s.mu.Lock()
	if s.wire == nil {
		s.wire = s.body
		if s.gz {
			s.wire = sizeLimitGzip(s.body)
		}
	}
	wire := s.wire
	s.mu.Unlock()
	h := http.Header{"Content-Type": {"application/json"}}
	for k, v := range s.header {
		h[k] = v
	}
	if s.gz {
		h.Set("Content-Encoding", "gzip")
	}
	length := int64(-1)
	if s.known {
		length = int64(len(wire))
		h.Set("Content-Length", fmt.Sprint(length))
	}
	body := &sizeLimitTracked{Reader: bytes.NewReader(wire)}
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	s.resp = append(s.resp, body)
	s.mu.Unlock()
	return &http.Response{StatusCode: 200, Header: h, Body: body, ContentLength: length, Request: req}, nil
}

func sizeLimitGzip(p []byte) []byte {
	var b bytes.Buffer
	zw := stdgzip.NewWriter(&b)
	zw.Write(p)
	zw.Close()
	return b.Bytes()
}

// sizeLimitJSON returns a JSON document of about n bytes that compresses
// well, as search results do.
func sizeLimitJSON(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"hits":[`)
	for i := 0; b.Len() < n-40; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"_id":"%d","level":"info"}`, i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

func mustSizeLimit(t testing.TB, cfg SizeLimitConfig) rt.Middleware {
	t.Helper()
	mw, err := SizeLimit(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return mw
}

func TestSizeLimit(t *testing.T) {
	body := sizeLimitJSON(50_000)
	compressed := int64(len(sizeLimitGzip(body)))
	plain := int64(len(body))
	if compressed*4 > plain {
		t.Fatalf("test body compresses to %d of %d bytes: too little to tell the caps apart", compressed, plain)
	}
	tooLarge := func(limit int64, decompressed bool) error {
		return &rt.ResponseTooLargeError{Limit: limit, Decompressed: decompressed}
	}
	tests := []struct {
		name          string
		cfg           SizeLimitConfig
		gz, known     bool
		acceptGzip    bool // the caller sets Accept-Encoding: gzip itself
		wantTripErr   error
		wantReadErr   error
		wantBody      []byte // when no error
		wantEncoded   bool   // the caller gets the gzip bytes
		wantReadBytes int64  // with wantReadErr: bytes returned before it
	}{
		{name: "plain under both caps", cfg: SizeLimitConfig{MaxSize: plain, MaxDecompressedSize: plain}, known: true, wantBody: body},
		{name: "plain under caps, unknown length", cfg: SizeLimitConfig{MaxSize: plain, MaxDecompressedSize: plain}, wantBody: body},
		{name: "plain over MaxSize, known length", cfg: SizeLimitConfig{MaxSize: plain - 1}, known: true, wantTripErr: tooLarge(plain-1, false)},
		{name: "plain over MaxSize, unknown length", cfg: SizeLimitConfig{MaxSize: plain - 1}, wantReadErr: tooLarge(plain-1, false), wantReadBytes: plain - 1},
		{name: "plain over MaxDecompressedSize, known length", cfg: SizeLimitConfig{MaxDecompressedSize: 1000}, known: true, wantTripErr: tooLarge(1000, true)},
		{name: "plain over MaxDecompressedSize, unknown length", cfg: SizeLimitConfig{MaxDecompressedSize: 1000}, wantReadErr: tooLarge(1000, true), wantReadBytes: 1000},
		{name: "plain, tighter cap wins", cfg: SizeLimitConfig{MaxSize: 2000, MaxDecompressedSize: 1000}, wantReadErr: tooLarge(1000, true), wantReadBytes: 1000},

		{name: "gzip under both caps", cfg: SizeLimitConfig{MaxSize: compressed, MaxDecompressedSize: plain}, gz: true, known: true, wantBody: body},
		{name: "gzip under both caps, unknown length", cfg: SizeLimitConfig{MaxSize: compressed, MaxDecompressedSize: plain}, gz: true, wantBody: body},
		{name: "gzip counts compressed bytes against MaxSize", cfg: SizeLimitConfig{MaxSize: compressed}, gz: true, known: true, wantBody: body},
		{name: "gzip over MaxSize, known length", cfg: SizeLimitConfig{MaxSize: compressed - 1}, gz: true, known: true, wantTripErr: tooLarge(compressed-1, false)},
		{name: "gzip over MaxSize, unknown length", cfg: SizeLimitConfig{MaxSize: compressed - 1}, gz: true, wantReadErr: tooLarge(compressed-1, false)},
		{name: "gzip over MaxDecompressedSize", cfg: SizeLimitConfig{MaxDecompressedSize: plain - 1}, gz: true, known: true, wantReadErr: tooLarge(plain-1, true), wantReadBytes: plain - 1},
		{name: "gzip bomb: small on the wire, over MaxDecompressedSize", cfg: SizeLimitConfig{MaxSize: compressed, MaxDecompressedSize: 4 * compressed}, gz: true, known: true, wantReadErr: tooLarge(4*compressed, true), wantReadBytes: 4 * compressed},

		{name: "caller asked gzip: body left encoded", cfg: SizeLimitConfig{MaxSize: compressed, MaxDecompressedSize: 10}, gz: true, known: true, acceptGzip: true, wantBody: sizeLimitGzip(body), wantEncoded: true},
		{name: "caller asked gzip: over MaxSize", cfg: SizeLimitConfig{MaxSize: compressed - 1}, gz: true, acceptGzip: true, wantReadErr: tooLarge(compressed-1, false), wantReadBytes: compressed - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := &sizeLimitStub{body: body, gz: tt.gz, known: tt.known}
			tr := mustSizeLimit(t, tt.cfg)(stub)
			req, _ := http.NewRequest("GET", "http://es.invalid/idx/_search", nil)
			if tt.acceptGzip {
				req.Header.Set("Accept-Encoding", "gzip")
			}
			resp, err := tr.RoundTrip(req)
			if got := stub.reqs[0].Header.Get("Accept-Encoding"); got != "gzip" {
				t.Errorf("Accept-Encoding sent = %q, want gzip", got)
			}
			if !tt.acceptGzip && req.Header.Get("Accept-Encoding") != "" {
				t.Error("the caller's request was modified")
			}
			if tt.wantTripErr != nil {
				if resp != nil || !errors.Is(err, rt.ErrResponseTooLarge) || err.Error() != tt.wantTripErr.Error() {
					t.Fatalf("RoundTrip = %v, %v; want %v", resp, err, tt.wantTripErr)
				}
				if stub.resp[0].closes != 1 {
					t.Errorf("refused body closed %d times, want 1", stub.resp[0].closes)
				}
				return
			}
			if err != nil {
				t.Fatalf("RoundTrip: %v", err)
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if stub.resp[0].closes != 1 {
				t.Errorf("body closed %d times, want 1", stub.resp[0].closes)
			}
			if tt.wantReadErr != nil {
				var tl *rt.ResponseTooLargeError
				if !errors.As(err, &tl) || !errors.Is(err, rt.ErrResponseTooLarge) || err.Error() != tt.wantReadErr.Error() {
					t.Fatalf("read error = %v, want %v", err, tt.wantReadErr)
				}
				if tt.wantReadBytes > 0 && int64(len(got)) != tt.wantReadBytes {
					t.Errorf("read %d bytes before the error, want %d", len(got), tt.wantReadBytes)
				}
				if !bytes.HasPrefix(body, got) && !tt.gz {
					t.Error("the bytes before the error are not the body's")
				}
				return
			}
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if !bytes.Equal(got, tt.wantBody) {
				t.Fatalf("body: got %d bytes, want %d identical bytes", len(got), len(tt.wantBody))
			}
			encoded := resp.Header.Get("Content-Encoding") == "gzip"
			if encoded != tt.wantEncoded || resp.Uncompressed == tt.wantEncoded && tt.gz {
				t.Errorf("Content-Encoding %q, Uncompressed %v; want encoded %v", resp.Header.Get("Content-Encoding"), resp.Uncompressed, tt.wantEncoded)
			}
			if tt.gz && !tt.wantEncoded && (resp.ContentLength != -1 || resp.Header.Get("Content-Length") != "") {
				t.Errorf("decompressed response keeps the compressed length: %d %q", resp.ContentLength, resp.Header.Get("Content-Length"))
			}
		})
	}
}

func TestSizeLimitLeavesHeadAndRangeAlone(t *testing.T) {
	tests := []struct {
		name   string
		method string
		header http.Header
	}{
		{"HEAD", "HEAD", nil},
		{"Range", "GET", http.Header{"Range": {"bytes=0-10"}}},
		{"identity", "GET", http.Header{"Accept-Encoding": {"identity"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := &sizeLimitStub{body: []byte("0123456789"), known: true}
			tr := mustSizeLimit(t, SizeLimitConfig{MaxSize: 100})(stub)
			req, _ := http.NewRequest(tt.method, "http://es.invalid/idx", nil)
			req.Header = tt.header
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got, want := stub.reqs[0].Header.Get("Accept-Encoding"), req.Header.Get("Accept-Encoding"); got != want {
				t.Errorf("Accept-Encoding = %q, want the caller's %q", got, want)
			}
		})
	}

	// A HEAD response announces the length of the body a GET would get,
	// without one: that is no reason to fail.
	head := rt.Func(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Length": {"1000000"}}, ContentLength: 1e6, Body: http.NoBody, Request: req}, nil
	})
	req, _ := http.NewRequest("HEAD", "http://es.invalid/idx", nil)
	resp, err := mustSizeLimit(t, SizeLimitConfig{MaxSize: 10, MaxDecompressedSize: 10})(head).RoundTrip(req)
	if err != nil {
		t.Fatalf("HEAD with a large Content-Length: %v", err)
	}
	resp.Body.Close()
}

// TestSizeLimitEstest checks the middleware over net/http against a
// cluster that gzips its responses, as Elasticsearch's http.compression
// does: the caller gets the same bytes as without compression, and the
// caps count the compressed and the decompressed sizes.
func TestSizeLimitEstest(t *testing.T) {
	c := estest.New(t, estest.Config{CompressResponses: true})
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	doc := fmt.Sprintf(`{"message":%q}`, strings.Repeat("all work and no play makes jack a dull boy ", 5000))
	put, _ := http.NewRequest("PUT", c.URLs()[0]+"/logs/_doc/1", strings.NewReader(doc))
	put.Header.Set("Content-Type", "application/json")
	resp, err := base.RoundTrip(put)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	get := func(t *testing.T, tr http.RoundTripper, header http.Header) (*http.Response, []byte, error) {
		t.Helper()
		req, _ := http.NewRequest("GET", c.URLs()[0]+"/logs/_doc/1", nil)
		if header != nil {
			req.Header = header
		}
		resp, err := tr.RoundTrip(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, b, err
	}
	// What net/http gives without the middleware (it asks for gzip and
	// decompresses), and what travels on the wire.
	_, want, err := get(t, base, nil)
	if err != nil {
		t.Fatal(err)
	}
	wireResp, wire, err := get(t, base, http.Header{"Accept-Encoding": {"gzip"}})
	if err != nil || wireResp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("estest did not compress: %v %v", err, wireResp.Header)
	}
	compressed, plain := int64(len(wire)), int64(len(want))
	if compressed*10 > plain {
		t.Fatalf("document compresses to %d of %d bytes: too little to tell the caps apart", compressed, plain)
	}

	tests := []struct {
		name    string
		cfg     SizeLimitConfig
		wantErr error
	}{
		{"under both caps", SizeLimitConfig{MaxSize: compressed, MaxDecompressedSize: plain}, nil},
		{"compressed size is what MaxSize counts", SizeLimitConfig{MaxSize: compressed}, nil},
		{"over MaxSize", SizeLimitConfig{MaxSize: compressed - 1}, &rt.ResponseTooLargeError{Limit: compressed - 1}},
		{"over MaxDecompressedSize", SizeLimitConfig{MaxDecompressedSize: plain - 1}, &rt.ResponseTooLargeError{Limit: plain - 1, Decompressed: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := mustSizeLimit(t, tt.cfg)(base)
			resp, got, err := get(t, tr, nil)
			if tt.wantErr != nil {
				if !errors.Is(err, rt.ErrResponseTooLarge) || err.Error() != tt.wantErr.Error() {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("body differs from net/http's own decompression: %d vs %d bytes", len(got), len(want))
			}
			if !resp.Uncompressed || resp.Header.Get("Content-Encoding") != "" {
				t.Errorf("Uncompressed %v, Content-Encoding %q", resp.Uncompressed, resp.Header.Get("Content-Encoding"))
			}
		})
	}

	t.Run("caller asked gzip", func(t *testing.T) {
		tr := mustSizeLimit(t, SizeLimitConfig{MaxSize: compressed, MaxDecompressedSize: 1})(base)
		resp, got, err := get(t, tr, http.Header{"Accept-Encoding": {"gzip"}})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, wire) || resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatal("a caller that asked for gzip did not get the compressed body")
		}
	})
}

// TestSizeLimitCorruptGzip checks that a broken gzip stream is an error,
// not a short body.
func TestSizeLimitCorruptGzip(t *testing.T) {
	full := sizeLimitGzip(sizeLimitJSON(10_000))
	tests := []struct {
		name string
		wire []byte
	}{
		{"truncated", full[:len(full)/2]},
		{"not gzip", []byte("this is not gzip at all")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := rt.Func(func(req *http.Request) (*http.Response, error) {
				return &http.Response{StatusCode: 200, Header: http.Header{"Content-Encoding": {"gzip"}},
					ContentLength: -1, Body: io.NopCloser(bytes.NewReader(tt.wire)), Request: req}, nil
			})
			req, _ := http.NewRequest("GET", "http://es.invalid/", nil)
			resp, err := mustSizeLimit(t, SizeLimitConfig{MaxSize: 1 << 20})(base).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if _, err := io.ReadAll(resp.Body); err == nil {
				t.Fatal("a broken gzip body read without error")
			}
		})
	}
}

// TestSizeLimitCloseDuringRead closes the body while a Read is blocked on
// the network: the Read ends, and the race detector checks the hand-off of
// the pooled gzip reader.
func TestSizeLimitCloseDuringRead(t *testing.T) {
	for _, gz := range []bool{false, true} {
		t.Run(fmt.Sprintf("gzip=%v", gz), func(t *testing.T) {
			pr, pw := io.Pipe()
			base := rt.Func(func(req *http.Request) (*http.Response, error) {
				h := http.Header{}
				if gz {
					h.Set("Content-Encoding", "gzip")
				}
				return &http.Response{StatusCode: 200, Header: h, ContentLength: -1, Body: pr, Request: req}, nil
			})
			req, _ := http.NewRequest("GET", "http://es.invalid/", nil)
			resp, err := mustSizeLimit(t, SizeLimitConfig{MaxSize: 1 << 20, MaxDecompressedSize: 1 << 20})(base).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			if gz {
				// Send a gzip header and a first block, so that the reader
				// exists when Close comes.
				zw := stdgzip.NewWriter(pw)
				go func() {
					zw.Write([]byte(`{"a":1}`))
					zw.Flush()
				}()
			}
			done := make(chan error, 1)
			go func() {
				_, err := io.ReadAll(resp.Body)
				done <- err
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			resp.Body.Close()
			select {
			case err := <-done:
				if err == nil {
					t.Fatal("read of a body closed midway ended without error")
				}
			case <-ctx.Done():
				t.Fatal("Close did not end a blocked Read")
			}
			if _, err := resp.Body.Read(make([]byte, 1)); err == nil {
				t.Fatal("Read after Close succeeded")
			}
		})
	}
}

// endlessBody is a response body that never ends; its Read leaves p as it
// is, which costs nothing, and it records whether it was closed.
type endlessBody struct{ closed atomic.Bool }

func (b *endlessBody) Read(p []byte) (int, error) {
	if b.closed.Load() {
		return 0, errors.New("read on closed body")
	}
	return len(p), nil
}
func (b *endlessBody) Close() error { b.closed.Store(true); return nil }

// stalledBody is a response body whose Read blocks until it is closed, as
// a server that declared a length and then sent nothing.
type stalledBody struct {
	once   sync.Once
	closed chan struct{}
}

func (b *stalledBody) Read([]byte) (int, error) {
	<-b.closed
	return 0, errors.New("read on closed body")
}
func (b *stalledBody) Close() error { b.once.Do(func() { close(b.closed) }); return nil }

// By default, both sizes are capped: an endless body stops after the cap,
// a declared Content-Length over it fails in RoundTrip without a read, and
// a gzip bomb stops at the decompressed cap.
func TestSizeLimitDefaultCaps(t *testing.T) {
	get := func(t *testing.T, tr http.RoundTripper) (*http.Response, error) {
		req, _ := http.NewRequest("GET", "http://es.invalid/logs/_search", nil)
		return tr.RoundTrip(req)
	}
	t.Run("endless body", func(t *testing.T) {
		body := &endlessBody{}
		base := rt.Func(func(req *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Header: http.Header{}, ContentLength: -1, Body: body, Request: req}, nil
		})
		resp, err := get(t, mustSizeLimit(t, SizeLimitConfig{})(base))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		n, err := io.CopyN(io.Discard, resp.Body, DefaultMaxSize+1) // bounded, cap or not
		var tooLarge *rt.ResponseTooLargeError
		if !errors.As(err, &tooLarge) || tooLarge.Limit != DefaultMaxSize || n != DefaultMaxSize {
			t.Fatalf("read %d bytes, then %v; want %d bytes, then the default cap's error", n, err, DefaultMaxSize)
		}
	})
	t.Run("declared length, then a stall", func(t *testing.T) {
		body := &stalledBody{closed: make(chan struct{})}
		base := rt.Func(func(req *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Length": {"1073741824"}},
				ContentLength: 1 << 30, Body: body, Request: req}, nil
		})
		resp, err := get(t, mustSizeLimit(t, SizeLimitConfig{})(base))
		var tooLarge *rt.ResponseTooLargeError
		if resp != nil || !errors.As(err, &tooLarge) || tooLarge.Limit != DefaultMaxSize {
			t.Fatalf("RoundTrip = %v, %v; want the default cap's error at once", resp, err)
		}
		select {
		case <-body.closed:
		default:
			t.Fatal("the stalled body was not closed")
		}
	})
	t.Run("gzip bomb", func(t *testing.T) {
		// Decompressing 512 MiB takes seconds under the race detector, so
		// the bomb goes to a copy of the default transport with a cap of
		// 1 MiB: the same code path, after checking that the default
		// transport carries the default caps.
		tr, ok := mustSizeLimit(t, SizeLimitConfig{})(nil).(*sizeLimitTransport)
		if !ok || tr.maxSize != DefaultMaxSize || tr.maxDecompressed != DefaultMaxDecompressedSize {
			t.Fatalf("the zero config gives %#v, want the default caps", tr)
		}
		var member bytes.Buffer
		zw, _ := stdgzip.NewWriterLevel(&member, stdgzip.BestCompression)
		zw.Write(make([]byte, 1<<20))
		zw.Close()
		bomb := bytes.Repeat(member.Bytes(), 4) // 4 MiB in about 4 KiB
		small := *tr
		small.maxDecompressed = 1 << 20
		small.next = rt.Func(func(req *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Encoding": {"gzip"}},
				ContentLength: int64(len(bomb)), Body: io.NopCloser(bytes.NewReader(bomb)), Request: req}, nil
		})
		resp, err := get(t, &small)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		n, err := io.Copy(io.Discard, resp.Body)
		var tooLarge *rt.ResponseTooLargeError
		if !errors.As(err, &tooLarge) || !tooLarge.Decompressed || n != 1<<20 {
			t.Fatalf("read %d bytes, then %v; want 1 MiB, then the decompressed cap's error", n, err)
		}
	})
}

// A negative size turns its cap off; both negative, the middleware is not
// there at all.
func TestSizeLimitOptOut(t *testing.T) {
	stub := &sizeLimitStub{}
	if got := mustSizeLimit(t, SizeLimitConfig{MaxSize: -1, MaxDecompressedSize: -1})(stub); got != http.RoundTripper(stub) {
		t.Error("with both caps off, SizeLimit does not return next itself")
	}
	for _, tt := range []struct {
		name             string
		cfg              SizeLimitConfig
		wantDecompressed bool // which cap stops an endless plain body
	}{
		{"MaxSize off", SizeLimitConfig{MaxSize: -1, MaxDecompressedSize: 1 << 20}, true},
		{"MaxDecompressedSize off", SizeLimitConfig{MaxSize: 1 << 20, MaxDecompressedSize: -1}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			base := rt.Func(func(req *http.Request) (*http.Response, error) {
				return &http.Response{StatusCode: 200, Header: http.Header{}, ContentLength: -1, Body: &endlessBody{}, Request: req}, nil
			})
			req, _ := http.NewRequest("GET", "http://es.invalid/", nil)
			resp, err := mustSizeLimit(t, tt.cfg)(base).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			_, err = io.CopyN(io.Discard, resp.Body, 2<<20)
			var tooLarge *rt.ResponseTooLargeError
			if !errors.As(err, &tooLarge) || tooLarge.Decompressed != tt.wantDecompressed || tooLarge.Limit != 1<<20 {
				t.Fatalf("error %v, want the cap left on", err)
			}
		})
	}
}

func TestSizeLimitConformance(t *testing.T) {
	tests := []struct {
		name string
		cfg  SizeLimitConfig
	}{
		{"MaxSize", SizeLimitConfig{MaxSize: 1 << 20}},
		{"both", SizeLimitConfig{MaxSize: 1 << 20, MaxDecompressedSize: 1 << 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { rttest.Run(t, mustSizeLimit(t, tt.cfg)) })
	}
}

func BenchmarkSizeLimit(b *testing.B) {
	body := sizeLimitJSON(16 << 10)
	for _, gz := range []bool{false, true} {
		b.Run(fmt.Sprintf("gzip=%v", gz), func(b *testing.B) {
			stub := &sizeLimitStub{body: body, gz: gz, known: true}
			tr := mustSizeLimit(b, SizeLimitConfig{MaxSize: 1 << 20, MaxDecompressedSize: 1 << 20})(rt.Func(func(req *http.Request) (*http.Response, error) {
				resp, err := stub.RoundTrip(req)
				stub.mu.Lock()
				stub.reqs, stub.resp = stub.reqs[:0], stub.resp[:0]
				stub.mu.Unlock()
				return resp, err
			}))
			req, _ := http.NewRequest("GET", "http://es.invalid/idx/_search", nil)
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				resp, err := tr.RoundTrip(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}
