package esrt

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/esrt-dev/esrt/rt"
)

// pin is a certificate pinned by the SHA-256 fingerprint of its DER
// encoding (CertificateFingerprint). It means what Elasticsearch means by
// it: the pinned certificate is the server's own (the leaf), or a CA that
// the chain the server presents verifies up to, as its only root of trust.
//
//   - A pinned leaf is the server's identity: the server must present it
//     (and prove it holds its key, which the TLS handshake checks), it must
//     be within its validity period and, if it lists extended key usages,
//     allow server authentication. Its names are not checked: the pin
//     names the server.
//   - A pinned CA is checked as if it were the only certificate of CACert:
//     the server must present it in its chain, and the leaf must verify up
//     to it through the other certificates it presents (signatures,
//     validity periods, CA constraints, extended key usage
//     serverAuth) and be valid for the host name or IP address the
//     connection is for. Elasticsearch's auto-configured node
//     certificates carry the node's names and addresses; a node reached
//     under another name needs CACert with a TLS ServerName, or its own
//     certificate pinned.
//
// Presenting the pinned certificate proves nothing (it is public): a chain
// with a leaf that the pinned certificate did not sign is refused.
type pin struct {
	sum []byte // SHA-256 of the pinned certificate's DER encoding
}

func (p pin) matches(c *x509.Certificate) bool {
	got := sha256.Sum256(c.Raw)
	return subtle.ConstantTimeCompare(got[:], p.sum) == 1
}

// verify checks the chain a server presented against the pin, the pin
// being the only root of trust. name is the host name or IP address the
// connection is for, or "" if unknown, which a pinned CA refuses.
func (p pin) verify(certs []*x509.Certificate, name string) error {
	if len(certs) == 0 {
		return errors.New("esrt: the server presented no certificate")
	}
	i := slices.IndexFunc(certs, p.matches)
	if i < 0 {
		return rt.ErrFingerprintMismatch
	}
	opts := x509.VerifyOptions{
		Roots:         x509.NewCertPool(),
		Intermediates: x509.NewCertPool(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	opts.Roots.AddCert(certs[i])
	if i > 0 { // a pinned CA
		if name == "" {
			return &pinError{errors.New("the host name or IP address to check the server's certificate against is unknown " +
				"(an IP address reached through a proxy): pin the node's own certificate, or set CACert")}
		}
		opts.DNSName = name
		for _, c := range certs[1:] {
			opts.Intermediates.AddCert(c)
		}
	}
	if _, err := certs[0].Verify(opts); err != nil {
		return &pinError{err}
	}
	return nil
}

// inVerifiedChains checks a chain that crypto/tls verified against CACert:
// with CACert and a fingerprint, both must hold, so the pinned certificate
// must be part of the verified chain (the leaf or one of its issuers).
func (p pin) inVerifiedChains(chains [][]*x509.Certificate) error {
	for _, chain := range chains {
		if slices.ContainsFunc(chain, p.matches) {
			return nil
		}
	}
	return rt.ErrFingerprintMismatch
}

// pinError is a certificate that failed the check against a pin. It wraps
// the crypto/x509 error (x509.UnknownAuthorityError,
// x509.CertificateInvalidError, x509.HostnameError), which [errors.As]
// finds through it.
type pinError struct{ err error }

func (e *pinError) Error() string {
	return "esrt: the server's certificate fails the check against CertificateFingerprint: " + e.err.Error()
}

func (e *pinError) Unwrap() error { return e.err }

// pinnedTLS makes tr check the certificates of its https connections
// against p alone. crypto/tls tells VerifyConnection the server name it
// sent (SNI), which is empty for an IP address, so tr dials and does the
// handshake itself, knowing the address: the pin's check then has the
// name to verify a pinned CA's leaf against, an IP address included.
// Connections through a proxy are made by net/http with
// tr.TLSClientConfig, whose check has the SNI name only.
func pinnedTLS(tr *http.Transport, p pin, dial func(ctx context.Context, network, addr string) (net.Conn, error), handshakeTimeout time.Duration) {
	base := tr.TLSClientConfig
	then := base.VerifyConnection  // the caller's own check, if any, after the pin's
	base.InsecureSkipVerify = true // verification is the pin's
	base.VerifyConnection = func(cs tls.ConnectionState) error {
		return p.andThen(p.verify(cs.PeerCertificates, cs.ServerName), then, cs)
	}
	tr.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		// tr.TLSClientConfig, not base: net/http adds the ALPN protocols
		// (HTTP/2) to it when it first sends a request.
		cfg := tr.TLSClientConfig.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName = host
		}
		name := cfg.ServerName
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			return p.andThen(p.verify(cs.PeerCertificates, name), then, cs)
		}
		tc := tls.Client(conn, cfg)
		conn.SetDeadline(time.Now().Add(handshakeTimeout))
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		conn.SetDeadline(time.Time{})
		return tc, nil
	}
}

// andThen runs the caller's own VerifyConnection after the pin's check
// passed.
func (pin) andThen(err error, then func(tls.ConnectionState) error, cs tls.ConnectionState) error {
	if err != nil || then == nil {
		return err
	}
	return then(cs)
}
