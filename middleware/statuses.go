package middleware

import (
	"fmt"

	"github.com/esrt-dev/esrt/rt"
)

// statusSet is a set of HTTP statuses: those that the retry middleware
// retries, and that do not settle a hedged race. The zero value is empty.
type statusSet [10]uint64 // bit code%64 of word code/64, for codes below 640

// defaultRetryOnStatus is what a nil RetryOnStatus means.
var defaultRetryOnStatus = []int{429, 502, 503, 504}

// newStatusSet returns the set of codes, or of [defaultRetryOnStatus] when
// codes is nil. A code that is not an HTTP status (100 to 599), or with
// errorsOnly not an error status (400 to 599), is an [*rt.ConfigError]
// naming RetryOnStatus.
func newStatusSet(codes []int, errorsOnly bool) (statusSet, error) {
	if codes == nil {
		codes = defaultRetryOnStatus
	}
	var s statusSet
	for _, c := range codes {
		switch {
		case c < 100 || c > 599:
			return s, &rt.ConfigError{Field: "RetryOnStatus", Err: fmt.Errorf("%d is not an HTTP status", c)}
		case errorsOnly && c < 400:
			return s, &rt.ConfigError{Field: "RetryOnStatus", Err: fmt.Errorf("%d is not an error status: only 400 to 599 can be retried", c)}
		}
		s[c/64] |= 1 << (c % 64)
	}
	return s, nil
}

// has reports whether code is in s.
func (s *statusSet) has(code int) bool {
	return code >= 0 && code < 640 && s[code/64]&(1<<(code%64)) != 0
}
