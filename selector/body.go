package selector

import (
	"io"

	"github.com/esrt-dev/esrt/internal/bodyhook"
	"github.com/esrt-dev/esrt/rt"
)

// trackedBody is the router's wrapper of a response body: a
// [bodyhook.Hook] that also reports the node that answered, through its
// Node method (see routing.NodeOf).
type trackedBody struct {
	bodyhook.Hook // its observer is the node's health: BodyDone ends the attempt
	node          *rt.Node
}

// track returns body wrapped so that the attempt stops counting as in
// flight for h once, when the body is read to its end (or fails) or closed,
// whichever comes first: outstanding requests, for the latency-aware
// selector, are those whose answer is still coming. The wrapper reports
// node through its Node method (see routing.NodeOf), and keeps io.WriterTo.
//
// Bodies without content are not wrapped, nor is a body that is also an
// io.Writer (a 101 Switching Protocols connection, which is not an
// outstanding request): the attempt ends at once.
func (tb *trackedBody) track(body io.ReadCloser, h *health, node *rt.Node) io.ReadCloser {
	tb.node = node
	if !tb.Start(body, h) {
		return body
	}
	if _, ok := body.(io.WriterTo); ok {
		return writerToBody{tb}
	}
	return tb
}

// Node returns the node that answered (see routing.NodeOf).
func (tb *trackedBody) Node() *rt.Node { return tb.node }

// BodyDone ends the attempt for the in-flight count.
// BodyDone ends an attempt to the node: it is no longer in flight. The
// health is the observer of the attempt's body, so that the body tracker
// needs no pointer of its own to it.
func (h *health) BodyDone(error) { h.inflight.Add(-1) }

// writerToBody is a trackedBody whose body is an io.WriterTo.
type writerToBody struct{ *trackedBody }

func (b writerToBody) WriteTo(w io.Writer) (int64, error) {
	return bodyhook.WriterTo{Hook: &b.Hook}.WriteTo(w)
}
