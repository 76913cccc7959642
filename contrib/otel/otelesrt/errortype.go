package otelesrt

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strconv"
	"syscall"

	"github.com/esrt-dev/esrt/rt"
)

// The error.type values of errors without a status. The semantic
// conventions leave them to the instrumentation; these are few and stable,
// so that a metric split by error.type stays small. Anything else is
// _OTHER.
const (
	errTimeout           = "timeout"
	errCanceled          = "canceled"
	errHedgeLost         = "hedge_lost"
	errConnectionRefused = "connection_refused"
	errConnectionReset   = "connection_reset"
	errNameResolution    = "name_resolution"
	errTLS               = "tls"
	errNoNode            = "no_node"
	errBreakerOpen       = "breaker_open"
	errResponseTooLarge  = "response_too_large"
	errNotSent           = "not_sent"
)

// statusType returns error.type for an HTTP status: the status itself.
func statusType(status int) string { return strconv.Itoa(status) }

// errorType returns error.type for a Go error: its kind among the values
// above, else _OTHER. esrt's own errors come first: a RetryError that
// ended with the caller's cancellation is canceled whatever its last
// attempt said.
func errorType(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, rt.ErrHedgeLost):
		return errHedgeLost
	case errors.Is(err, rt.ErrNoNode):
		return errNoNode
	case errors.Is(err, rt.ErrBreakerOpen):
		return errBreakerOpen
	case errors.Is(err, rt.ErrResponseTooLarge):
		return errResponseTooLarge
	case errors.Is(err, rt.ErrFingerprintMismatch):
		return errTLS
	}
	var local *rt.LocalError
	if errors.As(err, &local) && !callerGaveUp(err) {
		return errNotSent // it wins over what it wraps, as in esrt's layers
	}
	switch {
	case errors.Is(err, context.Canceled):
		return errCanceled
	case errors.Is(err, context.DeadlineExceeded):
		return errTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return errConnectionRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errConnectionReset
	}
	return errorTypeByType(err)
}

// callerGaveUp reports whether err is a RetryError that stopped because
// the caller's context ended.
func callerGaveUp(err error) bool {
	var re *rt.RetryError
	return errors.As(err, &re) && (re.Reason == rt.StopCanceled || re.Reason == rt.StopDeadlineExceeded)
}

// errorTypeByType finds the kinds that are types rather than values.
func errorTypeByType(err error) string {
	var (
		dns     *net.DNSError
		netErr  net.Error
		verify  *tls.CertificateVerificationError
		header  tls.RecordHeaderError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &dns):
		return errNameResolution
	case errors.As(err, &verify), errors.As(err, &header), errors.As(err, &unknown),
		errors.As(err, &host), errors.As(err, &invalid):
		return errTLS
	case errors.As(err, &netErr) && netErr.Timeout():
		return errTimeout
	}
	return otherValue
}

// attemptErrorType is errorType for one attempt, whose context tells a
// hedge that lost its race from a caller that gave up.
func attemptErrorType(ctx context.Context, err error) string {
	if ctx.Err() != nil && errors.Is(context.Cause(ctx), rt.ErrHedgeLost) {
		return errHedgeLost
	}
	return errorType(err)
}
