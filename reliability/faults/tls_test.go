package faults_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/rt"
)

// TestFaultMatrixCertificateChange serves https with one certificate, then
// restarts its connections with another, as a node whose certificate was
// replaced (or an address taken over by another server). A client that
// pins the first certificate (CertificateFingerprint) or trusts it as its
// CA (CACert) refuses the second: the caller gets the TLS error at once,
// for every operation, and nothing is sent.
func TestFaultMatrixCertificateChange(t *testing.T) {
	first, second := selfSigned(t), selfSigned(t)
	for _, trust := range []string{"fingerprint", "ca"} {
		for _, op := range []struct{ method, path, body string }{
			{"GET", "/fm/_doc/1", ""},
			{"PUT", "/fm/_doc/1", `{"n":1}`},
			{"POST", "/fm/_doc", `{"n":1}`},
		} {
			t.Run(trust+"/"+op.method+" "+op.path, func(t *testing.T) {
				t.Parallel()
				var cert atomic.Pointer[tls.Certificate]
				cert.Store(&first.cert)
				k := newCounter()
				srv := httptest.NewUnstartedServer(http.HandlerFunc((&rawServer{count: k, fault: noFault}).serve))
				srv.Listener = tls.NewListener(srv.Listener, &tls.Config{
					GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return cert.Load(), nil },
				})
				srv.Start()
				t.Cleanup(srv.Close)
				cfg := esrt.Config{Addresses: []string{"https://" + srv.Listener.Addr().String()}}
				if trust == "fingerprint" {
					cfg.CertificateFingerprint = first.fingerprint
				} else {
					cfg.CACert = first.pem
				}
				tr := newTransport(t, cfg)
				send := func(c string) (*http.Response, error) {
					req, _ := http.NewRequest(op.method, "http://es"+op.path, strings.NewReader(op.body))
					req.Header.Set(caseHeader, c)
					return tr.RoundTrip(req)
				}
				res, err := send("before")
				checkOutcome(t, "before the change", outcome{status: 200}, res, err)

				cert.Store(&second.cert)
				// The node restarts with its new certificate. The client
				// drops its idle connections too: reusing one that the
				// node closed meanwhile is another fault (a reset after
				// the request was written).
				srv.CloseClientConnections()
				tr.CloseIdleConnections()
				want := expect(certChanged, opOf(op.method, op.path, []byte(op.body)))
				res, err = send("after")
				checkOutcome(t, "after the change", want, res, err)
				var unknown x509.UnknownAuthorityError
				if trust == "fingerprint" && !errors.Is(err, rt.ErrFingerprintMismatch) ||
					trust == "ca" && !errors.As(err, &unknown) {
					t.Errorf("got %v, want the %s's error", err, trust)
				}
				if n, _ := k.get("after"); n != want.received {
					t.Errorf("received %d times, want %d", n, want.received)
				}
			})
		}
	}
}

// certificate is a self-signed certificate for 127.0.0.1, its own CA.
type certificate struct {
	cert        tls.Certificate
	pem         []byte
	fingerprint string
}

func selfSigned(t testing.TB) certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	return certificate{
		cert:        tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
		pem:         pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		fingerprint: hex.EncodeToString(sum[:]),
	}
}
