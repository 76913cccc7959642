package esrt

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/rt"
)

func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }

// testCert is a certificate with its key, built in the test.
type testCert struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func (c testCert) fingerprint() string {
	sum := sha256.Sum256(c.cert.Raw)
	return hex.EncodeToString(sum[:])
}

func (c testCert) pem() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.cert.Raw})
}

var testSerial atomic.Int64

// newCert signs tmpl with parent's key (itself when parent is nil) and
// returns it with its new key.
func newCert(t *testing.T, tmpl *x509.Certificate, parent *testCert) testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = big.NewInt(testSerial.Add(1))
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = time.Now().Add(-time.Hour)
	}
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	}
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return testCert{cert, key}
}

// caTemplate is the template of a CA like Elasticsearch's auto-configured
// HTTP CA.
func caTemplate() *x509.Certificate {
	return &x509.Certificate{
		Subject:               pkix.Name{CommonName: "Elasticsearch security auto-configuration HTTP CA"},
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
}

// leafTemplate is the template of a node certificate for the loopback
// addresses the test servers listen on.
func leafTemplate() *x509.Certificate {
	return &x509.Certificate{
		Subject:     pkix.Name{CommonName: "node-1"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
}

// pinServer is a loopback TLS server that presents chain (leaf first, with
// the leaf's key) and counts the requests that reach it.
type pinServer struct {
	url      string
	requests atomic.Int32
	withAuth atomic.Int32
}

func newPinServer(t *testing.T, chain ...testCert) *pinServer {
	t.Helper()
	s := &pinServer{}
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		if r.Header.Get("Authorization") != "" {
			s.withAuth.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"tagline":"You Know, for Search"}`))
	}))
	cert := tls.Certificate{PrivateKey: chain[0].key}
	for _, c := range chain {
		cert.Certificate = append(cert.Certificate, c.cert.Raw)
	}
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	ts.Config.ErrorLog = discardLog() // handshake failures are the point
	ts.StartTLS()
	t.Cleanup(ts.Close)
	s.url = ts.URL
	return s
}

// pinRequest sends one request with an API key through a transport built
// from cfg for s.
func pinRequest(t *testing.T, s *pinServer, cfg Config) error {
	t.Helper()
	cfg.Addresses = []string{s.url}
	cfg.APIKey = "id:api-key-secret"
	cfg.DisableRetry = true
	res, err := get(t, mustNew(t, cfg), "/")
	if err == nil {
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
	}
	return err
}

// The attacks that the old "any certificate in the chain matches" check
// let through: a man in the middle presents its own leaf and appends the
// pinned certificate, which is public.
func TestPinRefusesAppendedCertificate(t *testing.T) {
	ca := newCert(t, caTemplate(), nil)
	leaf := newCert(t, leafTemplate(), &ca)
	mitmTmpl := leafTemplate()
	mitmTmpl.Subject = leaf.cert.Subject
	mitm := newCert(t, mitmTmpl, nil) // self-signed, for the right names

	tests := []struct {
		name  string
		chain []testCert
		pin   testCert
	}{
		{"own leaf and the pinned CA", []testCert{mitm, ca}, ca},
		{"own leaf and the pinned leaf", []testCert{mitm, leaf}, leaf},
		{"own leaf, the pinned leaf and its CA", []testCert{mitm, leaf, ca}, leaf},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newPinServer(t, tt.chain...)
			err := pinRequest(t, s, Config{CertificateFingerprint: tt.pin.fingerprint()})
			if err == nil {
				t.Fatal("request succeeded through a man in the middle")
			}
			if n := s.requests.Load(); n != 0 {
				t.Fatalf("%d requests reached the server (%d with credentials)", n, s.withAuth.Load())
			}
			var authority x509.UnknownAuthorityError
			if !errors.As(err, &authority) || !strings.Contains(err.Error(), "CertificateFingerprint") {
				t.Fatalf("error %v, want an x509.UnknownAuthorityError from the pin's check", err)
			}
		})
	}
}

func TestPinAcceptsLegitimateChains(t *testing.T) {
	ca := newCert(t, caTemplate(), nil)
	leaf := newCert(t, leafTemplate(), &ca)
	intermediateTmpl := caTemplate()
	intermediateTmpl.Subject.CommonName = "intermediate"
	intermediate := newCert(t, intermediateTmpl, &ca)
	leafOfIntermediate := newCert(t, leafTemplate(), &intermediate)
	selfSigned := newCert(t, leafTemplate(), nil)

	tests := []struct {
		name  string
		chain []testCert
		cfg   Config
	}{
		// The fingerprint Elasticsearch prints at first start is its CA's.
		{"CA pinned", []testCert{leaf, ca}, Config{CertificateFingerprint: ca.fingerprint()}},
		{"leaf pinned", []testCert{leaf, ca}, Config{CertificateFingerprint: leaf.fingerprint()}},
		{"leaf pinned, no chain", []testCert{leaf}, Config{CertificateFingerprint: leaf.fingerprint()}},
		{"self-signed leaf pinned", []testCert{selfSigned}, Config{CertificateFingerprint: selfSigned.fingerprint()}},
		{"root pinned through an intermediate", []testCert{leafOfIntermediate, intermediate, ca}, Config{CertificateFingerprint: ca.fingerprint()}},
		{"intermediate pinned", []testCert{leafOfIntermediate, intermediate, ca}, Config{CertificateFingerprint: intermediate.fingerprint()}},
		{"CACert and CA pinned", []testCert{leaf, ca}, Config{CACert: ca.pem(), CertificateFingerprint: ca.fingerprint()}},
		{"CACert and leaf pinned", []testCert{leaf, ca}, Config{CACert: ca.pem(), CertificateFingerprint: leaf.fingerprint()}},
		// The pinned CA need not be presented when CACert holds it.
		{"CACert holds the pinned CA", []testCert{leaf}, Config{CACert: ca.pem(), CertificateFingerprint: ca.fingerprint()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newPinServer(t, tt.chain...)
			if err := pinRequest(t, s, tt.cfg); err != nil {
				t.Fatal(err)
			}
			if s.withAuth.Load() != 1 {
				t.Fatal("the request did not arrive with its credentials")
			}
		})
	}
}

// A pin is as strong as the verification it replaces.
func TestPinRefusesInvalidChains(t *testing.T) {
	ca := newCert(t, caTemplate(), nil)

	expiredTmpl := leafTemplate()
	expiredTmpl.NotBefore, expiredTmpl.NotAfter = time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour)
	expired := newCert(t, expiredTmpl, &ca)
	expiredSelfSignedTmpl := leafTemplate()
	expiredSelfSignedTmpl.NotBefore, expiredSelfSignedTmpl.NotAfter = expiredTmpl.NotBefore, expiredTmpl.NotAfter
	expiredSelfSigned := newCert(t, expiredSelfSignedTmpl, nil)

	// Another key under the pinned CA's name signs the leaf.
	impostor := newCert(t, caTemplate(), nil)
	forged := newCert(t, leafTemplate(), &impostor)

	clientTmpl := leafTemplate()
	clientTmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	clientOnly := newCert(t, clientTmpl, &ca)

	otherNameTmpl := leafTemplate()
	otherNameTmpl.DNSNames, otherNameTmpl.IPAddresses = []string{"es1.example.com"}, nil
	otherName := newCert(t, otherNameTmpl, &ca)

	notCATmpl := leafTemplate()
	notCATmpl.Subject.CommonName = "not a CA"
	notCA := newCert(t, notCATmpl, nil)
	signedByLeaf := newCert(t, leafTemplate(), &notCA)

	tests := []struct {
		name  string
		chain []testCert
		pin   testCert
		want  any // the crypto/x509 error type the failure wraps
	}{
		{"expired leaf under the pinned CA", []testCert{expired, ca}, ca, &x509.CertificateInvalidError{}},
		{"expired pinned leaf", []testCert{expiredSelfSigned}, expiredSelfSigned, &x509.CertificateInvalidError{}},
		{"leaf signed by another key with the CA's name", []testCert{forged, ca}, ca, &x509.UnknownAuthorityError{}},
		{"same, with the impostor CA in the chain", []testCert{forged, impostor, ca}, ca, &x509.UnknownAuthorityError{}},
		{"leaf without serverAuth under the pinned CA", []testCert{clientOnly, ca}, ca, &x509.CertificateInvalidError{}},
		{"pinned leaf without serverAuth", []testCert{clientOnly, ca}, clientOnly, &x509.CertificateInvalidError{}},
		{"leaf for another host under the pinned CA", []testCert{otherName, ca}, ca, &x509.HostnameError{}},
		{"leaf signed by a pinned non-CA", []testCert{signedByLeaf, notCA}, notCA, &x509.UnknownAuthorityError{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newPinServer(t, tt.chain...)
			err := pinRequest(t, s, Config{CertificateFingerprint: tt.pin.fingerprint()})
			if err == nil {
				t.Fatal("request succeeded")
			}
			if s.requests.Load() != 0 {
				t.Fatal("a request reached the server")
			}
			if !errors.As(err, tt.want) {
				t.Fatalf("error %v, want a %T", err, tt.want)
			}
		})
	}
}

func TestPinMismatch(t *testing.T) {
	ca := newCert(t, caTemplate(), nil)
	leaf := newCert(t, leafTemplate(), &ca)
	other := newCert(t, caTemplate(), nil)
	s := newPinServer(t, leaf) // the CA is not presented
	for _, cfg := range []Config{
		{CertificateFingerprint: other.fingerprint()},
		{CertificateFingerprint: ca.fingerprint()}, // not presented: it cannot be matched
		{CACert: ca.pem(), CertificateFingerprint: other.fingerprint()},
	} {
		err := pinRequest(t, s, cfg)
		if !errors.Is(err, rt.ErrFingerprintMismatch) {
			t.Errorf("error %v, want rt.ErrFingerprintMismatch", err)
		}
		if !strings.Contains(err.Error(), "http_ca.crt") {
			t.Errorf("error %v has no hint", err)
		}
	}
	if s.requests.Load() != 0 {
		t.Fatal("a request reached the server")
	}
}

// The caller's own VerifyConnection runs after the pin's check.
func TestPinKeepsCallersVerifyConnection(t *testing.T) {
	ca := newCert(t, caTemplate(), nil)
	s := newPinServer(t, newCert(t, leafTemplate(), &ca), ca)
	refuse := errors.New("refused by the caller's check")
	var calls atomic.Int32
	base, err := NewHTTPTransport(HTTPTransportConfig{
		CertificateFingerprint: ca.fingerprint(),
		TLSConfig: &tls.Config{VerifyConnection: func(tls.ConnectionState) error {
			calls.Add(1)
			return refuse
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer base.CloseIdleConnections()
	req, _ := http.NewRequest("GET", s.url, nil)
	if _, err := base.RoundTrip(req); !errors.Is(err, refuse) || calls.Load() != 1 {
		t.Fatalf("error %v after %d calls, want the caller's", err, calls.Load())
	}
}

// The pin's check on its own: a pinned CA needs the name to check the
// leaf against; a pinned leaf does not.
func TestPinVerify(t *testing.T) {
	ca := newCert(t, caTemplate(), nil)
	leaf := newCert(t, leafTemplate(), &ca)
	chain := []*x509.Certificate{leaf.cert, ca.cert}
	sum := func(c testCert) pin { p, _ := ParseFingerprint(c.fingerprint()); return pin{sum: p} }
	tests := []struct {
		pin     pin
		name    string
		wantErr bool
	}{
		{sum(ca), "localhost", false},
		{sum(ca), "127.0.0.1", false},
		{sum(ca), "::1", false},
		{sum(ca), "es1.example.com", true},
		{sum(ca), "", true},
		{sum(leaf), "", false},
		{sum(leaf), "es1.example.com", false}, // a pinned leaf is the identity
	}
	for _, tt := range tests {
		err := tt.pin.verify(chain, tt.name)
		if (err != nil) != tt.wantErr {
			t.Errorf("verify(name %q) = %v, want error %v", tt.name, err, tt.wantErr)
		}
	}
	if err := sum(ca).verify(nil, "localhost"); err == nil {
		t.Error("no certificate verified")
	}
}

// Through a proxy, net/http makes the TLS connection with the transport's
// TLSClientConfig, whose check has only the name sent in SNI: a host name
// is checked, an IP address cannot be, and a pinned CA is then refused.
func TestPinThroughProxy(t *testing.T) {
	ca := newCert(t, caTemplate(), nil)
	s := newPinServer(t, newCert(t, leafTemplate(), &ca), ca)
	var tunnels atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		tunnels.Add(1)
		upstream, err := net.Dial("tcp", r.Host)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusOK)
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			upstream.Close()
			return
		}
		go func() { io.Copy(upstream, buf); upstream.Close() }()
		io.Copy(conn, upstream)
		conn.Close()
	}))
	defer proxy.Close()
	proxyURL, _ := url.Parse(proxy.URL)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(s.url, "https://"))

	for _, tt := range []struct {
		host    string
		wantErr bool
	}{{"localhost", false}, {"127.0.0.1", true}} {
		base, err := NewHTTPTransport(HTTPTransportConfig{CertificateFingerprint: ca.fingerprint()})
		if err != nil {
			t.Fatal(err)
		}
		base.Proxy = http.ProxyURL(proxyURL)
		req, _ := http.NewRequest("GET", "https://"+net.JoinHostPort(tt.host, port)+"/", nil)
		res, err := base.RoundTrip(req)
		if err == nil {
			res.Body.Close()
		}
		base.CloseIdleConnections()
		if (err != nil) != tt.wantErr {
			t.Errorf("%s through the proxy: %v, want error %v", tt.host, err, tt.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "unknown") {
			t.Errorf("%s through the proxy: %v, want the reason", tt.host, err)
		}
	}
	if tunnels.Load() != 2 {
		t.Fatalf("%d tunnels, want 2: the requests did not go through the proxy", tunnels.Load())
	}
}

// With a pin, esrt's own TLS connections still offer HTTP/2.
func TestPinKeepsHTTP2(t *testing.T) {
	ca := newCert(t, caTemplate(), nil)
	leaf := newCert(t, leafTemplate(), &ca)
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	ts.EnableHTTP2 = true
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leaf.cert.Raw, ca.cert.Raw}, PrivateKey: leaf.key}}}
	ts.StartTLS()
	defer ts.Close()
	tr := mustNew(t, Config{Addresses: []string{ts.URL}, CertificateFingerprint: ca.fingerprint()})
	res, err := get(t, tr, "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.ProtoMajor != 2 {
		t.Fatalf("response over %s, want HTTP/2", res.Proto)
	}
}
