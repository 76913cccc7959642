package hostile_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/client"
)

// redirecting answers every request with status and a Location on target,
// over plain http.
func redirecting(status int, target string) func(c *rawConn) {
	head := fmt.Sprintf("HTTP/1.1 %d %s\r\nLocation: http://%s/landing\r\nContent-Length: 0\r\n\r\n",
		status, http.StatusText(status), target)
	return func(c *rawConn) {
		for {
			if _, err := c.readRequest(); err != nil || c.writeString(head) != nil {
				return
			}
		}
	}
}

var redirects = []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
	http.StatusTemporaryRedirect, http.StatusPermanentRedirect}

// redirectPair starts an http:// target and an https:// node that
// redirects every request to it, and a transport for the node with
// sniffing on start.
func redirectPair(t *testing.T, status int) (node, target *rawServer, c *victim) {
	t.Helper()
	ca := newCert(t, true, nil)
	leaf := newCert(t, false, &ca)
	target = newRawServer(t, nil, answerEmpty)
	node = newRawServer(t, serverTLS(leaf, ca), redirecting(status, target.addr()))
	c = newVictim(t, node.addr(), esrt.Config{
		Addresses:            []string{"https://" + node.addr()},
		CACert:               ca.pem(),
		DiscoverNodesOnStart: true,
	})
	return node, target, c
}

// esrt's transport never follows a redirect: it returns it, as an
// http.RoundTripper must, and a sniff that meets one fails. The target
// sees nothing.
func TestRedirectToPlaintextTransport(t *testing.T) {
	for _, status := range redirects {
		t.Run(http.StatusText(status), func(t *testing.T) {
			node, target, c := redirectPair(t, status)
			got, _, err := c.get(testContext(t), "/_search")
			if got != status || err != nil {
				t.Fatalf("status %d, err = %v; want the redirect itself", got, err)
			}
			if !strings.Contains(c.log.String(), "sniff failed") {
				t.Errorf("the sniff on start did not fail:\n%s", c.log.String())
			}
			if n := len(node.requests()); n != 2 {
				t.Errorf("the node read %d requests, want the sniff's and the search", n)
			}
			if n := len(target.requests()); n != 0 {
				t.Errorf("the http:// target read %d requests", n)
			}
			c.clean(t, err)
		})
	}
}

// Wrapped in an http.Client, which follows redirects, esrt still sends
// every request to a configured node: the Location's scheme and host are
// not its to choose, only its path is kept. So the credentials never go
// to the http:// target, nor in plaintext, and a node that redirects
// forever ends at http.Client's ten redirects, through the typed client
// too.
func TestRedirectToPlaintextHTTPClient(t *testing.T) {
	for _, status := range redirects {
		t.Run(http.StatusText(status), func(t *testing.T) {
			node, target, c := redirectPair(t, status)
			es := client.New(&http.Client{Transport: c})
			_, err := client.Search[struct{}](testContext(t), es, client.SearchRequest{Index: []string{"logs"}})
			if err == nil || !strings.Contains(err.Error(), "stopped after 10 redirects") {
				t.Fatalf("err = %v, want http.Client's limit", err)
			}
			reqs := node.requests()
			if len(reqs) != 11 { // the sniff, then ten requests: the search and nine redirects
				t.Errorf("the node read %d requests, want 11", len(reqs))
			}
			for _, r := range reqs[min(2, len(reqs)):] {
				if r.URL.Path != "/landing" || r.Header.Get("Authorization") == "" {
					t.Errorf("redirect to %s, Authorization set: %t", r.URL.Path, r.Header.Get("Authorization") != "")
				}
			}
			if n := len(target.requests()); n != 0 {
				t.Errorf("the http:// target read %d requests", n)
			}
			noCredentials(t, target)
			c.clean(t, err)
		})
	}
}

// A client above esrt that sets its own Authorization header (as
// go-elasticsearch does with its own credentials) has it copied by
// http.Client to a redirect on the same host, https to http; esrt still
// sends that redirect to the configured node, so the header never travels
// in plaintext.
func TestRedirectToPlaintextCallerHeader(t *testing.T) {
	const key = "ApiKey caller-own-key-5d1e"
	ca := newCert(t, true, nil)
	leaf := newCert(t, false, &ca)
	target := newRawServer(t, nil, answerEmpty)
	node := newRawServer(t, serverTLS(leaf, ca), redirecting(http.StatusTemporaryRedirect, target.addr()))
	c := newVictim(t, node.addr(), esrt.Config{Addresses: []string{"https://" + node.addr()}, CACert: ca.pem()})
	req, err := http.NewRequestWithContext(testContext(t), http.MethodGet, "https://"+node.addr()+"/_search", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", key)
	_, err = (&http.Client{Transport: c}).Do(req)
	if err == nil || !strings.Contains(err.Error(), "stopped after 10 redirects") || strings.Contains(err.Error(), "caller-own-key") {
		t.Fatalf("err = %v, want http.Client's limit without the key", err)
	}
	if n := len(target.requests()); n != 0 {
		t.Errorf("the http:// target read %d requests", n)
	}
	for _, r := range node.requests() {
		if r.Header.Get("Authorization") != key {
			t.Errorf("%s reached the node with Authorization %q, want the caller's", r.URL.Path, r.Header.Get("Authorization"))
		}
	}
}
