package bench

import (
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

// floor is the least work a transport can do here while keeping the
// http.RoundTripper contract ("RoundTrip should not modify the request")
// and doing what elastic-transport-go's Perform does on the happy path: it
// sends each request to the next node round-robin, on a copy of the request
// addressed to that node, with a copy of the header map when it must add a
// User-Agent or credentials, and reads the clock before and after the
// attempt. It has no
// health tracking, retry, breakers, timeouts or hooks; it is a yardstick for
// BenchmarkDefaultChain, not a transport to use.
//
// The copies are what elastic-transport-go saves by changing the caller's
// request in place.
type floor struct {
	next  http.RoundTripper
	nodes []*url.URL
	n     atomic.Uint64
	ua    []string
	auth  []string // the Authorization value to add; nil for none
	start time.Time
	total atomic.Int64 // nanoseconds spent in attempts
}

// newFloor returns a floor that adds the Authorization header authorization
// to requests without one, unless it is "".
func newFloor(nodes []*url.URL, next http.RoundTripper, authorization string) *floor {
	f := &floor{next: next, nodes: nodes, ua: []string{"floor/1"}, start: time.Now()}
	if authorization != "" {
		f.auth = []string{authorization}
	}
	return f
}

// floorCopy is the request copy and its URL, in one allocation.
type floorCopy struct {
	req http.Request
	url url.URL
}

func (f *floor) RoundTrip(req *http.Request) (*http.Response, error) {
	begin := time.Since(f.start)
	node := f.nodes[f.n.Add(1)%uint64(len(f.nodes))]
	c := new(floorCopy)
	c.req = *req
	c.url = url.URL{Scheme: node.Scheme, Host: node.Host, Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	c.req.URL = &c.url
	c.req.Host = ""
	_, hasUA := req.Header["User-Agent"]
	_, hasAuth := req.Header["Authorization"]
	if !hasUA || (f.auth != nil && !hasAuth) {
		h := make(http.Header, len(req.Header)+2)
		for k, v := range req.Header {
			h[k] = v[:len(v):len(v)]
		}
		if !hasUA {
			h["User-Agent"] = f.ua
		}
		if f.auth != nil && !hasAuth {
			h["Authorization"] = f.auth
		}
		c.req.Header = h
	}
	res, err := f.next.RoundTrip(&c.req)
	f.total.Add(int64(time.Since(f.start) - begin))
	return res, err
}
