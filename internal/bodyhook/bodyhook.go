// Package bodyhook wraps a response body so that an observer learns,
// exactly once, that the body is done with: read to its end, failed, or
// closed. esrt's middlewares use it to end what an attempt holds (a
// timeout's context, a hedged attempt's context, a node's in-flight count,
// a trace) when the caller is done with the response, as otelhttp's
// wrapped body ends a span.
package bodyhook

import (
	"io"
	"net/http"
	"sync/atomic"
)

// Observer learns how a body ended.
type Observer interface {
	// BodyDone is called exactly once per wrapped body: with io.EOF when
	// the body was read to its end (by Read or WriteTo), with the error a
	// read returned (as [ErrorMapper] mapped it), or with nil when the
	// body was closed first. It may run on any goroutine that reads or
	// closes the body.
	BodyDone(err error)
}

// ReadObserver is an Observer that also sees the bytes the caller gets;
// give it to [Hook.WrapReads].
type ReadObserver interface {
	Observer
	// BodyRead is called with the bytes of each read (or of each write of
	// WriteTo) before the caller gets them; p must not be retained.
	BodyRead(p []byte)
}

// ErrorMapper is an Observer that replaces the errors of reads, io.EOF
// excepted, before the caller and BodyDone see them. A Hook finds it
// with a type assertion when a read fails.
type ErrorMapper interface {
	Observer
	MapError(err error) error
}

// Hook is the wrapper of one body. The zero Hook is ready for one call of
// [Hook.Wrap], [Hook.WrapReads] or [Hook.Start]; it may be embedded in a
// larger struct, so that what a middleware keeps for an attempt takes one
// allocation. Read and Close are safe to call concurrently with each
// other.
type Hook struct {
	rc    io.ReadCloser
	obs   Observer
	done  atomic.Bool
	reads bool // obs is a ReadObserver
}

// Wrap returns the body to hand on in place of rc: h, or WriterTo{h} when
// rc is an [io.WriterTo] (so that io.Copy keeps its fast path). It returns
// rc itself, after calling o.BodyDone at once, when there is nothing to
// wait for: a nil body or [http.NoBody] (BodyDone(io.EOF)), or a body that
// is also an [io.Writer], the connection of a 101 Switching Protocols
// response, whose Write a wrapper would hide (BodyDone(nil)).
func (h *Hook) Wrap(rc io.ReadCloser, o Observer) io.ReadCloser {
	if !h.Start(rc, o) {
		return rc
	}
	if _, ok := rc.(io.WriterTo); ok {
		return WriterTo{h}
	}
	return h
}

// WrapReads is Wrap for an observer that also sees the bytes.
func (h *Hook) WrapReads(rc io.ReadCloser, o ReadObserver) io.ReadCloser {
	h.reads = true
	return h.Wrap(rc, o)
}

// Start is Wrap for a caller that hands on a type of its own, embedding h
// to add methods: it reports whether rc is wrapped, and when it is not,
// o.BodyDone has been called. The caller then hands on its type, with a
// WriteTo method from [WriterTo] when rc is an io.WriterTo.
func (h *Hook) Start(rc io.ReadCloser, o Observer) bool {
	if rc == nil || rc == http.NoBody {
		o.BodyDone(io.EOF)
		return false
	}
	if _, ok := rc.(io.Writer); ok {
		o.BodyDone(nil)
		return false
	}
	h.rc, h.obs = rc, o
	return true
}

// end tells the observer how the body ended, the first time only.
func (h *Hook) end(err error) {
	if !h.done.Swap(true) {
		h.obs.BodyDone(err)
	}
}

// mapError returns err as the observer maps it.
func (h *Hook) mapError(err error) error {
	if m, ok := h.obs.(ErrorMapper); ok && err != io.EOF {
		return m.MapError(err)
	}
	return err
}

// Read reads from the body; its first error ends it.
func (h *Hook) Read(p []byte) (int, error) {
	n, err := h.rc.Read(p)
	if n > 0 && h.reads {
		h.obs.(ReadObserver).BodyRead(p[:n])
	}
	if err != nil {
		err = h.mapError(err)
		h.end(err)
	}
	return n, err
}

// Close closes the body, then ends it.
func (h *Hook) Close() error {
	err := h.rc.Close()
	h.end(nil)
	return err
}

// WriterTo is the face of a Hook whose body is an io.WriterTo.
type WriterTo struct{ *Hook }

// WriteTo writes the rest of the body to w with the body's own WriteTo,
// then ends it: with io.EOF when it succeeded.
func (b WriterTo) WriteTo(w io.Writer) (int64, error) {
	h := b.Hook
	if h.reads {
		w = &tee{w: w, o: h.obs.(ReadObserver)}
	}
	n, err := h.rc.(io.WriterTo).WriteTo(w)
	if err != nil {
		err = h.mapError(err)
		h.end(err)
		return n, err
	}
	h.end(io.EOF)
	return n, nil
}

// tee shows a ReadObserver what WriteTo writes.
type tee struct {
	w io.Writer
	o ReadObserver
}

func (t *tee) Write(p []byte) (int, error) {
	t.o.BodyRead(p)
	return t.w.Write(p)
}
