package esrt

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/esrt-dev/esrt/internal/check"
	"github.com/esrt-dev/esrt/rt"
)

// HTTPTransportConfig configures [NewHTTPTransport]. The zero value gives a
// transport that verifies certificates against the system roots.
type HTTPTransportConfig struct {
	// CACert is one or more PEM certificates that replace the system roots,
	// such as the CA that Elasticsearch generates at first start
	// (config/certs/http_ca.crt).
	CACert []byte

	// CertificateFingerprint pins a certificate by the hex SHA-256
	// fingerprint of its DER encoding, with or without colons, in any case,
	// as Elasticsearch prints it at first start (the fingerprint of its
	// HTTP CA, config/certs/http_ca.crt) and as
	// "openssl x509 -noout -fingerprint -sha256" prints it. The server must
	// present the pinned certificate, as its own or in its chain:
	//
	//   - Pinned leaf (the server's own certificate): it is the server's
	//     identity. It must be within its validity period and allow server
	//     authentication; its names are not checked.
	//   - Pinned CA: it is the only root of trust, as if it were the only
	//     certificate in CACert. The server's certificate must verify up to
	//     it through the chain the server presents (signatures, validity
	//     periods, extended key usage serverAuth) and be valid for the host
	//     name or IP address connected to, which Elasticsearch's generated
	//     node certificates are for the names and addresses of the node.
	//
	// The system roots are not consulted. A chain that merely contains the
	// pinned certificate is refused unless it verifies so: the certificate
	// is public, so anyone can present it. With CACert too, both must hold:
	// the chain verifies against CACert (host name included) and the pinned
	// certificate is part of the chain verified.
	//
	// A wrong or absent pin fails the TLS handshake with an error matching
	// [rt.ErrFingerprintMismatch] or wrapping the crypto/x509 error.
	CertificateFingerprint string

	// TLSConfig is the base TLS configuration: client certificates for
	// mutual TLS, ServerName, cipher suites. It is cloned, never modified.
	// If nil, an empty one. A MinVersion below TLS 1.2 is raised to 1.2.
	TLSConfig *tls.Config

	// MaxIdleConnsPerHost is how many idle connections are kept per node.
	// If zero, 256: enough for 256 requests at once to a three-node cluster
	// without closing and reopening connections between them (net/http's
	// default is 2, which makes a busy client churn connections to every
	// node all the time). Only connections a peak of concurrency opened
	// are kept, and each closes after 90 s idle.
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

// String returns the fields that are set, as [Config.String] does: the
// TLS configuration, which may hold client certificates' private keys,
// shows as its type only.
func (c HTTPTransportConfig) String() string {
	return formatFields("esrt.HTTPTransportConfig", redactedFields(reflect.ValueOf(c)))
}

// Format prints [HTTPTransportConfig.String] for every verb: without it, a
// verb such as %s would print the TLS configuration, keys included.
func (c HTTPTransportConfig) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, fmt.FormatString(f, verb), c.String())
}

// GoString returns [HTTPTransportConfig.String].
func (c HTTPTransportConfig) GoString() string { return c.String() }

// LogValue logs the fields that are set, as [HTTPTransportConfig.String]
// shows them.
func (c HTTPTransportConfig) LogValue() slog.Value {
	return slog.GroupValue(redactedFields(reflect.ValueOf(c))...)
}

// NewHTTPTransport returns the base *http.Transport esrt sends requests
// through: connection pool settings for a cluster client, HTTP/2 where the
// server offers it, and TLS verification as cfg says. Errors are
// [*rt.ConfigError] values: an unparsable CACert or fingerprint never falls
// back to an unverified connection.
//
// With a CertificateFingerprint and no CACert, the pin's check lives in
// the returned transport's DialTLSContext (which makes the connections to
// nodes, so that the check knows the address connected to) and in its
// TLSClientConfig (for connections through a proxy, with
// InsecureSkipVerify set because the pin's check replaces crypto/tls's):
// a caller that changes the transport must keep both.
func NewHTTPTransport(cfg HTTPTransportConfig) (*http.Transport, error) {
	if err := cmp.Or(check.Duration("DialTimeout", cfg.DialTimeout), check.Duration("TLSHandshakeTimeout", cfg.TLSHandshakeTimeout),
		check.Duration("ResponseHeaderTimeout", cfg.ResponseHeaderTimeout), check.Count("MaxIdleConnsPerHost", cfg.MaxIdleConnsPerHost)); err != nil {
		return nil, err
	}
	tlsCfg, err := clientTLSConfig(cfg)
	if err != nil {
		return nil, err
	}
	var p *pin
	if cfg.CertificateFingerprint != "" {
		sum, err := ParseFingerprint(cfg.CertificateFingerprint)
		if err != nil {
			return nil, &rt.ConfigError{Field: "CertificateFingerprint", Err: err}
		}
		p = &pin{sum: sum}
	}
	dialer := &net.Dialer{Timeout: cmp.Or(cfg.DialTimeout, 10*time.Second), KeepAlive: 30 * time.Second}
	perHost := cfg.MaxIdleConnsPerHost
	if perHost == 0 {
		perHost = 256
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       tlsCfg,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          0, // no global cap: MaxIdleConnsPerHost bounds each node
		MaxIdleConnsPerHost:   perHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   cmp.Or(cfg.TLSHandshakeTimeout, 10*time.Second),
		ResponseHeaderTimeout: cfg.ResponseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
	}
	switch {
	case p == nil:
	case len(cfg.CACert) > 0:
		// crypto/tls verifies the chain against CACert, host name
		// included; the pinned certificate must be part of what it
		// verified.
		then := tlsCfg.VerifyConnection
		tlsCfg.VerifyConnection = func(cs tls.ConnectionState) error {
			return p.andThen(p.inVerifiedChains(cs.VerifiedChains), then, cs)
		}
	default:
		pinnedTLS(tr, *p, dialer.DialContext, tr.TLSHandshakeTimeout)
	}
	return tr, nil
}

// clientTLSConfig clones the caller's TLS configuration, raises its
// minimum version and puts CACert in its roots.
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
	return tc, nil
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

// baseTransport returns cfg.Transport, or esrt's NewHTTPTransport with
// cfg's TLS settings, which configure esrt's own transport only.
func baseTransport(cfg Config) (http.RoundTripper, error) {
	if cfg.Transport == nil {
		return NewHTTPTransport(HTTPTransportConfig{CACert: cfg.CACert, CertificateFingerprint: cfg.CertificateFingerprint})
	}
	if len(cfg.CACert) > 0 || cfg.CertificateFingerprint != "" {
		return nil, &rt.ConfigError{Field: "Transport", Err: errors.New("CACert and CertificateFingerprint configure esrt's own base transport; set TLS on your Transport instead")}
	}
	return cfg.Transport, nil
}
