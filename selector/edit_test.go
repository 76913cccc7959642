package selector_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/rt/rttest"
	"github.com/esrt-dev/esrt/selector"
)

// headerLayers are the layers that only change headers, as esrt.New puts
// them right below the router.
func headerLayers(next http.RoundTripper) http.RoundTripper {
	return middleware.Headers(middleware.HeadersConfig{UserAgent: "test/1", Header: http.Header{"X-App": {"shop"}}})(
		middleware.Auth(middleware.AuthConfig{APIKey: "id:key"})(next))
}

func TestRouterWithHeaderLayersConformance(t *testing.T) {
	p := mustPool(t, selector.PoolConfig{
		Seeds: mustNodes(t, "http://es1.invalid:9200", "http://es2.invalid:9200/prefix"),
	})
	rttest.Run(t, func(next http.RoundTripper) http.RoundTripper {
		return selector.Middleware(p)(headerLayers(next))
	})
}

// The router applies the header layers below it to its own copy of the
// attempt: the layer under them gets that copy, addressed to the node and
// carrying every header, and the layers' own RoundTrip, which would copy
// again, is not called: the hooks see the very request that is sent.
func TestRouterAppliesHeaderLayers(t *testing.T) {
	var attempt *http.Request
	p := mustPool(t, selector.PoolConfig{
		Seeds: mustNodes(t, "http://es1.invalid:9200/prefix"),
		Hooks: &rt.Hooks{OnAttemptStart: func(i rt.AttemptInfo) { attempt = i.Request }},
	})
	var got *http.Request
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		got = req
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
	})
	calls := 0
	counting := func(next http.RoundTripper) http.RoundTripper {
		return headerLayers(rt.Func(func(req *http.Request) (*http.Response, error) {
			calls++
			return next.RoundTrip(req)
		}))
	}
	tr := selector.Middleware(p)(counting(base))
	req, err := http.NewRequest("GET", "http://es/_search", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if calls != 1 || got == nil {
		t.Fatalf("the layer below the header layers ran %d times", calls)
	}
	if got != attempt {
		t.Error("the request sent is not the router's copy of the attempt: the header layers copied it again")
	}
	if got.URL.String() != "http://es1.invalid:9200/prefix/_search" {
		t.Errorf("URL = %s", got.URL)
	}
	for k, want := range map[string]string{"User-Agent": "test/1", "X-App": "shop", "Authorization": "ApiKey aWQ6a2V5"} {
		if v := got.Header.Get(k); v != want {
			t.Errorf("%s = %q, want %q", k, v, want)
		}
	}
	if len(req.Header) != 0 || req.URL.Host != "es" {
		t.Errorf("the caller's request changed: %v %v", req.URL, req.Header)
	}
}

// A per-request option a header layer refuses fails the attempt before a
// node is chosen: no node is blamed and no attempt is reported.
func TestRouterHeaderLayerRefusal(t *testing.T) {
	var started int
	p := mustPool(t, selector.PoolConfig{
		Seeds: mustNodes(t, "http://es1.invalid:9200"),
		Hooks: &rt.Hooks{OnAttemptStart: func(rt.AttemptInfo) { started++ }},
	})
	sent := false
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		sent = true
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
	})
	tr := selector.Middleware(p)(headerLayers(base))
	ctx := rt.WithAuth(context.Background(), rt.BearerAuth("bad\r\ntoken"))
	req, err := http.NewRequestWithContext(ctx, "GET", "/_search", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.RoundTrip(req)
	var le *rt.LocalError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v, want an *rt.LocalError", err)
	}
	if sent || started != 0 {
		t.Errorf("sent = %v, attempts started = %d; want nothing", sent, started)
	}
	if st := p.Status(); len(st) != 1 || st[0].Dead || st[0].Failures != 0 || st[0].InFlight != 0 {
		t.Errorf("pool status after a refused option = %+v, want the node live, with no failure and nothing in flight", st)
	}
}
