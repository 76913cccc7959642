package bench

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/elastic/elastic-transport-go/v8/elastictransport"

	"github.com/esrt-dev/esrt"
)

// recorder is the canned base, remembering the URL and User-Agent of the
// last request it got.
type recorder struct {
	canned
	url, userAgent, authorization string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.url, r.userAgent, r.authorization = req.URL.String(), req.Header.Get("User-Agent"), req.Header.Get("Authorization")
	return r.canned.RoundTrip(req)
}

// TestContenders checks what docs/BENCHMARKS.md says of the contenders of
// BenchmarkDefaultChain: each sends the request to one of the nodes; esrt
// and the contract floor add their User-Agent and leave the caller's request
// as it was, while elastic-transport-go writes the node's address and a
// User-Agent header into the caller's request (an empty one: go-elasticsearch
// configures the value). With credentials configured, each sends them.
func TestContenders(t *testing.T) {
	for _, auth := range []bool{false, true} {
		testContenders(t, auth)
	}
}

func testContenders(t *testing.T, auth bool) {
	urls := parseURLs(t, addresses)
	want := ""
	if auth {
		want = "Basic " + base64.StdEncoding.EncodeToString([]byte(username+":"+password))
	}
	for _, c := range []struct {
		name     string
		new      func(base http.RoundTripper) (performer, error)
		modifies bool // the caller's request after the call differs
		agent    bool // the base gets a User-Agent of the transport's own
	}{
		{"contract-floor", func(base http.RoundTripper) (performer, error) {
			return roundTripper{newFloor(urls, base, want)}, nil
		}, false, true},
		{"esrt", func(base http.RoundTripper) (performer, error) {
			cfg := esrt.Config{Addresses: addresses, Transport: base}
			if auth {
				cfg.Username, cfg.Password = username, password
			}
			tr, err := esrt.New(cfg)
			if err == nil {
				t.Cleanup(func() { tr.Close() })
			}
			return roundTripper{tr}, err
		}, false, true},
		{"elastic-transport-go", func(base http.RoundTripper) (performer, error) {
			cfg := elastictransport.Config{URLs: urls, Transport: base}
			if auth {
				cfg.Username, cfg.Password = username, password
			}
			return elastictransport.New(cfg)
		}, true, false},
	} {
		t.Run(fmt.Sprintf("%s/auth=%v", c.name, auth), func(t *testing.T) {
			base := new(recorder)
			p, err := c.new(base)
			if err != nil {
				t.Fatal(err)
			}
			req, err := http.NewRequest("GET", "/products/_search?size=1", nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := p.Perform(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()

			sent, _ := url.Parse(base.url)
			if sent.Path != "/products/_search" || sent.RawQuery != "size=1" || !isNode(sent, urls) {
				t.Errorf("the base got %s, want a node's address with the caller's path and query", base.url)
			}
			if base.authorization != want {
				t.Errorf("the base got Authorization %q, want %q", base.authorization, want)
			}
			if c.agent && (base.userAgent == "" || base.userAgent == "Go-http-client/1.1") {
				t.Errorf("the base got User-Agent %q, want the transport's own", base.userAgent)
			}
			modified := req.URL.String() != "/products/_search?size=1" || len(req.Header) != 0 || req.URL.User != nil
			if modified != c.modifies {
				t.Errorf("after the request, the caller's request is %s with header %v: modified = %v, want %v",
					req.URL, req.Header, modified, c.modifies)
			}
		})
	}
}

func isNode(u *url.URL, nodes []*url.URL) bool {
	for _, n := range nodes {
		if u.Scheme == n.Scheme && u.Host == n.Host {
			return true
		}
	}
	return false
}
