package otelesrt

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"

	"github.com/esrt-dev/esrt/rt"
)

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

func TestErrorType(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{refused, "connection_refused"},
		{&url.Error{Op: "Get", URL: "http://es", Err: refused}, "connection_refused"},
		{&rt.RetryError{Attempts: []error{&rt.AttemptError{Attempt: 1, Err: refused}, &rt.AttemptError{Attempt: 2, Err: io.EOF}}}, "connection_reset"},
		{&rt.RetryError{Reason: rt.StopCanceled, Attempts: []error{&rt.AttemptError{Err: refused}}}, "canceled"},
		{&rt.RetryError{Reason: rt.StopDeadlineExceeded, Attempts: []error{&rt.LocalError{Err: errors.New("no credentials")}}}, "timeout"},
		{&rt.LocalError{Err: context.DeadlineExceeded}, "not_sent"},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), "connection_reset"},
		{io.ErrUnexpectedEOF, "connection_reset"},
		{context.Canceled, "canceled"},
		{context.DeadlineExceeded, "timeout"},
		{&net.OpError{Op: "read", Err: timeoutError{}}, "timeout"},
		{&net.DNSError{Err: "no such host", Name: "es", IsNotFound: true}, "name_resolution"},
		{x509.UnknownAuthorityError{}, "tls"},
		{rt.ErrFingerprintMismatch, "tls"},
		{fmt.Errorf("attempt: %w", rt.ErrNoNode), "no_node"},
		{rt.ErrBreakerOpen, "breaker_open"},
		{&rt.ResponseTooLargeError{Limit: 10}, "response_too_large"},
		{rt.ErrHedgeLost, "hedge_lost"},
		{errors.New("something else"), "_OTHER"},
	}
	for _, tt := range tests {
		if got := errorType(tt.err); got != tt.want {
			t.Errorf("errorType(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestAttemptErrorTypeHedgeLost(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(rt.ErrHedgeLost)
	if got := attemptErrorType(ctx, context.Canceled); got != "hedge_lost" {
		t.Errorf("a hedge that lost: %q, want hedge_lost", got)
	}
	ctx, cancel = context.WithCancelCause(context.Background())
	cancel(nil)
	if got := attemptErrorType(ctx, context.Canceled); got != "canceled" {
		t.Errorf("a caller that gave up: %q, want canceled", got)
	}
}
