package middleware

import (
	"math/big"
	"net/http"
	"regexp"
	"testing"
	"time"
)

// retryAfterDelay returns the wait of a Retry transport without backoff
// of its own before the retry of a response with status and Retry-After.
func retryAfterDelay(t *testing.T, status int, retryAfter string) time.Duration {
	t.Helper()
	mw, err := Retry(RetryConfig{Backoff: func(int) time.Duration { return 0 }, MaxRetryAfter: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	res := &http.Response{StatusCode: status, Header: http.Header{"Retry-After": {retryAfter}}}
	return mw(nil).(*retryTransport).delay(1, res, nil)
}

// A Retry-After too long for a time.Duration waits MaxRetryAfter, as any
// long one does; it used to overflow into a short or negative wait
// (18446744074 s became 0.29 s).
func TestRetryAfterHuge(t *testing.T) {
	for _, v := range []string{"18446744074", "9223372037", "99999999999999999999999", "3600"} {
		if d := retryAfterDelay(t, http.StatusTooManyRequests, v); d != 30*time.Second {
			t.Errorf("Retry-After: %s waits %v, want MaxRetryAfter (30s)", v, d)
		}
	}
	for _, v := range []string{"-1", "-99999999999999999999999", "1.5", "soon"} {
		if d := retryAfterDelay(t, http.StatusServiceUnavailable, v); d != 0 {
			t.Errorf("Retry-After: %s waits %v, want no wait", v, d)
		}
	}
	if d := retryAfterDelay(t, http.StatusBadGateway, "10"); d != 0 {
		t.Errorf("Retry-After on a 502 waits %v", d)
	}
	if d := retryAfterDelay(t, http.StatusServiceUnavailable, time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)); d != 30*time.Second {
		t.Errorf("Retry-After an hour from now waits %v", d)
	}
}

var decimalSeconds = regexp.MustCompile(`^\+?[0-9]+$`)

// FuzzRetryAfter: whatever the header says, the wait is between 0 and
// MaxRetryAfter, and a number of seconds waits exactly that long, capped
// (checked with math/big, which cannot overflow).
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"120", "0", "", "-1", "+5", "1.5", "18446744074", "9223372037",
		"Fri, 31 Dec 1999 23:59:59 GMT", "Sun, 06 Nov 2094 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d := retryAfterDelay(t, http.StatusTooManyRequests, v)
		if d < 0 || d > 30*time.Second {
			t.Fatalf("Retry-After: %q waits %v", v, d)
		}
		if !decimalSeconds.MatchString(v) {
			return
		}
		n, _ := new(big.Int).SetString(v, 10)
		want := 30 * time.Second
		if n.Cmp(big.NewInt(30)) < 0 {
			want = time.Duration(n.Int64()) * time.Second
		}
		if d != want {
			t.Fatalf("Retry-After: %q waits %v, want %v", v, d, want)
		}
	})
}
