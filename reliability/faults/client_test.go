package faults_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/client"
	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/rt"
)

// TestFaultMatrixTypedClient calls the typed client, which tells the
// transport the endpoint it calls, under the faults that end a request
// that is not repeatable, and checks the error each call returns: nil, an
// *rt.RetryError with the rule's reason, or a *client.Error with the
// status the cluster answered.
func TestFaultMatrixTypedClient(t *testing.T) {
	ctx := context.Background()
	calls := []struct {
		name string
		call func(c *client.Client) error
	}{
		{"read", func(c *client.Client) error {
			_, err := client.Get[map[string]any](ctx, c, client.GetRequest{Index: "fm", ID: "seed"})
			return err
		}},
		{"idempotent write", func(c *client.Client) error {
			_, err := c.Index(ctx, client.IndexRequest{Index: "fm", ID: "w", Document: map[string]int{"n": 1}})
			return err
		}},
		{"create", func(c *client.Client) error {
			_, err := c.Create(ctx, client.IndexRequest{Index: "fm", ID: "c", Document: map[string]int{"n": 1}})
			return err
		}},
		{"auto-id write", func(c *client.Client) error {
			_, err := c.Index(ctx, client.IndexRequest{Index: "fm", Document: map[string]int{"n": 1}})
			return err
		}},
		{"update without script", func(c *client.Client) error {
			_, err := c.Update(ctx, client.UpdateRequest{Index: "fm", ID: "seed", Doc: map[string]int{"u": 1}})
			return err
		}},
		{"update with script", func(c *client.Client) error {
			_, err := c.Update(ctx, client.UpdateRequest{Index: "fm", ID: "seed", Script: map[string]string{"source": "ctx._source.u = 1"}})
			return err
		}},
	}
	for _, f := range []fault{resetAfterRead, status503} {
		for i, tc := range calls {
			t.Run(f.String()+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				cl := estest.New(t, estest.Config{Nodes: 2})
				direct(t, cl, "PUT", "/fm/_doc/seed?refresh=true", `{"n":0}`)
				inject(cl, f)
				rec := &recordingDoer{c: string(rune('a' + i)), next: &http.Client{Transport: newTransport(t, esrt.Config{Addresses: cl.URLs()})}}
				err := tc.call(client.New(rec))
				want := onCluster(f, opOf(rec.method, rec.path, rec.body))
				checkTypedError(t, want, err)
				if got, intact := received(cl, rec.c, string(rec.body)); got != want.received || !intact {
					t.Errorf("received %d times (intact: %v), want %d", got, intact, want.received)
				}
			})
		}
	}
}

// checkTypedError checks the error of a typed client's call against want.
func checkTypedError(t *testing.T, want outcome, err error) {
	t.Helper()
	var re *rt.RetryError
	var ce *client.Error
	switch {
	case want.status == 0:
		if !errors.As(err, &re) || re.Reason != want.reason {
			t.Errorf("got %v, want an *rt.RetryError with reason %q", err, want.reason)
		}
	case want.status >= 300:
		if !errors.As(err, &ce) || ce.Status != want.status {
			t.Errorf("got %v, want a *client.Error with status %d", err, want.status)
		}
	case err != nil:
		t.Errorf("got %v, want success", err)
	}
}

// recordingDoer marks each request with case c and records the method,
// path and body of the last one.
type recordingDoer struct {
	c    string
	next *http.Client

	mu           sync.Mutex
	method, path string
	body         []byte
}

func (d *recordingDoer) Do(req *http.Request) (*http.Response, error) {
	req.Header.Set(caseHeader, d.c)
	var body []byte
	if req.GetBody != nil {
		rc, _ := req.GetBody()
		body, _ = io.ReadAll(rc)
	}
	d.mu.Lock()
	d.method, d.path, d.body = req.Method, req.URL.EscapedPath(), body
	d.mu.Unlock()
	return d.next.Do(req)
}
