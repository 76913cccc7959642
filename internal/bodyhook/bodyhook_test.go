package bodyhook

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// recorder is an Observer that records every BodyDone.
type recorder struct {
	mu    sync.Mutex
	calls int
	err   error
}

func (r *recorder) BodyDone(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	r.err = err
}

func (r *recorder) result() (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls, r.err
}

// reader is a recorder that also sees bytes.
type reader struct {
	recorder
	buf bytes.Buffer
}

func (r *reader) BodyRead(p []byte) { r.buf.Write(p) }

// mapper is a recorder that wraps read errors.
type mapper struct{ recorder }

type mapped struct{ err error }

func (e *mapped) Error() string { return "mapped: " + e.err.Error() }
func (e *mapped) Unwrap() error { return e.err }

func (m *mapper) MapError(err error) error { return &mapped{err} }

// body is a ReadCloser that is not an io.WriterTo, failing with err after
// its content.
type body struct {
	r      io.Reader
	err    error
	closes atomic.Int32
}

func newBody(s string, err error) *body { return &body{r: strings.NewReader(s), err: err} }

func (b *body) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF && b.err != nil {
		err = b.err
	}
	return n, err
}

func (b *body) Close() error { b.closes.Add(1); return nil }

// wtBody is a body that is an io.WriterTo.
type wtBody struct{ *body }

func (b wtBody) WriteTo(w io.Writer) (int64, error) {
	n, err := io.Copy(w, b.body.r)
	if err == nil && b.err != nil {
		err = b.err
	}
	return n, err
}

// conn is a body that is also an io.Writer, as a 101 response's is.
type conn struct{ *body }

func (conn) Write(p []byte) (int, error) { return len(p), nil }

var errBroken = errors.New("connection reset")

func TestEnds(t *testing.T) {
	tests := []struct {
		name    string
		use     func(io.ReadCloser) error
		readErr error
		want    error
		closes  int32 // every Close reaches the body
	}{
		{"read to the end", func(rc io.ReadCloser) error { _, err := io.ReadAll(rc); return err }, nil, io.EOF, 1},
		{"read fails", func(rc io.ReadCloser) error { _, err := io.ReadAll(rc); return err }, errBroken, errBroken, 1},
		{"closed unread", func(rc io.ReadCloser) error { return rc.Close() }, nil, nil, 2},
		{"closed after a read", func(rc io.ReadCloser) error {
			rc.Read(make([]byte, 2))
			return rc.Close()
		}, nil, nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			var h Hook
			b := newBody("hello", tt.readErr)
			rc := h.Wrap(b, &rec)
			if rc != io.ReadCloser(&h) {
				t.Fatalf("Wrap returned %T, want the *Hook", rc)
			}
			if rec.calls != 0 {
				t.Fatal("BodyDone ran before the body was used")
			}
			tt.use(rc)
			rc.Close()
			rc.Read(make([]byte, 8))
			if calls, err := rec.result(); calls != 1 || err != tt.want {
				t.Errorf("BodyDone ran %d times, last with %v; want once with %v", calls, err, tt.want)
			}
			if n := b.closes.Load(); n != tt.closes {
				t.Errorf("body closed %d times, want %d", n, tt.closes)
			}
		})
	}
}

func TestUnwrapped(t *testing.T) {
	c := conn{newBody("", nil)}
	tests := []struct {
		name string
		rc   io.ReadCloser
		want error
	}{
		{"nil", nil, io.EOF},
		{"NoBody", http.NoBody, io.EOF},
		{"101 connection", c, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			var h Hook
			if got := h.Wrap(tt.rc, &rec); got != tt.rc {
				t.Errorf("Wrap returned %T, want the body itself", got)
			}
			if calls, err := rec.result(); calls != 1 || err != tt.want {
				t.Errorf("BodyDone ran %d times with %v; want once, at once, with %v", calls, err, tt.want)
			}
		})
	}
}

func TestWriterTo(t *testing.T) {
	var h Hook
	if _, ok := h.Wrap(newBody("x", nil), new(recorder)).(io.WriterTo); ok {
		t.Error("a body without WriteTo gained one")
	}
	for _, tt := range []struct {
		name    string
		readErr error
		want    error
	}{{"success", nil, io.EOF}, {"failure", errBroken, errBroken}} {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			var h Hook
			rc := h.Wrap(wtBody{newBody("hello", tt.readErr)}, &rec)
			wt, ok := rc.(io.WriterTo)
			if !ok {
				t.Fatalf("Wrap returned %T, which lost io.WriterTo", rc)
			}
			var out bytes.Buffer
			n, err := wt.WriteTo(&out)
			if n != 5 || out.String() != "hello" || err != tt.readErr {
				t.Errorf("WriteTo = %d, %v, wrote %q", n, err, out.String())
			}
			rc.Close()
			if calls, err := rec.result(); calls != 1 || err != tt.want {
				t.Errorf("BodyDone ran %d times, last with %v; want once with %v", calls, err, tt.want)
			}
		})
	}
}

func TestMapError(t *testing.T) {
	t.Run("Read", func(t *testing.T) {
		var m mapper
		var h Hook
		rc := h.Wrap(newBody("ab", errBroken), &m)
		_, err := io.ReadAll(rc)
		var me *mapped
		if !errors.As(err, &me) || !errors.Is(err, errBroken) {
			t.Errorf("read error %v, want it mapped", err)
		}
		if _, done := m.result(); done != err {
			t.Errorf("BodyDone got %v, want the mapped error %v", done, err)
		}
	})
	t.Run("EOF is not mapped", func(t *testing.T) {
		var m mapper
		var h Hook
		rc := h.Wrap(newBody("ab", nil), &m)
		if _, err := io.ReadAll(rc); err != nil {
			t.Errorf("ReadAll = %v: io.EOF was mapped", err)
		}
		if _, done := m.result(); done != io.EOF {
			t.Errorf("BodyDone got %v, want io.EOF", done)
		}
	})
	t.Run("WriteTo", func(t *testing.T) {
		var m mapper
		var h Hook
		rc := h.Wrap(wtBody{newBody("ab", errBroken)}, &m)
		_, err := rc.(io.WriterTo).WriteTo(io.Discard)
		var me *mapped
		if !errors.As(err, &me) {
			t.Errorf("WriteTo error %v, want it mapped", err)
		}
		if _, done := m.result(); done != err {
			t.Errorf("BodyDone got %v, want the mapped error", done)
		}
	})
}

func TestReadObserver(t *testing.T) {
	const text = "the quick brown fox"
	t.Run("Read", func(t *testing.T) {
		var r reader
		var h Hook
		rc := h.WrapReads(newBody(text, nil), &r)
		got, _ := io.ReadAll(iotestHalf{rc})
		if string(got) != text || r.buf.String() != text {
			t.Errorf("caller got %q, observer saw %q; want %q for both", got, r.buf.String(), text)
		}
	})
	t.Run("WriteTo", func(t *testing.T) {
		var r reader
		var h Hook
		rc := h.WrapReads(wtBody{newBody(text, nil)}, &r)
		var out bytes.Buffer
		rc.(io.WriterTo).WriteTo(&out)
		if out.String() != text || r.buf.String() != text {
			t.Errorf("caller got %q, observer saw %q; want %q for both", out.String(), r.buf.String(), text)
		}
	})
}

// iotestHalf reads at most half of what is asked, so that a body takes
// several reads.
type iotestHalf struct{ r io.Reader }

func (h iotestHalf) Read(p []byte) (int, error) { return h.r.Read(p[:max(1, len(p)/2)]) }

// TestOnceUnderRace reads, writes to and closes one body from several
// goroutines at once: BodyDone runs once. Run with -race.
func TestOnceUnderRace(t *testing.T) {
	for range 200 {
		var rec recorder
		var h Hook
		rc := h.Wrap(wtBody{&body{r: &lockedReader{r: strings.NewReader(strings.Repeat("x", 4096))}}}, &rec)
		var wg sync.WaitGroup
		for i := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				switch i % 3 {
				case 0:
					io.Copy(io.Discard, iotestHalf{rc})
				case 1:
					rc.(io.WriterTo).WriteTo(io.Discard)
				default:
					rc.Close()
				}
			}()
		}
		wg.Wait()
		if calls, _ := rec.result(); calls != 1 {
			t.Fatalf("BodyDone ran %d times, want 1", calls)
		}
	}
}

// lockedReader is a reader safe for concurrent use, as a network body is.
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

// TestEmbedded: a Hook embedded in a caller's struct takes no allocation
// of its own, with either face.
func TestEmbedded(t *testing.T) {
	type attempt struct {
		other [4]int
		hook  Hook
		rec   recorder
	}
	a := new(attempt)
	b := newBody("x", nil)
	wt := wtBody{b}
	allocs := testing.AllocsPerRun(100, func() {
		a.hook = Hook{}
		a.hook.Wrap(b, &a.rec).Close()
		a.hook = Hook{}
		a.hook.Wrap(wt, &a.rec).Close()
	})
	if allocs != 0 {
		t.Errorf("Wrap allocates %v times", allocs)
	}
}
