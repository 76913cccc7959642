package hostile_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/client"
	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
)

// The cap the body cases configure, far below the 512 MiB default so that
// a case moves little data.
const bodyCap = 2 << 20

var capped = esrt.LimitsConfig{Response: middleware.SizeLimitConfig{MaxSize: bodyCap, MaxDecompressedSize: bodyCap}}

// endless answers every request with head, then body bytes without end:
// chunked when head says so, else until the connection closes.
func endless(head string) func(c *rawConn) {
	chunk := bytes.Repeat([]byte(`{"hit":1},`), 3277) // 32 KiB
	if strings.Contains(head, "chunked") {
		chunk = fmt.Appendf(nil, "%x\r\n%s\r\n", len(chunk), chunk)
	}
	return func(c *rawConn) {
		if _, err := c.readRequest(); err != nil {
			return
		}
		if c.writeString(head) == nil {
			c.repeat(chunk)
		}
	}
}

const jsonHead = "Content-Type: application/json\r\nX-Elastic-Product: Elasticsearch\r\n"

// The endless bodies: each ends at MaxSize with an *rt.ResponseTooLargeError
// after exactly the cap, and the server stops writing soon after.
var endlessBodies = []struct{ name, head string }{
	{"chunked", "HTTP/1.1 200 OK\r\n" + jsonHead + "Transfer-Encoding: chunked\r\n\r\n"},
	{"HTTP/1.0 without Content-Length", "HTTP/1.0 200 OK\r\n" + jsonHead + "\r\n"},
	{"HTTP/1.1 until close", "HTTP/1.1 200 OK\r\n" + jsonHead + "Connection: close\r\n\r\n"},
}

func TestEndlessBody(t *testing.T) {
	for _, tt := range endlessBodies {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRawServer(t, nil, endless(tt.head))
			c := newVictim(t, srv.addr(), esrt.Config{Limits: capped})
			status, n, err := c.get(testContext(t), "/_search")
			if status != http.StatusOK || n != bodyCap {
				t.Errorf("status %d, %d bytes read; want 200 and the cap, %d", status, n, bodyCap)
			}
			checkTooLarge(t, err, bodyCap)
			if !strings.HasSuffix(err.Error(), "as received") {
				t.Errorf("error %q does not say the bytes received went over", err)
			}
			c.clean(t, err)
			srv.quiet()
			if w := srv.written.Load(); w > bodyCap+socketSlack() {
				t.Errorf("the server wrote %d bytes; want at most the cap and what sockets hold, %d", w, bodyCap+socketSlack())
			}
		})
	}
}

// The typed client reads a body whole before decoding it: the cap bounds
// what it holds, and its error names the call and the limit.
func TestEndlessBodyTypedClient(t *testing.T) {
	for _, tt := range endlessBodies {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRawServer(t, nil, endless(tt.head))
			c := newVictim(t, srv.addr(), esrt.Config{Limits: capped})
			es := client.New(&http.Client{Transport: c})
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := client.Search[struct{}](testContext(t), es, client.SearchRequest{Index: []string{"logs"}})
			runtime.ReadMemStats(&after)
			// io.ReadAll doubles its buffer: about twice the cap in all.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4*bodyCap+(8<<20) {
				t.Errorf("the search allocated %d bytes; want at most %d", alloc, 4*bodyCap+(8<<20))
			}
			checkTooLarge(t, err, bodyCap)
			if !strings.HasPrefix(err.Error(), "esrt: search: read response: ") {
				t.Errorf("error %q does not name the call", err)
			}
			c.clean(t, err)
			srv.quiet()
			if w := srv.written.Load(); w > bodyCap+socketSlack() {
				t.Errorf("the server wrote %d bytes; want at most %d", w, bodyCap+socketSlack())
			}
		})
	}
}

// checkTooLarge fails the test unless err is an *rt.ResponseTooLargeError
// for limit whose message names the limit.
func checkTooLarge(t *testing.T, err error, limit int64) {
	t.Helper()
	var tooLarge *rt.ResponseTooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.Limit != limit {
		t.Fatalf("err = %v, want an *rt.ResponseTooLargeError for %d bytes", err, limit)
	}
	if !strings.Contains(err.Error(), strconv.FormatInt(limit, 10)) {
		t.Errorf("error %q does not name the limit", err)
	}
}

// A Content-Length over the cap is refused when the headers arrive, before
// the body is read, with the default caps of esrt.New: the connection is
// closed, so the server, which stalls after a few bytes, sees the client
// go away.
func TestHugeContentLengthThenStall(t *testing.T) {
	srv := newRawServer(t, nil, func(c *rawConn) {
		if _, err := c.readRequest(); err != nil {
			return
		}
		c.writeString("HTTP/1.1 200 OK\r\n" + jsonHead + "Content-Length: 1099511627776\r\n\r\n{\"hits\":")
		c.stall()
	})
	c := newVictim(t, srv.addr(), esrt.Config{})
	status, _, err := c.get(testContext(t), "/_search")
	if status != 0 {
		t.Errorf("status %d: the response was returned", status)
	}
	checkTooLarge(t, err, middleware.DefaultMaxSize)
	c.clean(t, err)
	srv.quiet()
}

// A body that stalls before its Content-Length ends at the request's
// deadline, as a timeout, whether the deadline meets the wait for the
// headers or the read of the body.
func TestContentLengthThenStall(t *testing.T) {
	srv := newRawServer(t, nil, func(c *rawConn) {
		if _, err := c.readRequest(); err != nil {
			return
		}
		c.writeString("HTTP/1.1 200 OK\r\n" + jsonHead + "Content-Length: 1000\r\n\r\n{\"hits\":")
		c.stall()
	})
	c := newVictim(t, srv.addr(), esrt.Config{Limits: esrt.LimitsConfig{RequestTimeout: 300 * time.Millisecond}})
	_, _, err := c.get(testContext(t), "/_search")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("err = %v, want the request timeout", err)
	}
	c.clean(t, err)
	srv.quiet()
}
