package client

import (
	"net/http"
	"net/url"
	"sync/atomic"
)

// Doer sends one HTTP request and returns its response, as
// [net/http.Client.Do] does. An *http.Client over an esrt transport is the
// usual one; any other works.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Client calls the Elasticsearch and OpenSearch REST APIs through a Doer.
// It is safe for concurrent use; it holds no connections of its own, so it
// needs no Close.
type Client struct {
	doer  Doer
	base  *url.URL
	facts atomic.Pointer[facts] // what GET / told, once asked
}

// Option changes how [New] builds a Client.
type Option func(*Client)

// WithBaseURL makes every request go to u: its scheme, host and path
// prefix are put in front of each request's path. It is for a Doer that
// does not choose a node itself, such as a plain *http.Client; an esrt
// transport rewrites the destination of every request anyway, so with one
// it is not needed. A nil u is ignored, and so is u's userinfo and query:
// credentials belong to the transport.
func WithBaseURL(u *url.URL) Option {
	return func(c *Client) {
		if u != nil {
			c.base = u
		}
	}
}

// New returns a client that sends its requests through doer. It does no
// I/O. Without [WithBaseURL], requests carry only a path ("/_search"), as
// an esrt transport expects: it picks the node.
//
// New panics if doer is nil.
func New(doer Doer, opts ...Option) *Client {
	if doer == nil {
		panic("client: New with a nil Doer")
	}
	c := &Client{doer: doer}
	for _, o := range opts {
		o(c)
	}
	return c
}
