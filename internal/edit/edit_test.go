package edit_test

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/internal/edit"
)

// setter is an editor that sets one header, or fails.
type setter struct {
	next       http.RoundTripper
	key, value string
	err        error
}

func (s *setter) RoundTrip(req *http.Request) (*http.Response, error) {
	return edit.RoundTrip(s, s.next, req)
}

func (s *setter) Unwrap() http.RoundTripper { return s.next }

func (s *setter) Edit(r *edit.Request) error {
	if s.err != nil {
		return s.err
	}
	if s.key != "" {
		r.SetHeader(s.key, []string{s.value})
	}
	return nil
}

func newRequest(t *testing.T) *http.Request {
	t.Helper()
	req, err := http.NewRequest("POST", "http://es/_bulk", strings.NewReader("{}\n"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header["Accept"] = []string{"application/json"}
	return req
}

func TestNoChangeNoCopy(t *testing.T) {
	req := newRequest(t)
	r := edit.Of(req)
	if err := (&setter{}).Edit(&r); err != nil {
		t.Fatal(err)
	}
	if r.Result() != req {
		t.Error("a request nothing changed was copied")
	}
}

func TestChangesGoToOneCopy(t *testing.T) {
	req := newRequest(t)
	r := edit.Of(req)
	r.SetHeader("User-Agent", []string{"a"})
	first := r.Result()
	r.SetHeader("Authorization", []string{"b"})
	r.SetURL(&url.URL{Scheme: "http", Host: "node:9200", Path: "/_bulk"})
	out := r.Result()
	if out == req || out != first {
		t.Fatal("the changes did not go to one copy of the request")
	}
	if got := out.Header; got.Get("User-Agent") != "a" || got.Get("Authorization") != "b" || got.Get("Accept") != "application/json" {
		t.Errorf("the copy's header is %v", got)
	}
	if len(req.Header) != 1 || req.URL.Host != "es" {
		t.Errorf("the caller's request changed: %v %v", req.URL, req.Header)
	}
	if r.Header().Get("Authorization") != "b" || r.URL().Host != "node:9200" {
		t.Error("Header and URL do not show the edits so far")
	}
}

// An owned copy is changed in place; its header map, shared with the
// original, is copied on the first header change only.
func TestOwnedCopy(t *testing.T) {
	req := newRequest(t)
	out := *req
	r := edit.Owned(&out)
	if r.Result() != &out {
		t.Fatal("Result is not the owned copy")
	}
	r.SetHeader("User-Agent", []string{"a"})
	h := out.Header
	r.SetHeader("X-Opaque-Id", []string{"b"})
	if r.Result() != &out {
		t.Error("a header change replaced the owned copy")
	}
	if len(req.Header) != 1 {
		t.Errorf("the original's header changed: %v", req.Header)
	}
	h["Probe"] = nil
	if _, ok := out.Header["Probe"]; !ok {
		t.Error("the second change copied the header map again")
	}
}

// A value slice in the copy has len == cap, so that an Add on the copy
// never writes into the caller's backing array.
func TestCopiedValuesAreClipped(t *testing.T) {
	req := newRequest(t)
	req.Header["Accept"] = make([]string, 1, 4)
	req.Header["Accept"][0] = "application/json"
	r := edit.Of(req)
	r.SetHeader("User-Agent", []string{"a"})
	r.Result().Header.Add("Accept", "text/plain")
	if got := req.Header["Accept"][:2]; got[1] != "" {
		t.Errorf("an Add on the copy wrote into the caller's header: %q", got)
	}
}

func TestSplit(t *testing.T) {
	var base http.RoundTripper = &struct{ http.RoundTripper }{}
	inner := &setter{next: base, key: "B", value: "2"}
	outer := &setter{next: inner, key: "A", value: "1"}
	editors, below := edit.Split(outer)
	if len(editors) != 2 || editors[0] != outer || editors[1] != inner || below != base {
		t.Fatalf("Split = %v, %v", editors, below)
	}
	req := newRequest(t)
	r := edit.Of(req)
	if err := edit.Apply(&r, editors); err != nil {
		t.Fatal(err)
	}
	if h := r.Result().Header; h.Get("A") != "1" || h.Get("B") != "2" {
		t.Errorf("Apply left %v", h)
	}
	if editors, below := edit.Split(base); len(editors) != 0 || below != base {
		t.Errorf("Split of a plain RoundTripper = %v, %v", editors, below)
	}
}

type closeCounter struct {
	io.Reader
	closed int
}

func (c *closeCounter) Close() error { c.closed++; return nil }

func TestRoundTrip(t *testing.T) {
	var got *http.Request
	next := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		got = req
		return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
	})
	req := newRequest(t)
	if _, err := (&setter{next: next, key: "A", value: "1"}).RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if got == req || got.Header.Get("A") != "1" || req.Header.Get("A") != "" {
		t.Errorf("RoundTrip sent %v; the caller's header is %v", got.Header, req.Header)
	}

	body := &closeCounter{Reader: strings.NewReader("{}")}
	req.Body = body
	wantErr := errors.New("bad option")
	got = nil
	if _, err := (&setter{next: next, err: wantErr}).RoundTrip(req); err != wantErr {
		t.Errorf("err = %v, want %v", err, wantErr)
	}
	if got != nil || body.closed != 1 {
		t.Errorf("after a failed edit: sent %v, body closed %d times, want nothing sent and 1", got != nil, body.closed)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
