package rt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
)

func TestRetryError(t *testing.T) {
	n := &Node{URL: &url.URL{Scheme: "https", Host: "es1:9200", User: url.UserPassword("u", "hunter2")}}
	last := &AttemptError{Attempt: 3, Node: n, Err: io.ErrUnexpectedEOF}
	err := error(&RetryError{Attempts: []error{
		&AttemptError{Attempt: 1, Node: n, Err: ErrNoNode},
		&AttemptError{Attempt: 2, Err: context.DeadlineExceeded},
		last,
	}})

	want := "esrt: 3 attempts failed: attempt 1 to https://u:xxxxx@es1:9200: esrt: no node available; " +
		"attempt 2: context deadline exceeded; attempt 3 to https://u:xxxxx@es1:9200: unexpected EOF"
	if got := err.Error(); got != want {
		t.Errorf("Error() =\n%q\nwant\n%q", got, want)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Error("error reveals the password")
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Error("RetryError does not wrap the last attempt's error")
	}
	if errors.Is(err, ErrNoNode) {
		t.Error("RetryError wraps an earlier attempt's error; only the last is wrapped")
	}
	var ae *AttemptError
	if !errors.As(err, &ae) || ae != last {
		t.Errorf("errors.As found %v, want the last attempt", ae)
	}
	if (&RetryError{}).Unwrap() != nil {
		t.Error("empty RetryError unwraps to non-nil")
	}
}

func TestLocalError(t *testing.T) {
	noCreds := errors.New("sign: no credentials")
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"cause", &LocalError{Err: noCreds}, "esrt: attempt not sent: sign: no credentials"},
		{"nil cause", &LocalError{}, "esrt: attempt not sent: <nil>"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%s: Error() = %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := (&LocalError{}).Unwrap(); got != nil {
		t.Errorf("LocalError without a cause unwraps to %v", got)
	}

	local := &LocalError{Err: fmt.Errorf("read body: %w", io.ErrUnexpectedEOF)}
	// The shapes in which the layers above meet it: as is, wrapped, in
	// the router's AttemptError, as the last attempt of a RetryError.
	for _, err := range []error{
		local,
		fmt.Errorf("sigv4: %w", local),
		&AttemptError{Attempt: 1, Err: local},
		&RetryError{Attempts: []error{&AttemptError{Attempt: 1, Err: ErrNoNode}, &AttemptError{Attempt: 2, Err: local}}},
	} {
		var le *LocalError
		if !errors.As(err, &le) || le != local {
			t.Errorf("errors.As(%v) found %v, want the LocalError", err, le)
		}
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%v does not wrap the cause", err)
		}
	}
	var le *LocalError
	if errors.As(&RetryError{Attempts: []error{local, ErrNoNode}}, &le) {
		t.Error("errors.As found a LocalError of an earlier attempt; only the last is wrapped")
	}
}

func TestTypedErrorsMatchSentinels(t *testing.T) {
	tooLarge := error(&ResponseTooLargeError{Limit: 1024, Decompressed: true})
	if !errors.Is(tooLarge, ErrResponseTooLarge) {
		t.Error("ResponseTooLargeError is not ErrResponseTooLarge")
	}
	if got, want := tooLarge.Error(), "esrt: response too large: body over 1024 bytes after decompression"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	// A body that was never compressed is not called compressed.
	if got, want := (&ResponseTooLargeError{Limit: 5}).Error(), "esrt: response too large: body over 5 bytes as received"; got != want {
		t.Errorf("Error() = %q", got)
	}

	cfg := error(&ConfigError{Field: "MaxRetries", Err: errors.New("must not be negative")})
	if !errors.Is(cfg, ErrInvalidConfig) {
		t.Error("ConfigError is not ErrInvalidConfig")
	}
	if got, want := cfg.Error(), "esrt: invalid configuration: MaxRetries: must not be negative"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	inner := errors.New("inner")
	if !errors.Is(&ConfigError{Field: "X", Err: inner}, inner) {
		t.Error("ConfigError does not unwrap")
	}
	if errors.Is(tooLarge, ErrInvalidConfig) || errors.Is(cfg, ErrResponseTooLarge) {
		t.Error("typed errors match the wrong sentinel")
	}
}

// status503 stands for the error the retry middleware records for an
// attempt answered 503.
var status503 = errors.New("status 503 Service Unavailable")

func TestRetryErrorReasons(t *testing.T) {
	n := &Node{URL: &url.URL{Scheme: "http", Host: "10.0.0.1:9200", User: url.UserPassword("u", "hunter2")}}
	reset := &AttemptError{Attempt: 1, Node: n, Err: errors.New("connection reset by peer")}
	tests := []struct {
		err  *RetryError
		want string
	}{
		{&RetryError{Method: "POST", Path: "/logs/_doc", Reason: StopMayHaveBeenApplied, Attempts: []error{reset}},
			"esrt: POST /logs/_doc: not retried: may have been applied: attempt 1 to http://u:xxxxx@10.0.0.1:9200: connection reset by peer"},
		{&RetryError{Method: "GET", Path: "/_search", Attempts: []error{reset, &AttemptError{Attempt: 2, Err: status503}}},
			"esrt: GET /_search: 2 attempts failed: attempt 1 to http://u:xxxxx@10.0.0.1:9200: connection reset by peer; attempt 2: status 503 Service Unavailable"},
		{&RetryError{Method: "GET", Path: "/", Reason: StopBudget, Attempts: []error{status503, reset}},
			"esrt: GET /: 2 attempts failed, not retried: retry budget exhausted: status 503 Service Unavailable; attempt 1 to http://u:xxxxx@10.0.0.1:9200: connection reset by peer"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() =\n%q\nwant\n%q", got, tt.want)
		}
	}
	for r := StopExhausted; r <= StopDeadlineExceeded; r++ {
		if s := r.String(); s == "" || strings.HasPrefix(s, "stop reason") {
			t.Errorf("reason %d has no name: %q", r, s)
		}
	}
	if s := StopReason(200).String(); s != "stop reason 200" {
		t.Errorf("unknown reason prints %q", s)
	}

	// The caller's context: matched whatever the last attempt says.
	last := []error{&AttemptError{Attempt: 1, Err: status503}}
	canceled := &RetryError{Reason: StopCanceled, Attempts: last}
	deadline := &RetryError{Reason: StopDeadlineExceeded, Attempts: last}
	if !errors.Is(canceled, context.Canceled) || errors.Is(canceled, context.DeadlineExceeded) {
		t.Error("StopCanceled must match context.Canceled only")
	}
	if !errors.Is(deadline, context.DeadlineExceeded) || errors.Is(deadline, context.Canceled) {
		t.Error("StopDeadlineExceeded must match context.DeadlineExceeded only")
	}
	if errors.Is(&RetryError{Reason: StopDeadline, Attempts: last}, context.DeadlineExceeded) {
		t.Error("a deadline too close for a retry is not the caller's deadline")
	}
}
