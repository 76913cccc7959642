package rttest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/rt/rttest"
)

// userAgent is a user's middleware that sets the User-Agent header.
type userAgent struct {
	next http.RoundTripper
	ua   string
}

func (u *userAgent) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context()) // never modify the caller's request
	req.Header.Set("User-Agent", u.ua)
	return u.next.RoundTrip(req)
}

func (u *userAgent) CloseIdleConnections() {
	if c, ok := u.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// UserAgent returns the middleware.
func UserAgent(ua string) rt.Middleware {
	return func(next http.RoundTripper) http.RoundTripper {
		return &userAgent{next: next, ua: ua}
	}
}

// userAgentInPlace is userAgent done wrong: it sets the header on the
// caller's request.
type userAgentInPlace userAgent

func (u *userAgentInPlace) RoundTrip(req *http.Request) (*http.Response, error) {
	req.Header.Set("User-Agent", u.ua)
	return u.next.RoundTrip(req)
}

func (u *userAgentInPlace) CloseIdleConnections() { (*userAgent)(u).CloseIdleConnections() }

// In a test of your own middleware, one line runs every rule, each as a
// subtest (TestUserAgent/request_untouched, ...). Run it with -race.
func ExampleRun() {
	testUserAgent := func(t *testing.T) {
		rttest.Run(t, UserAgent("my-app/1.0"))
	}
	_ = testUserAgent // func TestUserAgent(t *testing.T) in a _test.go file
}

func ExampleCheck() {
	fmt.Println(rttest.Check(UserAgent("my-app/1.0")))

	// The same middleware, done wrong: it changes the caller's request.
	fmt.Println(rttest.Check(func(next http.RoundTripper) http.RoundTripper {
		return &userAgentInPlace{next: next, ua: "my-app/1.0"}
	}))
	// Output:
	// <nil>
	// rttest: request untouched: caller's header "User-Agent" changed from [] to ["my-app/1.0"] (seen with base 200, base 503, base error)
}

func ExampleConfig() {
	cfg := rttest.Config{
		// An operation-aware middleware: check it on the endpoint it handles.
		NewRequest: func(ctx context.Context, body io.Reader) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://localhost:9200/_bulk", body)
			if err != nil {
				return nil, err
			}
			req.Header.Set("Content-Type", "application/x-ndjson")
			return req, nil
		},
		Body: []byte(`{"index":{"_index":"idx","_id":"1"}}` + "\n" + `{"a":1}` + "\n"),
	}
	fmt.Println(cfg.Check(UserAgent("my-app/1.0")))
	// Output: <nil>
}
