package selector_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/internal/routing"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

// fakeClock is an injectable clock that moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func mustNode(t testing.TB, raw string) *rt.Node {
	t.Helper()
	n, err := rt.NewNode(raw)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mustNodes(t testing.TB, raws ...string) []*rt.Node {
	t.Helper()
	var out []*rt.Node
	for _, r := range raws {
		out = append(out, mustNode(t, r))
	}
	return out
}

func mustPool(t testing.TB, cfg selector.PoolConfig) *selector.Pool {
	t.Helper()
	p, err := selector.NewPool(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// hostState is how the stub cluster's node at one host answers.
type hostState struct {
	down   atomic.Bool  // refuse connections
	status atomic.Int32 // status to answer with; 0 means 200
	// block, if set, makes requests wait until it is closed or the
	// request's context is done.
	block atomic.Pointer[chan struct{}]
	// onRequest, if set, runs before the answer.
	onRequest atomic.Pointer[func(*http.Request)]
	hits      atomic.Int64
}

// stubCluster is a base RoundTripper standing in for a cluster: it answers
// per host, counts hits and records requests. It behaves like
// http.Transport: it closes the request body, honours the context.
type stubCluster struct {
	mu    sync.Mutex
	hosts map[string]*hostState
	reqs  []*http.Request
	idle  atomic.Int64
}

func newStub() *stubCluster { return &stubCluster{hosts: make(map[string]*hostState)} }

func (s *stubCluster) host(h string) *hostState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.hosts[h]
	if st == nil {
		st = new(hostState)
		s.hosts[h] = st
	}
	return st
}

func (s *stubCluster) hits(h string) int64 { return s.host(h).hits.Load() }

// count returns how many requests the stub has seen.
func (s *stubCluster) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

// since returns the requests seen after the first i.
func (s *stubCluster) since(i int) []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs[i:])
}

func (s *stubCluster) last() *http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reqs[len(s.reqs)-1]
}

var errRefused = &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}

func (s *stubCluster) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	st := s.host(req.URL.Host)
	st.hits.Add(1)
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	s.mu.Unlock()
	if f := st.onRequest.Load(); f != nil {
		(*f)(req)
	}
	if st.down.Load() {
		return nil, errRefused
	}
	if b := st.block.Load(); b != nil {
		select {
		case <-*b:
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	code := int(st.status.Load())
	if code == 0 {
		code = 200
	}
	return &http.Response{
		StatusCode: code,
		Status:     http.StatusText(code),
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(`{"host":"` + req.URL.Host + `"}`)),
		Request:    req,
	}, nil
}

func (s *stubCluster) CloseIdleConnections() { s.idle.Add(1) }

// send emulates the retry middleware: up to attempts RoundTrips of req
// sharing one routing.Attempts, retrying transport errors and 502/503/504,
// never after the caller's context is done.
func send(tr http.RoundTripper, req *http.Request, attempts int) (*http.Response, error) {
	ctx, att := routing.WithAttempts(req.Context())
	req = req.WithContext(ctx)
	var errs []error
	attemptErr := func(i int, err error) error {
		var node *rt.Node
		if nodes := att.Nodes(); i < len(nodes) {
			node = nodes[i]
		}
		return &rt.AttemptError{Attempt: i + 1, Node: node, Err: err}
	}
	for i := range attempts {
		res, err := tr.RoundTrip(req)
		if err == nil {
			switch res.StatusCode {
			case 502, 503, 504:
				if i < attempts-1 {
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					errs = append(errs, attemptErr(i, errors.New(res.Status)))
					continue
				}
			}
			return res, nil
		}
		errs = append(errs, attemptErr(i, err))
		if ctx.Err() != nil {
			break
		}
	}
	return nil, &rt.RetryError{Attempts: errs}
}

func get(t testing.TB, ctx context.Context, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func drain(res *http.Response) {
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
}

// status returns the pool's status of the node with host h.
func status(t testing.TB, p *selector.Pool, h string) selector.NodeStatus {
	t.Helper()
	for _, s := range p.Status() {
		if s.Node.URL.Host == h {
			return s
		}
	}
	t.Fatalf("node %s not in pool", h)
	return selector.NodeStatus{}
}

// downEvents records NodeDown and NodeUp hooks.
type downEvents struct {
	mu   sync.Mutex
	down []rt.NodeInfo
	up   []rt.NodeInfo
}

func (d *downEvents) hooks() *rt.Hooks {
	return &rt.Hooks{
		OnNodeDown: func(i rt.NodeInfo) { d.mu.Lock(); d.down = append(d.down, i); d.mu.Unlock() },
		OnNodeUp:   func(i rt.NodeInfo) { d.mu.Lock(); d.up = append(d.up, i); d.mu.Unlock() },
	}
}

func (d *downEvents) counts() (down, up int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.down), len(d.up)
}
