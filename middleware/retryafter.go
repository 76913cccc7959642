package middleware

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryAfter returns the wait that the Retry-After header of a 429 or 503
// response asks for, as of now: a number of seconds, or an HTTP date (0
// when it has passed). ok is false when the status is another one, or the
// header is missing, negative or unreadable. A number of seconds too large
// for a time.Duration reads as the longest one, so that the caller's cap
// applies to it rather than an overflow.
func retryAfter(res *http.Response, now time.Time) (d time.Duration, ok bool) {
	if res == nil || res.StatusCode != http.StatusTooManyRequests && res.StatusCode != http.StatusServiceUnavailable {
		return 0, false
	}
	v := res.Header.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		switch {
		case secs < 0 || strings.HasPrefix(v, "-"):
			return 0, false
		case secs > math.MaxInt64/int64(time.Second):
			return math.MaxInt64, true
		}
		return time.Duration(secs) * time.Second, true
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(at.Sub(now), 0), true
}
