package middleware

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/esrt-dev/esrt/internal/header"
	"github.com/esrt-dev/esrt/internal/routing"
	"github.com/esrt-dev/esrt/rt"
)

// What an attempt's outcome tells the retry middleware: whether it may
// have reached a server, whether any retry could fix it, and how long to
// wait before the next attempt.

// mayHaveReached reports whether an attempt that ended with res or err may
// have been applied by a server: it did not fail before it reached one
// (see [unsent]), and was not answered 429, which Elasticsearch sends for
// work it rejected without running it.
func mayHaveReached(res *http.Response, err error, wrote *atomic.Bool) bool {
	if res != nil {
		return res.StatusCode != http.StatusTooManyRequests
	}
	return !unsent(err, wrote)
}

// unsent reports whether a failed attempt never reached a server, so that
// it put no load on the cluster: it failed in the client ([*rt.LocalError]),
// the request was not written (when wrote tracks that), or else its
// connection could not be made, no node could be chosen or a breaker
// refused it.
func unsent(err error, wrote *atomic.Bool) bool {
	var le *rt.LocalError
	switch {
	case err == nil:
		return false
	case errors.As(err, &le):
		return true
	case wrote != nil:
		return !wrote.Load()
	}
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "dial" || errors.Is(err, rt.ErrNoNode) || errors.Is(err, rt.ErrBreakerOpen)
}

// permanent reports whether err, the error of an attempt of req, is one
// that no retry can fix. Each class is matched with errors.Is or
// errors.As, so a layer may wrap it (to add a hint, say):
//
//   - a failure in the client before sending ([*rt.LocalError]), which
//     the next attempt would meet too;
//   - a certificate the client does not trust: the verification failed
//     ([*tls.CertificateVerificationError], or one of the x509 errors
//     within: [x509.UnknownAuthorityError], [x509.HostnameError],
//     [x509.CertificateInvalidError]) or the pinned fingerprint did not
//     match ([rt.ErrFingerprintMismatch]);
//   - an https:// address of a node that speaks plain http: the TLS
//     handshake read a record that is not TLS ([tls.RecordHeaderError]),
//     which http.Client turns into [http.ErrSchemeMismatch];
//   - a request that net/http refuses to send whatever the node (see
//     [unsendable]).
//
// A redirect loop is not among them: a transport never follows redirects.
// A done context is not either: the retry loop tells the caller's from an
// attempt's own timeout, which a retry may well fix.
func permanent(req *http.Request, err error) bool {
	var (
		local        *rt.LocalError
		verification *tls.CertificateVerificationError
		authority    x509.UnknownAuthorityError
		hostname     x509.HostnameError
		invalid      x509.CertificateInvalidError
		record       tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &local):
	case errors.Is(err, rt.ErrFingerprintMismatch), errors.As(err, &verification),
		errors.As(err, &authority), errors.As(err, &hostname), errors.As(err, &invalid):
	case errors.As(err, &record), errors.Is(err, http.ErrSchemeMismatch):
	case unsendable(req):
	default:
		return false
	}
	return true
}

// unsendable reports whether net/http refuses to send req before it
// reaches any node (with an error that has no type of its own): its
// method, a header's or a trailer's name is not a token, a header or
// trailer value holds a control character, or its URL has a scheme other
// than http and https (an empty one is the router's to fill).
func unsendable(req *http.Request) bool {
	if req.Method != "" && !header.IsToken(req.Method) {
		return true
	}
	if _, err := header.Check(req.Header); err != nil {
		return true
	}
	if _, err := header.Check(req.Trailer); err != nil {
		return true
	}
	if req.URL == nil {
		return false // not judged here
	}
	s := req.URL.Scheme
	return s != "" && s != "http" && s != "https"
}

// untriedLeft reports whether a pool of total nodes has one that the
// request has not tried, counting the node of the attempt that just ended
// with err: from the attempt record, or for a first attempt from the
// router's [*rt.AttemptError]. An attempt whose node is unknown (none
// could be chosen) answers false: the pool is no help.
func untriedLeft(total int, attempts *routing.Attempts, err error) bool {
	var nodes []*rt.Node
	if attempts != nil {
		nodes = attempts.Nodes()
	} else if ae, ok := err.(*rt.AttemptError); ok {
		nodes = []*rt.Node{ae.Node}
	}
	if len(nodes) == 0 || nodes[len(nodes)-1] == nil {
		return false
	}
	seen := make(map[string]bool, len(nodes))
	for _, node := range nodes {
		if node != nil && node.URL != nil {
			seen[node.Key()] = true
		}
	}
	return len(seen) < total
}

// delay returns the wait before the retry that follows attempt n, which
// ended with res or err.
func (t *retryTransport) delay(n int, res *http.Response, err error) time.Duration {
	if errors.Is(err, rt.ErrBreakerOpen) {
		return 0 // nothing was sent, and the retry goes elsewhere
	}
	var d time.Duration
	if t.backoff != nil {
		d = t.backoff(n)
	} else {
		// go-retryablehttp's exponential curve, with full jitter on top.
		ceiling := retryablehttp.DefaultBackoff(t.minBackoff, t.maxBackoff, n-1, nil)
		d = rand.N(ceiling + 1)
	}
	if ra, ok := retryAfter(res, time.Now()); ok {
		if ra = min(ra, t.maxRetryAfter); ra > d {
			d = ra
		}
	}
	return max(d, 0)
}
