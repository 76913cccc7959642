package rt

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinel errors for the static cases; match them with [errors.Is].
var (
	// ErrNoNode means no node could be chosen for an attempt: the pool is
	// empty, or every node is excluded (for instance by an open breaker).
	ErrNoNode = errors.New("esrt: no node available")

	// ErrBreakerOpen means a circuit breaker refused the attempt without
	// sending it.
	ErrBreakerOpen = errors.New("esrt: circuit breaker open")

	// ErrResponseTooLarge is matched by every [*ResponseTooLargeError].
	ErrResponseTooLarge = errors.New("esrt: response too large")

	// ErrInvalidConfig is matched by every [*ConfigError].
	ErrInvalidConfig = errors.New("esrt: invalid configuration")

	// ErrFingerprintMismatch means no certificate the server presented
	// matches the configured fingerprint. It is never retried.
	ErrFingerprintMismatch = errors.New("esrt: no certificate in the server's chain matches CertificateFingerprint")

	// ErrHedgeLost is the cause ([context.Cause]) with which the hedging
	// middleware cancels the context of an attempt that another attempt of
	// the same request beat. Layers below it, and hooks (through the
	// attempt's Request), tell a hedge loser from a caller that gave up by
	// it: a loser says the node was slower than another, never that it
	// failed.
	ErrHedgeLost = errors.New("esrt: hedged attempt lost to a faster one")
)

// AttemptError is the error of one attempt of a request.
type AttemptError struct {
	// Attempt counts attempts from 1.
	Attempt int
	// Node is the node the attempt went to, or nil if none was chosen.
	Node *Node
	// Err is what went wrong.
	Err error
}

func (e *AttemptError) Error() string {
	var b strings.Builder
	b.WriteString("attempt ")
	b.WriteString(strconv.Itoa(e.Attempt))
	if e.Node != nil {
		b.WriteString(" to ")
		b.WriteString(e.Node.String())
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("<nil>")
	}
	return b.String()
}

func (e *AttemptError) Unwrap() error { return e.Err }

// LocalError is the error of an attempt that failed in the client before
// anything was sent, for a cause that says nothing about the node: a
// per-attempt middleware returns it, such as a request signer that could
// not get credentials. Routing holds it against no node (neither its
// health nor its latency estimate changes; the attempt hooks still see
// it), the breakers do not count it, and retry does not send the request
// again: the same cause would fail the next attempt too. Layers match it
// with [errors.As], so it may be wrapped, and it wins over what it wraps:
// one that wraps a deadline (credentials still being fetched when the
// attempt timeout expired) is not an attempt timeout of the node.
//
// The caller's context comes first: when it is done, or the attempt lost
// a hedged race, the attempt is judged as such whatever its error (a
// hedge loser's time may then raise its node's latency estimate).
type LocalError struct {
	// Err is what went wrong.
	Err error
}

func (e *LocalError) Error() string {
	if e.Err == nil {
		return "esrt: attempt not sent: <nil>"
	}
	return "esrt: attempt not sent: " + e.Err.Error()
}

func (e *LocalError) Unwrap() error { return e.Err }

// RetryError is the error of a request that the retry middleware ended
// with an error, whatever the reason: every attempt allowed failed, or it
// stopped before that (retries off, an operation that may have been
// applied, an error no retry can fix, an empty retry budget, a deadline too
// close, a body it cannot send again, the caller's context ended). It is
// returned for a single attempt too. Reason says why it stopped; Attempts
// holds each attempt's error, oldest first, and RetryError wraps the last
// one: [errors.Is] and [errors.As] look at the final failure. When the
// caller's context ended (Reason [StopCanceled] or [StopDeadlineExceeded]),
// errors.Is also matches [context.Canceled] or
// [context.DeadlineExceeded].
//
// Its message names the request by method and path, never its query
// string (which may carry secrets), and each attempt's node as
// [Node.String] prints it, without credentials:
//
//	esrt: POST /logs/_doc: not retried: may have been applied: attempt 1 to http://10.0.0.1:9200: connection reset by peer
//	esrt: GET /_search: 4 attempts failed: attempt 1 to ...; attempt 2 to ...
type RetryError struct {
	// Method and Path are the request's method and escaped path, as the
	// caller sent it (before routing added a node's path prefix), without
	// the query string. Empty when unknown.
	Method, Path string
	// Reason says why no further attempt was made. The zero value is
	// [StopExhausted].
	Reason StopReason
	// Attempts holds one error per attempt, oldest first, usually
	// [*AttemptError] values.
	Attempts []error
}

func (e *RetryError) Error() string {
	var b strings.Builder
	b.WriteString("esrt: ")
	if e.Method != "" || e.Path != "" {
		b.WriteString(e.Method)
		b.WriteByte(' ')
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	switch {
	case e.Reason == StopExhausted:
		fmt.Fprintf(&b, "%d attempts failed", len(e.Attempts))
	case len(e.Attempts) > 1:
		fmt.Fprintf(&b, "%d attempts failed, not retried: %s", len(e.Attempts), e.Reason)
	default:
		b.WriteString("not retried: ")
		b.WriteString(e.Reason.String())
	}
	for i, err := range e.Attempts {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(err.Error())
	}
	return b.String()
}

// Unwrap returns the last attempt's error.
func (e *RetryError) Unwrap() error {
	if len(e.Attempts) == 0 {
		return nil
	}
	return e.Attempts[len(e.Attempts)-1]
}

// Is makes errors.Is(err, context.Canceled) true when Reason is
// [StopCanceled], and errors.Is(err, context.DeadlineExceeded) when it is
// [StopDeadlineExceeded], whatever the last attempt's error says.
func (e *RetryError) Is(target error) bool {
	switch e.Reason {
	case StopCanceled:
		return target == context.Canceled
	case StopDeadlineExceeded:
		return target == context.DeadlineExceeded
	}
	return false
}

// StopReason says why the retry middleware made no further attempt of a
// request that failed: the Reason of a [RetryError]. Branch on its values;
// their String is for messages and may change.
type StopReason uint8

const (
	// StopExhausted: every attempt allowed (MaxRetries+1) failed.
	StopExhausted StopReason = iota
	// StopDisabled: retries are off for the request (DisableRetry, or
	// [WithMaxRetries] 0), so it made a single attempt.
	StopDisabled
	// StopMayHaveBeenApplied: the attempt reached the server and the
	// operation is not safe to repeat (an automatic-id index, a scripted
	// update, a _bulk without ids, ...): it may have been applied, so it
	// is not sent again. Check before sending it again yourself.
	StopMayHaveBeenApplied
	// StopPermanent: the error is one no retry can fix: a certificate
	// the client does not trust, https to a node that speaks plain http,
	// an [*LocalError] (such as a bad per-request option), a request
	// net/http refuses to send.
	StopPermanent
	// StopBudget: the retry budget was empty (a cluster failing as a
	// whole is not sent every request several times).
	StopBudget
	// StopDeadline: the wait before the next attempt would have passed
	// the request's deadline.
	StopDeadline
	// StopBodyNotReplayable: the request body cannot be sent again: it
	// has no GetBody and was too large to buffer, or GetBody failed.
	StopBodyNotReplayable
	// StopCanceled: the caller's context was cancelled.
	StopCanceled
	// StopDeadlineExceeded: the caller's context's deadline passed.
	StopDeadlineExceeded
)

var stopReasons = [...]string{
	StopExhausted:          "retries exhausted",
	StopDisabled:           "retries disabled",
	StopMayHaveBeenApplied: "may have been applied",
	StopPermanent:          "permanent error",
	StopBudget:             "retry budget exhausted",
	StopDeadline:           "deadline too close",
	StopBodyNotReplayable:  "body not replayable",
	StopCanceled:           "context canceled",
	StopDeadlineExceeded:   "context deadline exceeded",
}

func (r StopReason) String() string {
	if int(r) < len(stopReasons) {
		return stopReasons[r]
	}
	return "stop reason " + strconv.Itoa(int(r))
}

// ResponseTooLargeError is returned while reading a response body that goes
// over a configured size limit. The body is never silently truncated.
type ResponseTooLargeError struct {
	// Limit is the limit that was exceeded, in bytes.
	Limit int64
	// Decompressed reports whether the limit was on the decompressed size
	// rather than on the bytes received.
	Decompressed bool
}

// Error says which size went over the limit: the bytes as received (the
// compressed ones, for a body that came gzipped) or after decompression.
func (e *ResponseTooLargeError) Error() string {
	counted := "as received"
	if e.Decompressed {
		counted = "after decompression"
	}
	return fmt.Sprintf("esrt: response too large: body over %d bytes %s", e.Limit, counted)
}

// Is makes errors.Is(err, ErrResponseTooLarge) true.
func (e *ResponseTooLargeError) Is(target error) bool { return target == ErrResponseTooLarge }

// ConfigError reports a configuration value that cannot work. It names the
// field; it never includes a secret.
type ConfigError struct {
	// Field names the setting, such as "Addresses[1]" or "MaxRetries".
	Field string
	// Err says what is wrong with it.
	Err error
}

func (e *ConfigError) Error() string {
	return "esrt: invalid configuration: " + e.Field + ": " + e.Err.Error()
}

// Is makes errors.Is(err, ErrInvalidConfig) true.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

func (e *ConfigError) Unwrap() error { return e.Err }
