package hostile_test

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
	"math/big"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// cert is a certificate with its key, built in the test.
type cert struct {
	x509 *x509.Certificate
	key  *ecdsa.PrivateKey
}

// fingerprint is the hex SHA-256 of the certificate, as
// CertificateFingerprint takes it.
func (c cert) fingerprint() string {
	sum := sha256.Sum256(c.x509.Raw)
	return hex.EncodeToString(sum[:])
}

// pem is the certificate in PEM, as CACert takes it.
func (c cert) pem() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.x509.Raw})
}

var serial atomic.Int64

// newCert returns a CA certificate (isCA) or a loopback node certificate,
// signed by parent, or by itself when parent is nil.
func newCert(t *testing.T, isCA bool, parent *cert) cert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial.Add(1)),
		Subject:      pkix.Name{CommonName: "node-1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	if isCA {
		tmpl.Subject.CommonName = "Elasticsearch security auto-configuration HTTP CA"
		tmpl.KeyUsage, tmpl.ExtKeyUsage, tmpl.IPAddresses = x509.KeyUsageCertSign, nil, nil
		tmpl.BasicConstraintsValid, tmpl.IsCA = true, true
	}
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent.x509, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert{c, key}
}

// serverTLS is the TLS configuration of a server presenting chain, leaf
// first, with the leaf's key.
func serverTLS(chain ...cert) *tls.Config {
	tc := tls.Certificate{PrivateKey: chain[0].key}
	for _, c := range chain {
		tc.Certificate = append(tc.Certificate, c.x509.Raw)
	}
	return &tls.Config{Certificates: []tls.Certificate{tc}}
}
