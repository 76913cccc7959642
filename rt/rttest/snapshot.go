package rttest

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
)

// snapshot is the caller's view of a request, deep enough to see changes.
type snapshot struct {
	method        string
	url           *url.URL
	urlString     string
	host          string
	header        http.Header
	body          io.ReadCloser
	getBody       bool
	contentLength int64
	ctx           context.Context
}

func snap(req *http.Request) snapshot {
	s := snapshot{
		method:        req.Method,
		url:           req.URL,
		host:          req.Host,
		header:        req.Header.Clone(),
		body:          req.Body,
		getBody:       req.GetBody != nil,
		contentLength: req.ContentLength,
		ctx:           req.Context(),
	}
	if req.URL != nil {
		s.urlString = urlString(req.URL)
	}
	return s
}

// urlString spells out every field of u, user info included.
func urlString(u *url.URL) string {
	s := u.String()
	if u.RawPath != "" || u.ForceQuery || u.OmitHost || u.RawFragment != "" {
		s += fmt.Sprintf(" (RawPath %q, ForceQuery %t, OmitHost %t, RawFragment %q)",
			u.RawPath, u.ForceQuery, u.OmitHost, u.RawFragment)
	}
	return s
}

// changes lists how req differs from what s saw.
func (s snapshot) changes(req *http.Request) []string {
	var out []string
	if req.Method != s.method {
		out = append(out, fmt.Sprintf("caller's Method changed from %q to %q", s.method, req.Method))
	}
	switch {
	case req.URL == nil:
		out = append(out, fmt.Sprintf("caller's URL %q set to nil", s.urlString))
	case s.url != nil && urlString(req.URL) != s.urlString:
		out = append(out, fmt.Sprintf("caller's URL changed from %q to %q", s.urlString, urlString(req.URL)))
	case req.URL != s.url:
		out = append(out, "caller's URL replaced by another *url.URL")
	}
	if req.Host != s.host {
		out = append(out, fmt.Sprintf("caller's Host changed from %q to %q", s.host, req.Host))
	}
	if req.Header == nil && s.header != nil {
		out = append(out, "caller's Header set to nil")
	} else {
		keys := slices.Sorted(maps.Keys(s.header))
		for k := range req.Header {
			if _, ok := s.header[k]; !ok {
				keys = append(keys, k)
			}
		}
		for _, k := range keys {
			if !slices.Equal(s.header[k], req.Header[k]) {
				out = append(out, fmt.Sprintf("caller's header %q changed from %q to %q", k, s.header[k], req.Header[k]))
			}
		}
	}
	if !same(req.Body, s.body) {
		out = append(out, fmt.Sprintf("caller's Body replaced (%T by %T)", s.body, req.Body))
	}
	if (req.GetBody != nil) != s.getBody {
		out = append(out, fmt.Sprintf("caller's GetBody changed from set=%t to set=%t", s.getBody, req.GetBody != nil))
	}
	if req.ContentLength != s.contentLength {
		out = append(out, fmt.Sprintf("caller's ContentLength changed from %d to %d", s.contentLength, req.ContentLength))
	}
	if !same(req.Context(), s.ctx) {
		out = append(out, "caller's context replaced")
	}
	return out
}

// same reports whether a and b are the same value; values it cannot compare
// count as the same.
func same(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if reflect.TypeOf(a) != reflect.TypeOf(b) {
		return false
	}
	if !reflect.TypeOf(a).Comparable() {
		return true
	}
	return a == b
}
