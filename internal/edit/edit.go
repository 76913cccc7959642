// Package edit lets several layers of a chain change a request's headers
// with one copy of the request and one copy of its header map.
//
// A layer that only adds or replaces headers (User-Agent and default
// headers, compatibility media types, credentials) is an [Editor]. Used on
// its own, it copies the request when it changes something ([RoundTrip]).
// Placed right below the routing middleware, it is applied by the router to
// the copy the router makes for every attempt anyway ([Split]), so that a
// request is copied once per attempt however many such layers the chain
// has.
package edit

import (
	"net/http"
	"net/url"
)

// Editor changes a request before it is sent.
type Editor interface {
	// Edit changes r. It decides from r.In and r.Header, and changes r
	// only through its setters. An error fails the request before it is
	// sent; it should be an *rt.LocalError, since no node is at fault.
	Edit(r *Request) error
}

// Request is a request being edited: one request value that carries the
// changes, the layer's own until the first change unless it is already a
// copy the caller owns. It is 16 bytes so that a router can embed it in
// the one allocation it makes per attempt.
type Request struct {
	r      *http.Request
	own    bool // r is a copy this Request may change
	header bool // r.Header is r's own map
}

// headerRoom is the room for added keys in a header map copy: enough for
// the headers esrt's editors add, within the map's first group.
const headerRoom = 4

// Of returns a Request that copies in on its first change.
func Of(in *http.Request) Request { return Request{r: in} }

// Owned returns a Request whose changes go to out, a shallow copy of a
// request that the caller owns: out's fields are written in place, and its
// header map, shared with the original, is copied on the first header
// change.
func Owned(out *http.Request) Request { return Request{r: out, own: true} }

// In returns the request with the changes made so far: its context,
// method, body and path are the layer's. It must not be modified.
func (r *Request) In() *http.Request { return r.r }

// Header returns the header as edited so far. It must not be modified:
// change it with SetHeader.
func (r *Request) Header() http.Header { return r.r.Header }

// URL returns the URL as edited so far. It must not be modified: change it
// with SetURL.
func (r *Request) URL() *url.URL { return r.r.URL }

// SetHeader sets key, which must be in canonical form, to values. The
// values are kept, not copied: their slice must have len == cap so that an
// Add further down appends to a copy, never to shared memory.
func (r *Request) SetHeader(key string, values []string) {
	r.copyRequest()
	if !r.header {
		h := make(http.Header, len(r.r.Header)+headerRoom)
		for k, v := range r.r.Header {
			h[k] = v[:len(v):len(v)]
		}
		r.r.Header, r.header = h, true
	}
	r.r.Header[key] = values
}

// SetURL replaces the URL.
func (r *Request) SetURL(u *url.URL) {
	r.copyRequest()
	r.r.URL = u
}

func (r *Request) copyRequest() {
	if !r.own {
		out := *r.r
		r.r, r.own = &out, true
	}
}

// Result returns the edited request: the layer's own when nothing changed.
func (r *Request) Result() *http.Request { return r.r }

// RoundTrip is the RoundTrip of an Editor used on its own: it applies e to
// a copy of req made on the first change and sends the result to next. It
// closes req's body when e fails.
func RoundTrip(e Editor, next http.RoundTripper, req *http.Request) (*http.Response, error) {
	r := Of(req)
	if err := e.Edit(&r); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	return next.RoundTrip(r.Result())
}

// Split returns the editors at the top of next, outermost first, and the
// RoundTripper below them. A router applies the editors to its own copy of
// each attempt and sends it to below, skipping the editors' RoundTrip.
// An editor must unwrap to the layer below it.
func Split(next http.RoundTripper) (editors []Editor, below http.RoundTripper) {
	for {
		e, ok := next.(Editor)
		if !ok {
			return editors, next
		}
		u, ok := next.(interface{ Unwrap() http.RoundTripper })
		if !ok {
			return editors, next
		}
		editors = append(editors, e)
		next = u.Unwrap()
	}
}

// Apply applies editors in order to r.
func Apply(r *Request, editors []Editor) error {
	for _, e := range editors {
		if err := e.Edit(r); err != nil {
			return err
		}
	}
	return nil
}
