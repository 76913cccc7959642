package esrt

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"

	"github.com/esrt-dev/esrt/rt"
)

// baseGuard sits right above the base transport, esrt's or the caller's
// (Config.Transport), below Config.AttemptMiddleware. It does five things no
// layer above can do for every attempt:
//
//   - After [Transport.Close] it refuses to start an attempt, with an
//     [*rt.LocalError] wrapping [ErrClosed] (no node's fault: routing and
//     the breakers ignore it and retry stops), so that a retry or a hedge
//     of a request that was in flight at Close dials no new connection.
//     An attempt that was in flight at Close closes the base's idle
//     connections again when it ends (its response body read to the end
//     or closed, or its error returned), which closes the connection it
//     used and which went back to the pool after Close.
//   - It keeps net/http's Transport from sending an attempt again on its
//     own when a reused connection breaks, unless the request only reads
//     (see [noReplay]): whether it is sent again is the retry
//     middleware's decision, by the operation's safety.
//   - It turns the error of a request that net/http refused to send (an
//     invalid method or header, such as a value with a line break) into an
//     [*rt.LocalError]: the node is not blamed and retry stops.
//   - It refuses a 101 Switching Protocols answer to a request that asked
//     for no upgrade: net/http would hand back the raw connection as its
//     body, which no size cap or declared length bounds.
//   - It adds a hint to the errors that a TLS misconfiguration causes:
//     an untrusted certificate, a certificate for other names, an https://
//     address on a node that answered plain HTTP. The hint wraps the
//     error: [errors.As] still finds the crypto/x509 and crypto/tls error
//     types under it.
type baseGuard struct {
	next    http.RoundTripper
	closed  <-chan struct{}
	ownBase bool // next is esrt's NewHTTPTransport: hints name Config's TLS fields
}

var _ http.RoundTripper = (*baseGuard)(nil)

// guard returns the middleware that puts a baseGuard on the base
// transport. closed is closed by Transport.Close; ownBase says that the
// base is esrt's own NewHTTPTransport.
func guard(closed <-chan struct{}, ownBase bool) rt.Middleware {
	return func(next http.RoundTripper) http.RoundTripper {
		return &baseGuard{next: next, closed: closed, ownBase: ownBase}
	}
}

func (g *baseGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if g.isClosed() {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &rt.LocalError{Err: ErrClosed}
	}
	res, err := g.next.RoundTrip(noReplay(req))
	if err != nil {
		g.attemptEnded()
		if why := unsendable(req); why != "" {
			// net/http refused it before sending: not the node's fault,
			// and no retry would send it.
			return nil, &rt.LocalError{Err: fmt.Errorf("esrt: request cannot be sent: %s: %w", why, err)}
		}
		return nil, g.hint(err)
	}
	if res.StatusCode == http.StatusSwitchingProtocols && len(req.Header["Upgrade"]) == 0 {
		// net/http hands back the raw connection as the body of a 101:
		// from a node that switched protocols unasked, it is a stream
		// that no size cap or length bounds.
		res.Body.Close()
		g.attemptEnded()
		return nil, errUnaskedUpgrade
	}
	if res.Body == nil || res.Body == http.NoBody {
		g.attemptEnded() // net/http has already put the connection back
		return res, nil
	}
	res.Body = &guardedBody{ReadCloser: res.Body, guard: g}
	return res, nil
}

// errUnaskedUpgrade is the error of an attempt that a node answered with
// 101 Switching Protocols although the request asked for no upgrade.
var errUnaskedUpgrade = errors.New("esrt: the node answered 101 Switching Protocols to a request that asked for no upgrade")

// CloseIdleConnections closes the base transport's idle connections.
func (g *baseGuard) CloseIdleConnections() { rt.CloseIdleConnections(g.next) }

// Unwrap returns the base transport.
func (g *baseGuard) Unwrap() http.RoundTripper { return g.next }

func (g *baseGuard) isClosed() bool {
	select {
	case <-g.closed:
		return true
	default:
		return false
	}
}

// attemptEnded closes the connection an attempt that ended after Close
// left idle. net/http puts an HTTP/1 connection back in its pool before the
// read that reaches the end of the body returns, or closes it before the
// body's Close returns, so it is there to be closed. (Had Close come
// before that, its own CloseIdleConnections ran after the connection was
// back.)
func (g *baseGuard) attemptEnded() {
	if g.isClosed() {
		g.CloseIdleConnections()
	}
}

// guardedBody tells its guard when the attempt ends: at the end of the body
// or when it is closed, whichever comes first. After Close, the end of the
// body also closes it: an HTTP/2 connection is idle, and can be closed,
// only once its stream is cleaned up, which the body's Close waits for
// while the attempt's context is alive (the layers above cancel it once
// the body is read to the end).
type guardedBody struct {
	io.ReadCloser
	guard  *baseGuard
	closed atomic.Bool // the body below was closed
	ended  atomic.Bool // the guard was told
}

func (b *guardedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && b.guard.isClosed() {
		b.closeBody()
		b.end()
	}
	return n, err
}

func (b *guardedBody) Close() error {
	err := b.closeBody()
	b.end()
	return err
}

func (b *guardedBody) closeBody() error {
	if b.closed.Swap(true) {
		return nil
	}
	return b.ReadCloser.Close()
}

func (b *guardedBody) end() {
	if !b.ended.Swap(true) {
		b.guard.attemptEnded()
	}
}

// hint adds to err what to change when it is a TLS misconfiguration.
func (g *baseGuard) hint(err error) error {
	var (
		record    tls.RecordHeaderError
		hostname  x509.HostnameError
		authority x509.UnknownAuthorityError
		pinned    *pinError
	)
	switch {
	case errors.As(err, &record) && string(record.RecordHeader[:]) == "HTTP/":
		return &hintError{err, "the node answered plain HTTP: use http:// in Addresses"}
	case errors.Is(err, rt.ErrFingerprintMismatch):
		return &hintError{err, "the node must present the pinned certificate, its own or its CA's in its chain; " +
			"Elasticsearch prints the fingerprint of its HTTP CA (config/certs/http_ca.crt) at first start"}
	case errors.As(err, &hostname):
		return &hintError{err, "the address used, " + hostname.Host + ", is not among the names the node's certificate is valid for: " +
			"use one of them in Addresses, or give the node a certificate for the address used"}
	case errors.As(err, &pinned):
		return err // says it is the pin's check; CACert advice would mislead
	case errors.As(err, &authority) && g.ownBase:
		return &hintError{err, "the node's certificate is not signed by a CA esrt trusts: set CACert to the CA certificate that signed it, " +
			"such as Elasticsearch's config/certs/http_ca.crt, or CertificateFingerprint to that CA's SHA-256 fingerprint"}
	case errors.As(err, &authority):
		return &hintError{err, "the node's certificate is not signed by a CA that Config.Transport's TLS configuration trusts (RootCAs)"}
	}
	return err
}

// hintError is an error with advice on what to change. It wraps the
// error: [errors.Is] and [errors.As] see through it.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() + " (" + e.hint + ")" }

func (e *hintError) Unwrap() error { return e.err }

// String names the layer, so that printing it shows no configuration.
func (g *baseGuard) String() string { return "guard" }
