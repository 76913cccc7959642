package middleware

import (
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/esrt-dev/esrt/rt"
)

// WarnPlaintextCredentials returns a middleware that logs one warning, the
// first time a request carries an Authorization header over plain http to a
// host that is not a loopback address. It changes nothing about the request.
// Place it after routing, where the request's URL is the node it goes to.
// A nil logger makes it a no-op.
//
// The warning names the host, never the credential.
func WarnPlaintextCredentials(logger *slog.Logger) rt.Middleware {
	return func(next http.RoundTripper) http.RoundTripper {
		if logger == nil {
			return next
		}
		return &plaintextTransport{next: next, logger: logger}
	}
}

type plaintextTransport struct {
	next   http.RoundTripper
	logger *slog.Logger
	warned atomic.Bool
}

func (t *plaintextTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.warned.Load() && req.URL.Scheme == "http" && headerValue(req.Header, "Authorization") != "" &&
		!isLoopback(req.URL.Hostname()) && t.warned.CompareAndSwap(false, true) {
		t.logger.LogAttrs(req.Context(), slog.LevelWarn,
			"esrt: credentials are sent over plain http; use https for non-local clusters",
			slog.String("host", req.URL.Host))
	}
	return t.next.RoundTrip(req)
}

// isLoopback reports whether host is "localhost" or a loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Unwrap returns the next RoundTripper.
func (t *plaintextTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to the next RoundTripper.
func (t *plaintextTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }

// String names the layer, so that printing it shows no configuration.
func (t *plaintextTransport) String() string { return "plaintext-credentials warning" }
