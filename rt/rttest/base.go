package rttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
)

// Headers the kit and its stub base use to tell requests and responses apart.
const (
	idHeader   = "X-Rttest-Id"   // set on each request of the concurrency rule, echoed back
	baseHeader = "X-Rttest-Base" // set on every response the base returns: its status code
)

var (
	// errTransport is what the base returns when a scenario makes it fail,
	// standing in for a refused connection.
	errTransport = errors.New("rttest: scripted transport error")
	// errReleased is what a blocked base returns when the kit gives up on
	// the middleware under test and lets it go.
	errReleased = errors.New("rttest: blocked request released by the kit")
	// errReadClosed is what a tracked body returns when read after Close, as
	// bodies of net/http do.
	errReadClosed = errors.New("rttest: read on closed body")
)

// answer is how the base answers every request it gets.
type answer int

const (
	answerStatus answer = iota // a response with base.status
	answerError                // errTransport, no response
	answerBlock                // block until the request's context is done or the kit releases it
)

// base is the next RoundTripper the kit hands to the middleware under test.
// Like [http.Transport] it reads and closes the request body on every path
// and returns the context's error when the context is done. It records the
// contexts it saw, counts CloseIdleConnections calls and tracks every
// response body it hands out.
type base struct {
	answer  answer
	status  int
	entered chan struct{} // closed when the first request arrives
	release chan struct{} // answerBlock: closed by the kit to let blocked calls return
	idle    atomic.Int64  // CloseIdleConnections calls

	enterOnce sync.Once
	mu        sync.Mutex
	ctxs      []context.Context
	bodies    []*trackedBody
}

func newBase(a answer, status int) *base {
	return &base{
		answer:  a,
		status:  status,
		entered: make(chan struct{}),
		release: make(chan struct{}),
	}
}

func (b *base) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	ctx := req.Context()
	b.mu.Lock()
	b.ctxs = append(b.ctxs, ctx)
	b.mu.Unlock()
	b.enterOnce.Do(func() { close(b.entered) })

	switch b.answer {
	case answerError:
		return nil, errTransport
	case answerBlock:
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-b.release:
			return nil, errReleased
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	id := req.Header.Get(idHeader)
	body := newTrackedBody([]byte(content(b.status, id)))
	b.mu.Lock()
	b.bodies = append(b.bodies, body)
	b.mu.Unlock()
	h := http.Header{
		"Content-Type": {"application/json"},
		baseHeader:     {strconv.Itoa(b.status)},
	}
	if id != "" {
		h.Set(idHeader, id)
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", b.status, http.StatusText(b.status)),
		StatusCode:    b.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          body,
		ContentLength: int64(body.Len()),
		Request:       req,
	}, nil
}

func (b *base) CloseIdleConnections() { b.idle.Add(1) }

// contexts returns the contexts of the requests the base got so far.
func (b *base) contexts() []context.Context {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]context.Context(nil), b.ctxs...)
}

// unclosed returns how many response bodies the base handed out, and how
// many of those are not closed yet.
func (b *base) unclosed() (open, total int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, body := range b.bodies {
		if body.Closes() == 0 {
			open++
		}
	}
	return open, len(b.bodies)
}

// content is the body the base answers with for status and a request id.
func content(status int, id string) string {
	return fmt.Sprintf(`{"status":%d,"id":%q}`, status, id)
}

// trackedBody is a request or response body that counts its Close calls.
// Read after Close fails, as it does for the bodies of net/http.
type trackedBody struct {
	mu     sync.Mutex
	r      *bytes.Reader
	closes atomic.Int32
}

func newTrackedBody(p []byte) *trackedBody { return &trackedBody{r: bytes.NewReader(p)} }

func (b *trackedBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closes.Load() > 0 {
		return 0, errReadClosed
	}
	return b.r.Read(p)
}

func (b *trackedBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closes.Add(1)
	return nil
}

// Closes reports how many times Close was called.
func (b *trackedBody) Closes() int { return int(b.closes.Load()) }

// Len is the size of the whole body.
func (b *trackedBody) Len() int { return int(b.r.Size()) }
