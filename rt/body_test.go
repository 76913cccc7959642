package rt

import (
	"bytes"
	"errors"
	"github.com/esrt-dev/esrt/internal/bufpool"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// trackedBody counts reads and closes of a request body.
type trackedBody struct {
	r      io.Reader
	read   atomic.Int64
	closes atomic.Int32
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read.Add(int64(n))
	return n, err
}

func (b *trackedBody) Close() error { b.closes.Add(1); return nil }

func newPost(t testing.TB, body io.ReadCloser, contentLength int64) *http.Request {
	t.Helper()
	req, err := http.NewRequest("POST", "http://es:9200/idx/_search", body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = contentLength
	return req
}

func readAll(t testing.TB, rc io.ReadCloser) []byte {
	t.Helper()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	if err := rc.Close(); err != nil {
		t.Fatalf("close body: %v", err)
	}
	return b
}

func checkPoolBalanced(t *testing.T, before int64) {
	t.Helper()
	if got := bufpool.Outstanding(); got != before {
		t.Errorf("%d pooled buffers not returned", got-before)
	}
}

func TestReplayableBodySameBytesEveryTime(t *testing.T) {
	const limit = 4096
	random := make([]byte, limit)
	for i := range random {
		random[i] = byte(rand.IntN(256))
	}
	tests := []struct {
		name          string
		body          []byte
		contentLength int64
	}{
		{"small unknown length", []byte(`{"query":{"match_all":{}}}`), -1},
		{"small zero length means unknown", []byte(`{"size":0}`), 0},
		{"known length", []byte("{\"index\":{}}\n{\"a\":1}\n"), 21},
		{"empty reader", nil, -1},
		{"exactly the limit", random, limit},
		{"exactly the limit, unknown length", random, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := bufpool.Outstanding()
			orig := &trackedBody{r: bytes.NewReader(tt.body)}
			req := newPost(t, orig, tt.contentLength)

			out, release, err := ReplayableBody(req, limit)
			if err != nil {
				t.Fatal(err)
			}
			if out == req {
				t.Fatal("ReplayableBody returned the caller's request for a body it buffered")
			}
			if req.Body != orig || req.GetBody != nil || req.ContentLength != tt.contentLength {
				t.Fatal("ReplayableBody modified the caller's request")
			}
			if !CanReplay(out) {
				t.Fatal("result is not replayable")
			}
			if out.ContentLength != int64(len(tt.body)) {
				t.Errorf("ContentLength = %d, want %d", out.ContentLength, len(tt.body))
			}
			if got := orig.closes.Load(); got != 1 {
				t.Errorf("original body closed %d times, want 1", got)
			}
			if got := readAll(t, out.Body); !bytes.Equal(got, tt.body) {
				t.Fatalf("Body = %q, want %q", got, tt.body)
			}
			for i := range 3 {
				rc, err := out.GetBody()
				if err != nil {
					t.Fatal(err)
				}
				if got := readAll(t, rc); !bytes.Equal(got, tt.body) {
					t.Fatalf("GetBody #%d = %q, want %q", i, got, tt.body)
				}
			}
			release()
			release() // a second release is harmless
			checkPoolBalanced(t, before)
		})
	}
}

func TestReplayableBodyLeavesReplayableRequestsAlone(t *testing.T) {
	withGetBody, _ := http.NewRequest("POST", "http://es/_search", strings.NewReader("{}"))
	noBody, _ := http.NewRequest("GET", "http://es/", nil)
	explicitNoBody, _ := http.NewRequest("GET", "http://es/", http.NoBody)
	for _, req := range []*http.Request{withGetBody, noBody, explicitNoBody} {
		before := bufpool.Outstanding()
		out, release, err := ReplayableBody(req, 1<<20)
		if err != nil || out != req {
			t.Fatalf("ReplayableBody = %p, %v; want the request itself", out, err)
		}
		release()
		checkPoolBalanced(t, before)
	}
}

func TestReplayableBodyOverLimitStreamsOnce(t *testing.T) {
	const limit = 1000
	body := bytes.Repeat([]byte("0123456789"), 500) // 5000 bytes

	t.Run("unknown length", func(t *testing.T) {
		before := bufpool.Outstanding()
		orig := &trackedBody{r: bytes.NewReader(body)}
		req := newPost(t, orig, -1)
		out, release, err := ReplayableBody(req, limit)
		if err != nil {
			t.Fatal(err)
		}
		if CanReplay(out) || out.GetBody != nil {
			t.Fatal("a body over the limit is reported replayable")
		}
		if got := orig.read.Load(); got > limit+1 {
			t.Fatalf("read %d bytes before sending, want at most limit+1 = %d", got, limit+1)
		}
		if got := orig.closes.Load(); got != 0 {
			t.Fatal("original body closed before it was sent")
		}
		release() // the owner may release before the transport is done
		if got := readAll(t, out.Body); !bytes.Equal(got, body) {
			t.Fatalf("streamed %d bytes, want the whole %d-byte body", len(got), len(body))
		}
		out.Body.Close()
		if got := orig.closes.Load(); got != 1 {
			t.Errorf("original body closed %d times, want 1", got)
		}
		checkPoolBalanced(t, before)
	})

	t.Run("known length", func(t *testing.T) {
		before := bufpool.Outstanding()
		orig := &trackedBody{r: bytes.NewReader(body)}
		req := newPost(t, orig, int64(len(body)))
		out, release, err := ReplayableBody(req, limit)
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		if out != req || CanReplay(out) {
			t.Fatal("a body known to be over the limit was not passed through as is")
		}
		if got := orig.read.Load(); got != 0 {
			t.Fatalf("read %d bytes of a body known to be too large", got)
		}
		checkPoolBalanced(t, before)
	})

	t.Run("zero limit never buffers", func(t *testing.T) {
		orig := &trackedBody{r: bytes.NewReader(body)}
		req := newPost(t, orig, -1)
		out, release, err := ReplayableBody(req, 0)
		if err != nil || out != req || orig.read.Load() != 0 {
			t.Fatalf("limit 0: out=%p err=%v read=%d", out, err, orig.read.Load())
		}
		release()
	})
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestReplayableBodyReadError(t *testing.T) {
	before := bufpool.Outstanding()
	boom := errors.New("disk on fire")
	orig := &trackedBody{r: io.MultiReader(strings.NewReader("partial"), errReader{boom})}
	out, release, err := ReplayableBody(newPost(t, orig, -1), 1<<20)
	release()
	if out != nil || !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "esrt: read request body: ") {
		t.Fatalf("ReplayableBody = %v, %v; want nil and a wrapped read error", out, err)
	}
	if got := orig.closes.Load(); got != 1 {
		t.Errorf("original body closed %d times, want 1", got)
	}
	checkPoolBalanced(t, before)
}

func TestReplayableBodyReadAfterClose(t *testing.T) {
	out, release, err := ReplayableBody(newPost(t, io.NopCloser(strings.NewReader("abcdef")), -1), 100)
	if err != nil {
		t.Fatal(err)
	}
	release()
	p := make([]byte, 2)
	if n, err := out.Body.Read(p); n != 2 || err != nil {
		t.Fatalf("Read = %d, %v", n, err)
	}
	out.Body.Close()
	out.Body.Close() // idempotent: must not drop a second reference
	if n, err := out.Body.Read(p); n != 0 || err == nil {
		t.Fatalf("Read after Close = %d, %v; want an error", n, err)
	}
}

// TestReplayableBodyBufferNotReusedWhileReadable runs many requests whose
// owners release early while slow "transports" still read the bodies, with
// other requests taking buffers from the pool meanwhile. If a buffer went
// back to the pool while a reader could still read it, a reader would see
// another request's bytes, and the race detector would see the write.
func TestReplayableBodyBufferNotReusedWhileReadable(t *testing.T) {
	before := bufpool.Outstanding()
	const workers, perWorker = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				want := bytes.Repeat([]byte{byte('a' + (w*perWorker+i)%26)}, 300+i)
				out, release, err := ReplayableBody(newPost(t, io.NopCloser(bytes.NewReader(want)), -1), 1<<16)
				if err != nil {
					errs <- err
					return
				}
				retry, _ := out.GetBody()
				// The first attempt's body is closed by its transport and
				// the owner releases: the retry's body keeps the buffer.
				out.Body.Close()
				release()
				done := make(chan []byte)
				go func() {
					got, _ := io.ReadAll(retry)
					retry.Close()
					done <- got
				}()
				if got := <-done; !bytes.Equal(got, want) {
					errs <- errors.New("a body read another request's bytes")
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	checkPoolBalanced(t, before)
}

func BenchmarkReplayableBody(b *testing.B) {
	body := bytes.Repeat([]byte(`{"query":{"match_all":{}}}`), 40) // ~1 KiB
	r := bytes.NewReader(body)
	rc := io.NopCloser(r)
	req := newPost(b, rc, -1)
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(body)
		out, release, err := ReplayableBody(req, 1<<20)
		if err != nil {
			b.Fatal(err)
		}
		out.Body.Close()
		release()
	}
}
