package hostile_test

import (
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt"
)

// A man in the middle presents its own certificate for the node's address
// and appends the pinned one, which is public. esrt refuses the chain in
// the handshake, before a request is written: neither the sniff on start
// nor a request reaches the server, so no credential does.
func TestForgedChain(t *testing.T) {
	ca := newCert(t, true, nil)
	leaf := newCert(t, false, &ca)
	mitm := newCert(t, false, nil) // self-signed, for 127.0.0.1
	for _, tt := range []struct {
		name  string
		chain []cert
		cfg   esrt.Config
	}{
		{"pinned CA appended", []cert{mitm, ca}, esrt.Config{CertificateFingerprint: ca.fingerprint()}},
		{"pinned leaf appended", []cert{mitm, leaf}, esrt.Config{CertificateFingerprint: leaf.fingerprint()}},
		{"pinned leaf and its CA appended", []cert{mitm, leaf, ca}, esrt.Config{CertificateFingerprint: leaf.fingerprint()}},
		{"CACert and pinned CA, CA appended", []cert{mitm, ca}, esrt.Config{CACert: ca.pem(), CertificateFingerprint: ca.fingerprint()}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRawServer(t, serverTLS(tt.chain...), answerEmpty)
			cfg := tt.cfg
			cfg.Addresses = []string{"https://" + srv.addr()}
			cfg.DiscoverNodesOnStart = true
			c := newVictim(t, srv.addr(), cfg)
			status, _, err := c.get(testContext(t), "/_search")
			var authority x509.UnknownAuthorityError
			if status != 0 || !errors.As(err, &authority) {
				t.Fatalf("status %d, err = %v; want x509.UnknownAuthorityError", status, err)
			}
			if cfg.CACert == nil && !strings.Contains(err.Error(), "CertificateFingerprint") {
				t.Errorf("error %q does not name CertificateFingerprint", err)
			}
			if !strings.Contains(c.log.String(), "sniff failed") {
				t.Errorf("the sniff on start did not fail:\n%s", c.log.String())
			}
			c.clean(t, err)
			c.Close()
			srv.quiet()
			if n := len(srv.requests()); n != 0 {
				t.Errorf("%d requests reached the server", n)
			}
		})
	}
}

// answerEmpty answers every request with an empty JSON object.
func answerEmpty(c *rawConn) {
	for {
		if _, err := c.readRequest(); err != nil {
			return
		}
		if c.writeString("HTTP/1.1 200 OK\r\n"+jsonHead+"Content-Length: 2\r\n\r\n{}") != nil {
			return
		}
	}
}

// The same server with the node's real chain is reached, credentials and
// all: what refuses the forged chains is its certificates, not the server.
func TestGenuineChain(t *testing.T) {
	ca := newCert(t, true, nil)
	leaf := newCert(t, false, &ca)
	srv := newRawServer(t, serverTLS(leaf, ca), answerEmpty)
	c := newVictim(t, srv.addr(), esrt.Config{Addresses: []string{"https://" + srv.addr()}, CertificateFingerprint: ca.fingerprint()})
	if status, _, err := c.get(testContext(t), "/_search"); status != 200 || err != nil {
		t.Fatalf("status %d, err = %v", status, err)
	}
	if reqs := srv.requests(); len(reqs) != 1 || reqs[0].Header.Get("Authorization") != "Basic "+secrets[1] {
		t.Errorf("the server read %d requests, want one with the credentials", len(reqs))
	}
}
