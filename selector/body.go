package selector

import (
	"io"
	"net/http"
	"sync/atomic"

	"github.com/esrt-dev/esrt/rt"
)

// trackBody returns body wrapped so that the attempt stops counting as in
// flight for h once, when the body is read to its end (or fails) or closed,
// whichever comes first. Outstanding requests, for the latency-aware
// selector, are those whose answer is still coming.
//
// Bodies without content are not wrapped, nor is a body that is also an
// io.Writer (a 101 Switching Protocols connection, which is not an
// outstanding request): the attempt ends at once. The wrapper keeps
// io.WriterTo, as otelhttp's does, so that io.Copy keeps its fast path.
func trackBody(body io.ReadCloser, h *health) io.ReadCloser {
	return new(trackedBody).track(body, h, nil)
}

// track is trackBody with the wrapper's memory supplied by the caller; the
// wrapper reports node through its Node method (see routing.NodeOf).
func (tb *trackedBody) track(body io.ReadCloser, h *health, node *rt.Node) io.ReadCloser {
	if body == nil || body == http.NoBody {
		h.inflight.Add(-1)
		return body
	}
	if _, ok := body.(io.Writer); ok {
		h.inflight.Add(-1)
		return body
	}
	tb.rc, tb.h, tb.node = body, h, node
	if _, ok := body.(io.WriterTo); ok {
		return writerToBody{tb}
	}
	return tb
}

type trackedBody struct {
	rc       io.ReadCloser
	h        *health
	node     *rt.Node
	finished atomic.Bool
}

// Node returns the node that answered (see routing.NodeOf).
func (b *trackedBody) Node() *rt.Node { return b.node }

func (b *trackedBody) finish() {
	if !b.finished.Swap(true) {
		b.h.inflight.Add(-1)
	}
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil {
		b.finish()
	}
	return n, err
}

func (b *trackedBody) Close() error {
	b.finish()
	return b.rc.Close()
}

type writerToBody struct{ *trackedBody }

func (b writerToBody) WriteTo(w io.Writer) (int64, error) {
	n, err := b.rc.(io.WriterTo).WriteTo(w)
	b.finish()
	return n, err
}
