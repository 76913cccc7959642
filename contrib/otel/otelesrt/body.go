package otelesrt

import (
	"io"
	"net/http"
	"sync/atomic"
)

// readBody writes req's body to w from a fresh copy from GetBody, without
// consuming the body (for the bodies of http.NewRequest, GetBody gives the
// caller's bytes again, written to w in one piece: nothing is buffered).
// It reports whether w has seen the whole body; false when the body has no
// GetBody, which [tapBody] then observes as it streams.
func readBody(req *http.Request, w io.Writer) bool {
	if req.Body == nil || req.Body == http.NoBody {
		return true
	}
	if req.GetBody == nil {
		return false
	}
	body, err := req.GetBody()
	if err != nil {
		return false
	}
	_, err = io.Copy(w, body)
	body.Close()
	return err == nil || err == errQueryFull
}

// tapBody makes out's body write what is read from it to w, and returns
// the tap; nil when out has no body.
func tapBody(out *http.Request, w io.Writer) *tap {
	if out.Body == nil || out.Body == http.NoBody {
		return nil
	}
	t := &tap{rc: out.Body, w: w}
	out.Body = t
	return t
}

// tap copies what is read from a request body to w. Only the goroutine
// that reads the body writes to w; eof, set after the last write, tells
// another goroutine that w is complete and may be read.
type tap struct {
	rc  io.ReadCloser
	w   io.Writer
	eof atomic.Bool
}

func (t *tap) Read(p []byte) (int, error) {
	n, err := t.rc.Read(p)
	if n > 0 {
		t.w.Write(p[:n]) // errQueryFull only: the rest is not wanted
	}
	if err == io.EOF {
		t.eof.Store(true)
	}
	return n, err
}

func (t *tap) Close() error { return t.rc.Close() }

// complete reports whether the whole body went through the tap.
func (t *tap) complete() bool { return t != nil && t.eof.Load() }

// responseBody ends the call when the caller has read the response body
// to its end, or closed it, or reading it failed.
type responseBody struct {
	rc  io.ReadCloser
	end func(err error)
	ok  atomic.Bool // set once end has been called
}

func (b *responseBody) finish(err error) {
	if b.ok.CompareAndSwap(false, true) {
		b.end(err)
	}
}

func (b *responseBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	switch {
	case err == io.EOF:
		b.finish(nil)
	case err != nil:
		b.finish(err)
	}
	return n, err
}

func (b *responseBody) Close() error {
	err := b.rc.Close()
	b.finish(nil)
	return err
}

// responseBodyWriterTo keeps the io.WriterTo of the body it wraps (esrt's
// router keeps it), so that io.Copy from the response stays one copy.
type responseBodyWriterTo struct{ *responseBody }

func (b responseBodyWriterTo) WriteTo(w io.Writer) (int64, error) {
	n, err := b.rc.(io.WriterTo).WriteTo(w)
	b.finish(err)
	return n, err
}

// wrapResponseBody returns rc wrapped so that end is called once when the
// response is done with, keeping io.WriterTo.
func wrapResponseBody(rc io.ReadCloser, end func(error)) io.ReadCloser {
	b := &responseBody{rc: rc, end: end}
	if _, ok := rc.(io.WriterTo); ok {
		return responseBodyWriterTo{b}
	}
	return b
}
