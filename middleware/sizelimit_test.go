package middleware

import (
	"bytes"
	stdgzip "compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/rt/rttest"
)

// sizeLimitStub answers every request with body, gzipped when gz whatever
// the request's Accept-Encoding, with a Content-Length when known, and
// records the request it got. With decompress, it stands for a
// net/http.Transport in front of that server: for a request without
// Accept-Encoding, it returns the body decompressed, with Uncompressed set
// and neither Content-Encoding nor a length.
type sizeLimitStub struct {
	body       []byte
	gz         bool
	known      bool // send Content-Length
	decompress bool
	header     http.Header

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
	uncompressed := s.gz && s.decompress && req.Header.Get("Accept-Encoding") == ""
	if uncompressed {
		wire, length = s.body, -1
		h.Del("Content-Encoding")
		h.Del("Content-Length")
	}
	body := &sizeLimitTracked{Reader: bytes.NewReader(wire)}
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	s.resp = append(s.resp, body)
	s.mu.Unlock()
	return &http.Response{StatusCode: 200, Header: h, Body: body, ContentLength: length, Uncompressed: uncompressed, Request: req}, nil
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

// TestSizeLimit runs the middleware over a server that gzips whatever the
// request asks. The middleware asks for gzip itself (wantAsk) only when
// MaxSize is the tighter cap; otherwise the request reaches the server as
// the caller sent it, and with decompress a net/http.Transport in front of
// the server asks for gzip and decompresses.
func TestSizeLimit(t *testing.T) {
	body := sizeLimitJSON(50_000)
	wire := sizeLimitGzip(body)
	compressed := int64(len(wire))
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
		decompress    bool // net/http decompresses what it asked for
		acceptGzip    bool // the caller sets Accept-Encoding: gzip itself
		wantAsk       bool // the middleware sends a copy that asks for gzip
		wantTripErr   error
		wantReadErr   error
		wantBody      []byte // when no error
		wantEncoded   bool   // the caller gets the gzip bytes
		wantReadBytes int64  // with wantReadErr: bytes returned before it
	}{
		{name: "plain under both caps", cfg: SizeLimitConfig{MaxSize: plain, MaxDecompressedSize: plain}, known: true, wantBody: body},
		{name: "plain under caps, unknown length", cfg: SizeLimitConfig{MaxSize: plain, MaxDecompressedSize: plain}, wantBody: body},
		{name: "plain over MaxSize, known length", cfg: SizeLimitConfig{MaxSize: plain - 1}, known: true, wantAsk: true, wantTripErr: tooLarge(plain-1, false)},
		{name: "plain over MaxSize, unknown length", cfg: SizeLimitConfig{MaxSize: plain - 1}, wantAsk: true, wantReadErr: tooLarge(plain-1, false), wantReadBytes: plain - 1},
		{name: "plain over equal caps: MaxSize's error", cfg: SizeLimitConfig{MaxSize: plain - 1, MaxDecompressedSize: plain - 1}, wantReadErr: tooLarge(plain-1, false), wantReadBytes: plain - 1},
		{name: "plain over MaxDecompressedSize, known length", cfg: SizeLimitConfig{MaxDecompressedSize: 1000}, known: true, wantTripErr: tooLarge(1000, true)},
		{name: "plain over MaxDecompressedSize, unknown length", cfg: SizeLimitConfig{MaxDecompressedSize: 1000}, wantReadErr: tooLarge(1000, true), wantReadBytes: 1000},
		{name: "plain, tighter MaxDecompressedSize wins", cfg: SizeLimitConfig{MaxSize: 2000, MaxDecompressedSize: 1000}, wantReadErr: tooLarge(1000, true), wantReadBytes: 1000},
		{name: "plain, tighter MaxSize wins", cfg: SizeLimitConfig{MaxSize: 1000, MaxDecompressedSize: 2000}, wantAsk: true, wantReadErr: tooLarge(1000, false), wantReadBytes: 1000},

		{name: "gzip under both caps", cfg: SizeLimitConfig{MaxSize: compressed, MaxDecompressedSize: plain}, gz: true, known: true, wantAsk: true, wantBody: body},
		{name: "gzip under both caps, unknown length", cfg: SizeLimitConfig{MaxSize: compressed, MaxDecompressedSize: plain}, gz: true, wantAsk: true, wantBody: body},
		{name: "gzip counts compressed bytes against MaxSize", cfg: SizeLimitConfig{MaxSize: compressed}, gz: true, known: true, wantAsk: true, wantBody: body},
		{name: "gzip over MaxSize, known length", cfg: SizeLimitConfig{MaxSize: compressed - 1}, gz: true, known: true, wantAsk: true, wantTripErr: tooLarge(compressed-1, false)},
		{name: "gzip over MaxSize, unknown length", cfg: SizeLimitConfig{MaxSize: compressed - 1}, gz: true, wantAsk: true, wantReadErr: tooLarge(compressed-1, false)},
		{name: "gzip over MaxDecompressedSize", cfg: SizeLimitConfig{MaxSize: compressed, MaxDecompressedSize: plain - 1}, gz: true, known: true, wantAsk: true, wantReadErr: tooLarge(plain-1, true), wantReadBytes: plain - 1},
		{name: "gzip bomb: small on the wire, over MaxDecompressedSize", cfg: SizeLimitConfig{MaxSize: compressed, MaxDecompressedSize: 4 * compressed}, gz: true, known: true, wantAsk: true, wantReadErr: tooLarge(4*compressed, true), wantReadBytes: 4 * compressed},

		{name: "net/http decompressed, default caps", gz: true, known: true, decompress: true, wantBody: body},
		{name: "net/http decompressed, over MaxDecompressedSize", cfg: SizeLimitConfig{MaxDecompressedSize: plain - 1}, gz: true, known: true, decompress: true, wantReadErr: tooLarge(plain-1, true), wantReadBytes: plain - 1},
		{name: "net/http decompressed, over equal caps: the decompressed error", cfg: SizeLimitConfig{MaxSize: plain - 1, MaxDecompressedSize: plain - 1}, gz: true, decompress: true, wantReadErr: tooLarge(plain-1, true), wantReadBytes: plain - 1},
		{name: "net/http decompressed, MaxSize off", cfg: SizeLimitConfig{MaxSize: -1, MaxDecompressedSize: plain - 1}, gz: true, decompress: true, wantReadErr: tooLarge(plain-1, true), wantReadBytes: plain - 1},

		{name: "gzip unasked: the caller's", cfg: SizeLimitConfig{MaxSize: plain, MaxDecompressedSize: 10}, gz: true, known: true, wantBody: wire, wantEncoded: true},
		{name: "gzip unasked, unknown length: the caller's", cfg: SizeLimitConfig{MaxSize: plain, MaxDecompressedSize: 10}, gz: true, wantBody: wire, wantEncoded: true},
		{name: "gzip unasked, over MaxSize, known length", cfg: SizeLimitConfig{MaxSize: compressed - 1, MaxDecompressedSize: compressed - 1}, gz: true, known: true, wantTripErr: tooLarge(compressed-1, false)},
		{name: "gzip unasked, over MaxSize, unknown length", cfg: SizeLimitConfig{MaxSize: compressed - 1, MaxDecompressedSize: compressed - 1}, gz: true, wantReadErr: tooLarge(compressed-1, false), wantReadBytes: compressed - 1},

		{name: "caller asked gzip: body left encoded", cfg: SizeLimitConfig{MaxSize: compressed, MaxDecompressedSize: 10}, gz: true, known: true, decompress: true, acceptGzip: true, wantBody: wire, wantEncoded: true},
		{name: "caller asked gzip: over MaxSize", cfg: SizeLimitConfig{MaxSize: compressed - 1}, gz: true, acceptGzip: true, wantReadErr: tooLarge(compressed-1, false), wantReadBytes: compressed - 1},
		{name: "caller asked gzip, MaxSize off: no cap applies", cfg: SizeLimitConfig{MaxSize: -1, MaxDecompressedSize: 10}, gz: true, acceptGzip: true, wantBody: wire, wantEncoded: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := &sizeLimitStub{body: body, gz: tt.gz, known: tt.known, decompress: tt.decompress}
			tr := mustSizeLimit(t, tt.cfg)(stub)
			req, _ := http.NewRequest("GET", "http://es.invalid/idx/_search", nil)
			if tt.acceptGzip {
				req.Header.Set("Accept-Encoding", "gzip")
			}
			resp, err := tr.RoundTrip(req)
			if tt.wantAsk {
				if got := stub.reqs[0].Header.Get("Accept-Encoding"); stub.reqs[0] == req || got != "gzip" {
					t.Errorf("Accept-Encoding sent = %q on the caller's own request %v; want gzip on a copy", got, stub.reqs[0] == req)
				}
				if req.Header.Get("Accept-Encoding") != "" {
					t.Error("the caller's request was modified")
				}
			} else if stub.reqs[0] != req {
				t.Errorf("the request sent is a copy (Accept-Encoding %q), want the caller's own", stub.reqs[0].Header.Get("Accept-Encoding"))
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
			encoded := resp.Header.Get("Content-Encoding") == "gzip"
			if tt.wantReadErr != nil {
				var tl *rt.ResponseTooLargeError
				if !errors.As(err, &tl) || !errors.Is(err, rt.ErrResponseTooLarge) || err.Error() != tt.wantReadErr.Error() {
					t.Fatalf("read error = %v, want %v", err, tt.wantReadErr)
				}
				if tt.wantReadBytes > 0 && int64(len(got)) != tt.wantReadBytes {
					t.Errorf("read %d bytes before the error, want %d", len(got), tt.wantReadBytes)
				}
				if want := map[bool][]byte{false: body, true: wire}[encoded]; !bytes.HasPrefix(want, got) {
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
			if encoded != tt.wantEncoded || resp.Uncompressed == tt.wantEncoded && tt.gz {
				t.Errorf("Content-Encoding %q, Uncompressed %v; want encoded %v", resp.Header.Get("Content-Encoding"), resp.Uncompressed, tt.wantEncoded)
			}
			if tt.gz && !tt.wantEncoded && (resp.ContentLength != -1 || resp.Header.Get("Content-Length") != "") {
				t.Errorf("decompressed response keeps the compressed length: %d %q", resp.ContentLength, resp.Header.Get("Content-Length"))
			}
		})
	}
}

// A body that needs no decompressing and declares a length within its cap
// is the caller's as it came: net/http never reads past a declared length.
func TestSizeLimitDeclaredLengthWithinCap(t *testing.T) {
	body := sizeLimitJSON(1000)
	for _, tt := range []struct {
		name string
		cfg  SizeLimitConfig
		gz   bool
	}{
		{"default caps", SizeLimitConfig{}, false},
		{"at MaxSize, asking for gzip", SizeLimitConfig{MaxSize: int64(len(body))}, false},
		{"at MaxDecompressedSize", SizeLimitConfig{MaxSize: -1, MaxDecompressedSize: int64(len(body))}, false},
		{"gzip the caller asked for", SizeLimitConfig{}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stub := &sizeLimitStub{body: body, known: true, gz: tt.gz}
			req, _ := http.NewRequest("GET", "http://es.invalid/idx/_search", nil)
			if tt.gz {
				req.Header.Set("Accept-Encoding", "gzip")
			}
			resp, err := mustSizeLimit(t, tt.cfg)(stub).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.Body != io.ReadCloser(stub.resp[0]) {
				t.Errorf("body wrapped in a %T", resp.Body)
			}
		})
	}
}

// The body of a 101 Switching Protocols is the raw connection, whatever its
// declared length (net/http says 0): it is capped like a body of unknown
// length.
func TestSizeLimitCapsUpgradedStream(t *testing.T) {
	endless := io.MultiReader(bytes.NewReader(make([]byte, 4<<20)), strings.NewReader("more"))
	stub := rt.Func(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusSwitchingProtocols, Header: http.Header{}, Body: io.NopCloser(endless), ContentLength: 0, Request: req}, nil
	})
	req, _ := http.NewRequest("GET", "http://es.invalid/idx/_search", nil)
	resp, err := mustSizeLimit(t, SizeLimitConfig{MaxSize: 1 << 20, MaxDecompressedSize: 1 << 20})(stub).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if !errors.Is(err, rt.ErrResponseTooLarge) || n != 1<<20 {
		t.Errorf("read %d bytes, error %v; want 1 MiB, then a size error", n, err)
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
		for _, cfg := range []SizeLimitConfig{{MaxSize: 100}, {}} { // asking for gzip or not
			t.Run(fmt.Sprintf("%s/%+v", tt.name, cfg), func(t *testing.T) {
				stub := &sizeLimitStub{body: []byte("0123456789"), known: true}
				req, _ := http.NewRequest(tt.method, "http://es.invalid/idx", nil)
				req.Header = tt.header
				resp, err := mustSizeLimit(t, cfg)(stub).RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if stub.reqs[0] != req {
					t.Errorf("the request sent is a copy with Accept-Encoding %q, want the caller's own", stub.reqs[0].Header.Get("Accept-Encoding"))
				}
			})
		}
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
		wantAsk bool // the middleware asks for gzip and decompresses, or net/http does
		wantErr error
	}{
		{"under both caps", SizeLimitConfig{MaxSize: compressed, MaxDecompressedSize: plain}, true, nil},
		{"compressed size is what MaxSize counts", SizeLimitConfig{MaxSize: compressed}, true, nil},
		{"over MaxSize", SizeLimitConfig{MaxSize: compressed - 1}, true, &rt.ResponseTooLargeError{Limit: compressed - 1}},
		{"over MaxDecompressedSize, MaxSize tighter", SizeLimitConfig{MaxSize: compressed, MaxDecompressedSize: plain - 1}, true, &rt.ResponseTooLargeError{Limit: plain - 1, Decompressed: true}},
		{"default caps", SizeLimitConfig{}, false, nil},
		{"under equal caps", SizeLimitConfig{MaxSize: plain, MaxDecompressedSize: plain}, false, nil},
		{"over MaxDecompressedSize", SizeLimitConfig{MaxDecompressedSize: plain - 1}, false, &rt.ResponseTooLargeError{Limit: plain - 1, Decompressed: true}},
		{"over equal caps", SizeLimitConfig{MaxSize: plain - 1, MaxDecompressedSize: plain - 1}, false, &rt.ResponseTooLargeError{Limit: plain - 1, Decompressed: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sent *http.Request
			tr := mustSizeLimit(t, tt.cfg)(rt.Func(func(req *http.Request) (*http.Response, error) {
				sent = req
				return base.RoundTrip(req)
			}))
			req, _ := http.NewRequest("GET", c.URLs()[0]+"/logs/_doc/1", nil)
			resp, err := tr.RoundTrip(req)
			if err == nil {
				defer resp.Body.Close()
				var got []byte
				if got, err = io.ReadAll(resp.Body); err == nil && !bytes.Equal(got, want) {
					t.Fatalf("body differs from net/http's own decompression: %d vs %d bytes", len(got), len(want))
				}
			}
			if asked := sent != req; asked != tt.wantAsk || asked && sent.Header.Get("Accept-Encoding") != "gzip" {
				t.Errorf("sent a copy %v with Accept-Encoding %q; want a copy asking for gzip: %v", asked, sent.Header.Get("Accept-Encoding"), tt.wantAsk)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, rt.ErrResponseTooLarge) || err.Error() != tt.wantErr.Error() {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !resp.Uncompressed || resp.Header.Get("Content-Encoding") != "" {
				t.Errorf("Uncompressed %v, Content-Encoding %q", resp.Uncompressed, resp.Header.Get("Content-Encoding"))
			}
		})
	}

	for _, cfg := range []SizeLimitConfig{{MaxSize: compressed, MaxDecompressedSize: 1}, {MaxSize: compressed}} {
		t.Run(fmt.Sprintf("caller asked gzip/%+v", cfg), func(t *testing.T) {
			resp, got, err := get(t, mustSizeLimit(t, cfg)(base), http.Header{"Accept-Encoding": {"gzip"}})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, wire) || resp.Header.Get("Content-Encoding") != "gzip" {
				t.Fatal("a caller that asked for gzip did not get the compressed body")
			}
		})
	}
}

// TestSizeLimitNetHTTPGzip sends hostile gzip bodies through a real
// net/http.Transport, with the caps equal as by default (net/http asks for
// gzip and decompresses) and with MaxSize tighter (the middleware does):
// an endless stream and a bomb stop at the decompressed cap, and a broken
// stream is an error, not a short body.
func TestSizeLimitNetHTTPGzip(t *testing.T) {
	const limit = 1 << 20
	var member bytes.Buffer
	zw, _ := stdgzip.NewWriterLevel(&member, stdgzip.BestCompression)
	zw.Write(make([]byte, limit))
	zw.Close()
	bomb := bytes.Repeat(member.Bytes(), 4) // 4 MiB in about 4 KiB
	truncated := sizeLimitGzip(sizeLimitJSON(100_000))
	truncated = truncated[:len(truncated)/2]

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "gzip" {
			http.Error(w, "gzip only", http.StatusNotAcceptable)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		switch r.URL.Path {
		case "/endless": // until the client hangs up, 64 MiB at most
			zw := stdgzip.NewWriter(w)
			chunk := sizeLimitJSON(64 << 10)
			for range 1024 {
				if _, err := zw.Write(chunk); err != nil {
					return
				}
			}
			zw.Close()
		case "/bomb":
			w.Header().Set("Content-Length", fmt.Sprint(len(bomb)))
			w.Write(bomb)
		case "/truncated":
			w.Write(truncated)
		}
	}))
	t.Cleanup(srv.Close)
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)

	for _, cfg := range []SizeLimitConfig{
		{MaxSize: limit, MaxDecompressedSize: limit},     // net/http decompresses
		{MaxSize: limit / 2, MaxDecompressedSize: limit}, // the middleware does
	} {
		tr := mustSizeLimit(t, cfg)(base)
		for _, path := range []string{"/endless", "/bomb", "/truncated"} {
			t.Run(fmt.Sprintf("%+v%s", cfg, path), func(t *testing.T) {
				req, _ := http.NewRequest("GET", srv.URL+path, nil)
				resp, err := tr.RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				if resp.StatusCode != 200 || !resp.Uncompressed {
					t.Fatalf("status %d, Uncompressed %v", resp.StatusCode, resp.Uncompressed)
				}
				n, err := io.Copy(io.Discard, resp.Body)
				if path == "/truncated" {
					if err == nil || errors.Is(err, rt.ErrResponseTooLarge) {
						t.Fatalf("read %d bytes of a broken stream, then %v; want a read error", n, err)
					}
					return
				}
				var tooLarge *rt.ResponseTooLargeError
				if !errors.As(err, &tooLarge) || *tooLarge != (rt.ResponseTooLargeError{Limit: limit, Decompressed: true}) || n != limit {
					t.Fatalf("read %d bytes, then %v; want %d, then the decompressed cap's error", n, err, limit)
				}
			})
		}
	}
}

// TestSizeLimitCorruptGzip checks that a broken gzip stream that the
// middleware decompresses (MaxSize tighter) is an error, not a short body.
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
	for _, tt := range []struct {
		name         string
		cfg          SizeLimitConfig
		gz           bool // Content-Encoding: gzip, which the middleware asked for
		uncompressed bool // decompressed below, as net/http does
	}{
		{"plain", SizeLimitConfig{MaxSize: 1 << 20, MaxDecompressedSize: 1 << 20}, false, false},
		{"decompressed below", SizeLimitConfig{MaxSize: 1 << 20, MaxDecompressedSize: 1 << 20}, false, true},
		{"gzip, decompressed here", SizeLimitConfig{MaxSize: 1 << 20, MaxDecompressedSize: 2 << 20}, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			base := rt.Func(func(req *http.Request) (*http.Response, error) {
				h := http.Header{}
				if tt.gz {
					h.Set("Content-Encoding", "gzip")
				}
				return &http.Response{StatusCode: 200, Header: h, ContentLength: -1, Uncompressed: tt.uncompressed, Body: pr, Request: req}, nil
			})
			req, _ := http.NewRequest("GET", "http://es.invalid/", nil)
			resp, err := mustSizeLimit(t, tt.cfg)(base).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Body == io.ReadCloser(pr) {
				t.Fatal("body not wrapped")
			}
			if tt.gz {
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
		// the bomb goes to a copy of the default transport with both caps
		// at 1 MiB: the same code path (net/http asks for gzip and
		// decompresses, the middleware counts what it decompressed), after
		// checking that the default transport carries the default caps.
		tr, ok := mustSizeLimit(t, SizeLimitConfig{})(nil).(*sizeLimitTransport)
		if !ok || tr.maxSize != DefaultMaxSize || tr.maxDecompressed != DefaultMaxDecompressedSize || tr.countsReceived() {
			t.Fatalf("the zero config gives %#v, want the default caps, equal", tr)
		}
		var member bytes.Buffer
		zw, _ := stdgzip.NewWriterLevel(&member, stdgzip.BestCompression)
		zw.Write(make([]byte, 1<<20))
		zw.Close()
		bomb := bytes.Repeat(member.Bytes(), 4) // 4 MiB in about 4 KiB
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb)
		}))
		t.Cleanup(srv.Close)
		base := &http.Transport{}
		t.Cleanup(base.CloseIdleConnections)
		small := *tr
		small.maxSize, small.maxDecompressed = 1<<20, 1<<20
		small.next = base
		req, _ := http.NewRequest("GET", srv.URL+"/logs/_search", nil)
		resp, err := small.RoundTrip(req)
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
		uncompressed     bool // the endless body was decompressed below
		wantDecompressed bool // which cap stops the endless body
	}{
		{"MaxSize off", SizeLimitConfig{MaxSize: -1, MaxDecompressedSize: 1 << 20}, false, true},
		{"MaxDecompressedSize off", SizeLimitConfig{MaxSize: 1 << 20, MaxDecompressedSize: -1}, false, false},
		// MaxSize caps the decompressed bytes, the only ones there are
		// to count, and says so.
		{"MaxDecompressedSize off, decompressed below", SizeLimitConfig{MaxSize: 1 << 20, MaxDecompressedSize: -1}, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			base := rt.Func(func(req *http.Request) (*http.Response, error) {
				return &http.Response{StatusCode: 200, Header: http.Header{}, ContentLength: -1, Uncompressed: tt.uncompressed, Body: &endlessBody{}, Request: req}, nil
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
	for _, bc := range []struct {
		name                  string
		cfg                   SizeLimitConfig
		gz, known, decompress bool // as sizeLimitStub's
	}{
		{"plain", SizeLimitConfig{}, false, true, false},
		{"plain, unknown length", SizeLimitConfig{}, false, false, false},
		{"gzip, decompressed below", SizeLimitConfig{}, true, true, true},
		{"gzip, decompressed here", SizeLimitConfig{MaxSize: 1 << 20, MaxDecompressedSize: 2 << 20}, true, true, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			stub := &sizeLimitStub{body: body, gz: bc.gz, known: bc.known, decompress: bc.decompress}
			tr := mustSizeLimit(b, bc.cfg)(rt.Func(func(req *http.Request) (*http.Response, error) {
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
