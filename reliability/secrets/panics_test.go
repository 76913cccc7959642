package secrets_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/internal/secret/secrettest"
	"github.com/esrt-dev/esrt/rt"
)

// errPanic is what the caller's layers panic with.
type errPanic struct{ where string }

func (e errPanic) Error() string { return "panic in " + e.where }

// TestPanics makes the caller's own middleware panic, around the whole
// chain and on the attempt, with every credential, and checks that the
// panic reaches the caller as it was raised: esrt neither recovers it
// into an error nor wraps it into a value that describes the request,
// credentials included.
func TestPanics(t *testing.T) {
	node := secrettest.Start(t, secrettest.OK)
	panicking := func(where string) rt.Middleware {
		return func(http.RoundTripper) http.RoundTripper {
			return rt.Func(func(*http.Request) (*http.Response, error) { panic(errPanic{where}) })
		}
	}
	for _, where := range []string{"Middleware", "AttemptMiddleware"} {
		for _, cred := range credentials() {
			t.Run(where+"/"+cred.name, func(t *testing.T) {
				var c secrettest.Capture
				cfg := esrt.Config{Logger: c.Logger(), Logging: esrt.LoggingConfig{Curl: true}}
				cred.configure(t, &cfg, []string{node.URL})
				if where == "Middleware" {
					cfg.Middleware = []rt.Middleware{panicking(where)}
				} else {
					cfg.AttemptMiddleware = []rt.Middleware{panicking(where)}
				}
				tr, err := esrt.New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer tr.Close()
				p := panicValue(t, &c, tr, cred)
				if p != (errPanic{where}) {
					t.Fatalf("recovered %#v, want the middleware's own value", p)
				}
				c.Check(t, cred.secrets, secrettest.Panics)
			})
		}
	}
}

// panicValue sends the request and returns the value its panic was
// raised with, recorded in c, or nil.
func panicValue(t *testing.T, c *secrettest.Capture, tr *esrt.Transport, cred credential) (p any) {
	defer func() {
		p = recover()
		c.Panic(p)
	}()
	resp, err := tr.RoundTrip(newRequest(t, context.Background(), cred))
	if err == nil {
		resp.Body.Close()
	}
	return nil
}
