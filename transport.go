package esrt

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/esrt-dev/esrt/rt"
)

// HTTPTransportConfig configures [NewHTTPTransport]. The zero value gives a
// transport that verifies certificates against the system roots.
type HTTPTransportConfig struct {
	// CACert is one or more PEM certificates that replace the system roots,
	// such as the CA that Elasticsearch generates at first start
	// (config/certs/http_ca.crt).
	CACert []byte

	// CertificateFingerprint pins the server: the hex SHA-256 fingerprint of
	// any certificate in the chain the server presents (its own or a CA's),
	// with or without colons, in any case. With a fingerprint alone the chain
	// is not verified against any roots and the host name is not checked:
	// the fingerprint is the trust anchor, which suits the self-signed
	// certificates of a fresh Elasticsearch. With CACert too, both must hold.
	CertificateFingerprint string

	// TLSConfig is the base TLS configuration: client certificates for
	// mutual TLS, ServerName, cipher suites. It is cloned, never modified.
	// If nil, an empty one. A MinVersion below TLS 1.2 is raised to 1.2.
	TLSConfig *tls.Config

	// MaxIdleConnsPerHost is how many idle connections are kept per node.
	// If zero, 32 (net/http's default is 2, which makes a busy client open
	// and close connections to every node all the time).
	MaxIdleConnsPerHost int

	// DialTimeout bounds connecting to a node. If zero, 10 s.
	DialTimeout time.Duration

	// TLSHandshakeTimeout bounds the TLS handshake. If zero, 10 s.
	TLSHandshakeTimeout time.Duration

	// ResponseHeaderTimeout bounds the wait for a response's headers after
	// the request was written. If zero, there is none: Elasticsearch has
	// legitimately long calls (a synchronous _reindex, a force merge), so
	// esrt bounds requests with the overall and per-attempt timeouts, which
	// callers can set per request, instead.
	ResponseHeaderTimeout time.Duration
}

// NewHTTPTransport returns the base *http.Transport esrt sends requests
// through: connection pool settings for a cluster client, HTTP/2 where the
// server offers it, and TLS verification as cfg says. Errors are
// [*rt.ConfigError] values: an unparsable CACert or fingerprint never falls
// back to an unverified connection.
func NewHTTPTransport(cfg HTTPTransportConfig) (*http.Transport, error) {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"DialTimeout", cfg.DialTimeout}, {"TLSHandshakeTimeout", cfg.TLSHandshakeTimeout}, {"ResponseHeaderTimeout", cfg.ResponseHeaderTimeout}} {
		if d.v < 0 {
			return nil, &rt.ConfigError{Field: d.name, Err: fmt.Errorf("negative duration %v", d.v)}
		}
	}
	if cfg.MaxIdleConnsPerHost < 0 {
		return nil, &rt.ConfigError{Field: "MaxIdleConnsPerHost", Err: fmt.Errorf("negative value %d", cfg.MaxIdleConnsPerHost)}
	}
	tlsCfg, err := clientTLSConfig(cfg)
	if err != nil {
		return nil, err
	}
	dialer := &net.Dialer{Timeout: orDefault(cfg.DialTimeout, 10*time.Second), KeepAlive: 30 * time.Second}
	perHost := cfg.MaxIdleConnsPerHost
	if perHost == 0 {
		perHost = 32
	}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       tlsCfg,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          0, // no global cap: MaxIdleConnsPerHost bounds each node
		MaxIdleConnsPerHost:   perHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   orDefault(cfg.TLSHandshakeTimeout, 10*time.Second),
		ResponseHeaderTimeout: cfg.ResponseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
	}, nil
}

func clientTLSConfig(cfg HTTPTransportConfig) (*tls.Config, error) {
	var tc *tls.Config
	if cfg.TLSConfig != nil {
		tc = cfg.TLSConfig.Clone()
	} else {
		tc = &tls.Config{}
	}
	if tc.MinVersion < tls.VersionTLS12 {
		tc.MinVersion = tls.VersionTLS12
	}
	if len(cfg.CACert) > 0 {
		pool, err := parseCACert(cfg.CACert)
		if err != nil {
			return nil, &rt.ConfigError{Field: "CACert", Err: err}
		}
		tc.RootCAs = pool
	}
	if cfg.CertificateFingerprint == "" {
		return tc, nil
	}
	want, err := ParseFingerprint(cfg.CertificateFingerprint)
	if err != nil {
		return nil, &rt.ConfigError{Field: "CertificateFingerprint", Err: err}
	}
	verifyChain := len(cfg.CACert) > 0
	roots := tc.RootCAs
	// Verification happens in VerifyConnection, which sees the whole chain
	// and the connection's server name.
	tc.InsecureSkipVerify = true
	tc.VerifyConnection = func(cs tls.ConnectionState) error {
		if verifyChain {
			if err := verifyPeer(cs, roots); err != nil {
				return err
			}
		}
		for _, cert := range cs.PeerCertificates {
			got := sha256.Sum256(cert.Raw)
			if subtle.ConstantTimeCompare(got[:], want) == 1 {
				return nil
			}
		}
		return rt.ErrFingerprintMismatch
	}
	return tc, nil
}

// verifyPeer does what crypto/tls does when InsecureSkipVerify is false.
func verifyPeer(cs tls.ConnectionState, roots *x509.CertPool) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("esrt: server presented no certificate")
	}
	opts := x509.VerifyOptions{Roots: roots, DNSName: cs.ServerName, Intermediates: x509.NewCertPool()}
	for _, c := range cs.PeerCertificates[1:] {
		opts.Intermediates.AddCert(c)
	}
	_, err := cs.PeerCertificates[0].Verify(opts)
	return err
}

func parseCACert(pemBytes []byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		if !bytes.Contains(pemBytes, []byte("-----BEGIN CERTIFICATE-----")) {
			return nil, errors.New("no PEM certificate found (want -----BEGIN CERTIFICATE-----)")
		}
		return nil, errors.New("PEM certificate does not parse")
	}
	return pool, nil
}

// ParseFingerprint decodes a SHA-256 certificate fingerprint written as hex,
// with or without colons, in any case, as Elasticsearch prints it at first
// start and openssl prints it with -fingerprint -sha256.
func ParseFingerprint(s string) ([]byte, error) {
	clean := strings.ReplaceAll(strings.TrimSpace(s), ":", "")
	b, err := hex.DecodeString(clean)
	if err != nil {
		return nil, errors.New("not hexadecimal")
	}
	if len(b) != sha256.Size {
		return nil, fmt.Errorf("%d bytes, want a SHA-256 fingerprint of %d bytes", len(b), sha256.Size)
	}
	return b, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
