package middleware

import (
	"bytes"
	stdgzip "compress/gzip"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/esrt-dev/esrt/internal/bufpool"
	"github.com/esrt-dev/esrt/rt"
)

// bulkBody returns an NDJSON bulk body of about size bytes.
func bulkBody(size int) []byte {
	var b bytes.Buffer
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, `{"index":{"_index":"logs","_id":"%d"}}`+"\n", i)
		fmt.Fprintf(&b, `{"@timestamp":"2026-11-23T10:%02d:%02dZ","level":"info","service":"checkout","latency_ms":%d,"message":"order %d paid by user %d"}`+"\n",
			i/60%60, i%60, r.IntN(900), r.IntN(1e6), r.IntN(1e4))
	}
	return b.Bytes()
}

// gunzipBase decodes every body it gets (Body, then GetBody replays) and
// records what it decoded.
type gunzipBase struct {
	mu      sync.Mutex
	decoded [][]byte
	headers []http.Header
	lengths []int64
	replays int // extra attempts to make through GetBody
}

func (g *gunzipBase) RoundTrip(req *http.Request) (*http.Response, error) {
	bodies := []io.ReadCloser{req.Body}
	for range g.replays {
		if req.GetBody == nil {
			break
		}
		b, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		bodies = append(bodies, b)
	}
	for _, body := range bodies {
		raw, err := io.ReadAll(body)
		body.Close()
		if err != nil {
			return nil, err
		}
		plain := raw
		if req.Header.Get("Content-Encoding") == "gzip" {
			zr, err := stdgzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				return nil, err
			}
			if plain, err = io.ReadAll(zr); err != nil {
				return nil, err
			}
			if req.ContentLength >= 0 && int64(len(raw)) != req.ContentLength {
				return nil, fmt.Errorf("ContentLength %d, body %d bytes", req.ContentLength, len(raw))
			}
		}
		g.mu.Lock()
		g.decoded = append(g.decoded, plain)
		g.headers = append(g.headers, req.Header.Clone())
		g.lengths = append(g.lengths, req.ContentLength)
		g.mu.Unlock()
	}
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
}

func mustGzip(t testing.TB, cfg GzipConfig) rt.Middleware {
	t.Helper()
	mw, err := Gzip(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return mw
}

func TestGzipCompressesOnceAndReplays(t *testing.T) {
	before := bufpool.Outstanding()
	body := bulkBody(200 << 10)
	base := &gunzipBase{replays: 3}
	orig := &countingBody{Reader: bytes.NewReader(body)}
	req, _ := http.NewRequest("POST", "http://es/_bulk", orig)
	req.Header.Set("Content-Type", "application/x-ndjson")

	res, err := mustGzip(t, GzipConfig{})(base).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if len(base.decoded) != 4 {
		t.Fatalf("decoded %d bodies, want 4 (first attempt and 3 replays)", len(base.decoded))
	}
	for i, got := range base.decoded {
		if !bytes.Equal(got, body) {
			t.Fatalf("attempt %d decoded %d bytes that differ from the %d-byte original", i, len(got), len(body))
		}
		if h := base.headers[i]; h.Get("Content-Encoding") != "gzip" || h.Get("Content-Type") != "application/x-ndjson" {
			t.Fatalf("attempt %d headers %v", i, h)
		}
		if base.lengths[i] <= 0 || base.lengths[i] >= int64(len(body)) {
			t.Fatalf("attempt %d ContentLength %d, want the compressed size", i, base.lengths[i])
		}
	}
	if orig.closes.Load() != 1 {
		t.Errorf("original body closed %d times, want 1", orig.closes.Load())
	}
	if req.Header.Get("Content-Encoding") != "" || req.Body != orig {
		t.Error("the caller's request was modified")
	}
	if got := bufpool.Outstanding(); got != before {
		t.Errorf("%d buffers not returned to the pool", got-before)
	}
}

type countingBody struct {
	io.Reader
	closes atomic.Int32
}

func (b *countingBody) Close() error { b.closes.Add(1); return nil }

func TestGzipPassesThrough(t *testing.T) {
	tests := []struct {
		name string
		req  func() *http.Request
		cfg  GzipConfig
	}{
		{"no body", func() *http.Request { r, _ := http.NewRequest("GET", "http://es/", nil); return r }, GzipConfig{}},
		{"already encoded", func() *http.Request {
			r, _ := http.NewRequest("POST", "http://es/_bulk", strings.NewReader("x"))
			r.Header.Set("Content-Encoding", "br")
			return r
		}, GzipConfig{}},
		{"smaller than MinSize", func() *http.Request {
			r, _ := http.NewRequest("POST", "http://es/_search", strings.NewReader(`{"size":1}`))
			return r
		}, GzipConfig{MinSize: 1024}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := &capture{}
			req := tt.req()
			res, err := mustGzip(t, tt.cfg)(base).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if base.request() != req {
				t.Error("request was not passed through as it is")
			}
		})
	}
}

func TestGzipOverMaxBufferStreamsOnce(t *testing.T) {
	before := bufpool.Outstanding()
	// Random bytes barely compress, so the compressed size passes MaxBuffer.
	body := make([]byte, 300<<10)
	for i := range body {
		body[i] = byte(rand.IntN(256))
	}
	orig := &countingBody{Reader: bytes.NewReader(body)}
	base := &gunzipBase{replays: 1}
	req, _ := http.NewRequest("POST", "http://es/_bulk", orig)
	res, err := mustGzip(t, GzipConfig{MaxBuffer: 64 << 10})(base).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if len(base.decoded) != 1 {
		t.Fatalf("sent %d times, want once (a streamed body has no GetBody)", len(base.decoded))
	}
	if !bytes.Equal(base.decoded[0], body) {
		t.Fatal("streamed body does not decode to the original")
	}
	if base.lengths[0] != -1 {
		t.Errorf("ContentLength %d, want -1 (unknown) for a streamed body", base.lengths[0])
	}
	if orig.closes.Load() != 1 {
		t.Errorf("original closed %d times, want 1", orig.closes.Load())
	}
	if got := bufpool.Outstanding(); got != before {
		t.Errorf("%d buffers not returned to the pool", got-before)
	}
}

func TestGzipReadError(t *testing.T) {
	before := bufpool.Outstanding()
	boom := errors.New("boom")
	orig := &countingBody{Reader: io.MultiReader(strings.NewReader("abc"), errReader{boom})}
	req, _ := http.NewRequest("POST", "http://es/_bulk", orig)
	base := &capture{}
	res, err := mustGzip(t, GzipConfig{})(base).RoundTrip(req)
	if res != nil || !errors.Is(err, boom) {
		t.Fatalf("RoundTrip = %v, %v; want the read error", res, err)
	}
	if base.request() != nil {
		t.Error("a request whose body could not be read was sent")
	}
	if orig.closes.Load() != 1 {
		t.Errorf("original closed %d times, want 1", orig.closes.Load())
	}
	if got := bufpool.Outstanding(); got != before {
		t.Errorf("%d buffers not returned", got-before)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestGzipConfigErrors(t *testing.T) {
	for _, cfg := range []GzipConfig{{Level: 10}, {Level: -1}, {MinSize: -1}} {
		if _, err := Gzip(cfg); !errors.Is(err, rt.ErrInvalidConfig) {
			t.Errorf("Gzip(%+v) error = %v, want ErrInvalidConfig", cfg, err)
		}
	}
}

// discard reads and closes the body, like a transport writing it out.
type discard struct{}

func (discard) RoundTrip(req *http.Request) (*http.Response, error) {
	io.Copy(io.Discard, req.Body)
	req.Body.Close()
	return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
}

// stdlibGzip is the baseline: the standard library's writer allocated for
// every request, as a client without pooling does.
func stdlibGzip(level int) rt.Middleware {
	return func(next http.RoundTripper) http.RoundTripper {
		return rt.Func(func(req *http.Request) (*http.Response, error) {
			var buf bytes.Buffer
			zw, _ := stdgzip.NewWriterLevel(&buf, level)
			io.Copy(zw, req.Body)
			zw.Close()
			req.Body.Close()
			out := req.Clone(req.Context())
			out.Header.Set("Content-Encoding", "gzip")
			out.Body = io.NopCloser(&buf)
			out.ContentLength = int64(buf.Len())
			return next.RoundTrip(out)
		})
	}
}

// BenchmarkGzip compares esrt's pooled compression of a 1 MiB bulk body with
// the standard library's writer allocated per request, at the default level
// and at the fastest.
func BenchmarkGzip(b *testing.B) {
	body := bulkBody(1 << 20)
	for _, lv := range []struct {
		name  string
		esrt  int
		stdlb int
	}{{"default", 0, stdgzip.DefaultCompression}, {"fastest", 1, stdgzip.BestSpeed}} {
		for _, impl := range []struct {
			name string
			mw   rt.Middleware
		}{
			{"esrt", mustGzip(b, GzipConfig{Level: lv.esrt})},
			{"stdlib", stdlibGzip(lv.stdlb)},
		} {
			b.Run(lv.name+"/"+impl.name, func(b *testing.B) {
				tr := impl.mw(discard{})
				r := bytes.NewReader(body)
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for b.Loop() {
					r.Reset(body)
					req, _ := http.NewRequest("POST", "http://es/_bulk", io.NopCloser(r))
					res, err := tr.RoundTrip(req)
					if err != nil {
						b.Fatal(err)
					}
					res.Body.Close()
				}
			})
		}
	}
}
