package client

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
)

// post sends one _bulk request with body and returns the response body,
// which is the worker's buffer: valid until the next post. An answer with
// a status of 300 or more is an *Error.
//
// It is the client's do, with two differences that matter for a bulk
// load: the response is read into a buffer the worker reuses, and the
// request body is the worker's buffer behind a fence, so that the buffer
// can be reused at once: net/http may still read a request body after
// RoundTrip returned (while it gives up on a connection), and after post
// returns such reads fail instead of racing with the next request.
func (w *bulkWorker) post(body []byte) ([]byte, error) {
	b := w.b
	k := call{
		id:      "bulk",
		method:  http.MethodPost,
		path:    b.cfg.path,
		query:   b.cfg.query,
		indices: b.cfg.indices,
		ndjson:  true,
	}
	req, err := b.c.request(b.ctx, &k)
	if err != nil {
		return nil, err
	}
	f := &bodyFence{b: body}
	req.Body = f.open()
	req.GetBody = func() (io.ReadCloser, error) { return f.open(), nil }
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", "application/x-ndjson")
	b.stats.requests.Add(1)
	b.stats.bytes.Add(uint64(len(body)))
	resp, err := b.c.doer.Do(req)
	if err != nil {
		f.seal()
		return nil, fmt.Errorf("esrt: bulk: %w", err)
	}
	if n := resp.ContentLength; n > 0 && n <= int64(2*b.cfg.FlushBytes) {
		w.resp = slices.Grow(w.resp[:0], int(n)+1)
	}
	w.resp, err = appendReadAll(w.resp[:0], resp.Body)
	resp.Body.Close()
	f.seal()
	if err != nil {
		return nil, fmt.Errorf("esrt: bulk: read response: %w", err)
	}
	if resp.StatusCode >= 300 {
		return nil, newError(k.id, resp.StatusCode, resp.Header, bytes.Clone(w.resp))
	}
	return w.resp, nil
}

var errSealed = errors.New("esrt: bulk: request body read after its request ended")

// bodyFence hands out readers of a request body until it is sealed.
type bodyFence struct {
	mu     sync.Mutex
	b      []byte
	sealed bool
}

func (f *bodyFence) open() io.ReadCloser { return &fencedBody{f: f} }

// seal makes every reader fail from now on; it waits for a Read in
// progress.
func (f *bodyFence) seal() {
	f.mu.Lock()
	f.sealed, f.b = true, nil
	f.mu.Unlock()
}

type fencedBody struct {
	f   *bodyFence
	off int
}

func (r *fencedBody) Read(p []byte) (int, error) {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	if r.f.sealed {
		return 0, errSealed
	}
	if r.off >= len(r.f.b) {
		return 0, io.EOF
	}
	n := copy(p, r.f.b[r.off:])
	r.off += n
	return n, nil
}

func (r *fencedBody) Close() error { return nil }
