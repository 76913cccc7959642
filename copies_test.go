package esrt

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/rt"
)

// The default chain copies a request once per attempt, with one header map,
// however many of its layers add headers: User-Agent, default headers, the
// opaque id, compatibility media types and credentials all go into the
// router's copy of the attempt. What it allocates besides is the guard's
// body wrapper. Allocations are counted beyond those of the base itself.
func TestDefaultChainCopiesOnce(t *testing.T) {
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("{}")), Request: req}, nil
	})
	var seen *http.Request
	recording := rt.Func(func(req *http.Request) (*http.Response, error) {
		seen = req
		return base(req)
	})
	tr := mustNew(t, Config{
		Addresses: []string{"http://a:9200", "http://b:9200"},
		Username:  "elastic",
		Password:  "changeme",
		Header:    http.Header{"X-Team": {"search"}},
		Protocol:  ProtocolConfig{CompatibilityMode: true},
		Transport: recording,
	})
	req, err := http.NewRequestWithContext(rt.WithOpaqueID(context.Background(), "job-1"), "GET", "/products/_search", nil)
	if err != nil {
		t.Fatal(err)
	}
	send := func(next http.RoundTripper) {
		res, err := next.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	send(tr)
	for _, k := range []string{"User-Agent", "X-Team", "X-Opaque-Id", "Accept", "Authorization"} {
		if seen.Header.Get(k) == "" {
			t.Errorf("the base got no %s header: %v", k, seen.Header)
		}
	}
	if len(req.Header) != 0 {
		t.Errorf("the caller's header changed: %v", req.Header)
	}

	// The attempt's copy with its URL (1); the header map (2: the map and
	// its group of slots); the X-Opaque-Id value (1); the guard's body
	// wrapper (1). A second copy of the request, or of its header map,
	// would add at least one.
	const want = 5
	baseAllocs := testing.AllocsPerRun(200, func() { send(base) })
	chainAllocs := testing.AllocsPerRun(200, func() { send(tr) })
	if got := chainAllocs - baseAllocs; got > want {
		t.Errorf("the chain allocates %v times per request, want at most %d", got, want)
	}
}
