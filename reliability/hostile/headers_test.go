package hostile_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/esrt-dev/esrt"
)

// maxHeaderBytes is net/http's cap on response headers
// (Transport.MaxResponseHeaderBytes left zero), which esrt's base
// transport keeps.
const maxHeaderBytes = 10 << 20

// endlessHeaders answers with a status line and header lines without end.
func endlessHeaders(c *rawConn) {
	if _, err := c.readRequest(); err != nil {
		return
	}
	line := []byte("X-Pad: " + strings.Repeat("a", 1000) + "\r\n")
	if c.writeString("HTTP/1.1 200 OK\r\n") == nil {
		c.repeat(bytes.Repeat(line, 32))
	}
}

// Endless headers end at net/http's 10 MiB cap on response headers, with
// an error that says so; retry may try again (the default chain retries a
// search up to three times), each attempt ending there.
func TestEndlessHeaders(t *testing.T) {
	srv := newRawServer(t, nil, endlessHeaders)
	c := newVictim(t, srv.addr(), esrt.Config{RetryBackoff: func(int) time.Duration { return 0 }})
	status, _, err := c.get(testContext(t), "/_search")
	if status != 0 || err == nil || !strings.Contains(err.Error(), "response headers exceeded 10485760 bytes") {
		t.Fatalf("status %d, err = %v; want net/http's cap on headers", status, err)
	}
	c.clean(t, err)
	srv.quiet()
	attempts := int64(len(srv.requests()))
	if attempts < 1 || attempts > 4 {
		t.Errorf("%d attempts, want 1 to 4", attempts)
	}
	if w, bound := srv.written.Load(), attempts*(maxHeaderBytes+socketSlack()); w > bound {
		t.Errorf("the server wrote %d bytes over %d attempts; want at most %d", w, attempts, bound)
	}
}

// Headers that trickle in end at the request's deadline: esrt sets no
// ResponseHeaderTimeout by default, since some calls are legitimately long.
func TestTricklingHeaders(t *testing.T) {
	srv := newRawServer(t, nil, func(c *rawConn) {
		if _, err := c.readRequest(); err != nil || c.writeString("HTTP/1.1 200 OK\r\n") != nil {
			return
		}
		for range 1000 { // a line every 10 ms, for at most 10 s
			if c.writeString("X-Pad: a\r\n") != nil {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	c := newVictim(t, srv.addr(), esrt.Config{Limits: esrt.LimitsConfig{RequestTimeout: 300 * time.Millisecond}})
	_, _, err := c.get(testContext(t), "/_search")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the request timeout", err)
	}
	c.clean(t, err)
	srv.quiet()
}
