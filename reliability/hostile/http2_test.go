package hostile_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/esrt-dev/esrt"
)

// Over HTTP/2 too, an endless body ends at MaxSize, and closing it resets
// the stream: the server's writes fail soon after, within what HTTP/2 flow
// control lets it send unread.
func TestEndlessBodyHTTP2(t *testing.T) {
	var written atomic.Int64
	done := make(chan struct{})
	chunk := bytes.Repeat([]byte(`{"hit":1},`), 3277)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		if r.ProtoMajor != 2 {
			t.Errorf("request over %s", r.Proto)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		for n := 0; n < maxWrite; n += len(chunk) {
			k, err := w.Write(chunk)
			written.Add(int64(k))
			if err != nil {
				return
			}
		}
		t.Errorf("the server wrote %d bytes: the client kept reading", maxWrite)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := srv.Certificate()
	c := newVictim(t, "", esrt.Config{
		Addresses: []string{srv.URL},
		CACert:    cert{x509: ca}.pem(),
		Limits:    capped,
	})
	status, n, err := c.get(testContext(t), "/_search")
	if status != http.StatusOK || n != bodyCap {
		t.Errorf("status %d, %d bytes read; want 200 and the cap, %d", status, n, bodyCap)
	}
	checkTooLarge(t, err, bodyCap)
	c.clean(t, err)
	ctx := testContext(t)
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("the server still writes: the stream was not reset")
	}
	if w := written.Load(); w > bodyCap+socketSlack() {
		t.Errorf("the server wrote %d bytes; want at most %d", w, bodyCap+socketSlack())
	}
}
