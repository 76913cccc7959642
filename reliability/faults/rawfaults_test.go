package faults_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/client"
	"github.com/esrt-dev/esrt/endpoint"
	"github.com/esrt-dev/esrt/rt"
)

// Faults that estest does not emulate, on a server that speaks HTTP/1.1
// by hand over loopback: a connection reset before the request is read, a
// response body cut short, and a body that is not JSON.

// tcpServer hands each accepted connection to serve with its number, from
// 0, and counts the requests that serve reports read.
type tcpServer struct {
	url      string
	received atomic.Int64
}

func startTCP(t testing.TB, serve func(s *tcpServer, n int, conn net.Conn)) *tcpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &tcpServer{url: "http://" + ln.Addr().String()}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for n := 0; ; n++ {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { defer conn.Close(); serve(s, n, conn) })
		}
	})
	return s
}

// answer reads requests from conn, counting each, and writes the raw
// response that respond returns for it, until the connection ends. A
// response cut short of its Content-Length ends it.
func (s *tcpServer) answer(conn net.Conn, respond func() string) {
	br := bufio.NewReader(conn)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		io.Copy(io.Discard, req.Body)
		s.received.Add(1)
		raw := respond()
		if _, err := io.WriteString(conn, raw); err != nil || raw == truncated {
			return
		}
	}
}

const truncated = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"_index\":\"fm\","

const okResponse = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"

// TestFaultMatrixResetBeforeWrite resets each operation's first
// connection as soon as it is accepted, before the server reads anything.
// The client cannot always tell whether its request was written before
// the reset arrived, so the rule allows both answers for an operation
// that is not repeatable: a retry that succeeds (it saw nothing written),
// or "may have been applied" — but never two requests received.
func TestFaultMatrixResetBeforeWrite(t *testing.T) {
	for _, op := range []struct{ method, path, body string }{
		{"GET", "/fm/_doc/1", ""},
		{"PUT", "/fm/_doc/1", `{"n":1}`},
		{"POST", "/fm/_doc", `{"n":1}`},
		{"POST", "/_bulk", string(bulkWithoutIDs)},
		{"POST", "/_search/scroll", `{"scroll_id":"abc"}`},
		{"GET", "/_search/scroll/abc", ""},
	} {
		t.Run(op.method+" "+op.path, func(t *testing.T) {
			t.Parallel()
			s := startTCP(t, func(s *tcpServer, n int, conn net.Conn) {
				if n == 0 {
					conn.(*net.TCPConn).SetLinger(0)
					return // closed with a reset, unread
				}
				s.answer(conn, func() string { return okResponse })
			})
			tr := newTransport(t, esrt.Config{Addresses: []string{s.url}})
			req, _ := http.NewRequest(op.method, "http://es"+op.path, strings.NewReader(op.body))
			want := expect(resetUnwritten, opOf(op.method, op.path, []byte(op.body)))
			res, err := tr.RoundTrip(req)
			if want.unsure && err == nil {
				// Sent again: marked as a retried write when the client
				// had written the first attempt, and only if it writes.
				write := opOf(op.method, op.path, []byte(op.body)).safety != endpoint.ReadOnly
				want = outcome{status: 200, received: 1, retriedWrite: write && rt.RetriedWrite(res.Header)}
			}
			checkOutcome(t, op.path, want, res, err)
			if got := int(s.received.Load()); got != want.received {
				t.Errorf("received %d times, want %d", got, want.received)
			}
		})
	}
}

// TestFaultMatrixResponseBody answers with a body cut short of its
// Content-Length, or with a complete body that is not JSON. Once a
// response's headers arrived it is the caller's, whatever the operation:
// it is never sent again, and the typed client's call fails with the
// read's or the decoder's error.
func TestFaultMatrixResponseBody(t *testing.T) {
	bodies := map[fault]string{
		truncatedBody: truncated,
		malformedJSON: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"_index\":\"fm\",",
	}
	calls := map[string]func(*client.Client) error{
		"read": func(c *client.Client) error {
			_, err := client.Get[map[string]any](context.Background(), c, client.GetRequest{Index: "fm", ID: "1"})
			return err
		},
		"idempotent write": func(c *client.Client) error {
			_, err := c.Index(context.Background(), client.IndexRequest{Index: "fm", ID: "1", Document: map[string]int{"n": 1}})
			return err
		},
		"auto-id write": func(c *client.Client) error {
			_, err := c.Index(context.Background(), client.IndexRequest{Index: "fm", Document: map[string]int{"n": 1}})
			return err
		},
	}
	for f, raw := range bodies {
		for name, call := range calls {
			t.Run(fmt.Sprintf("%v/%s", f, name), func(t *testing.T) {
				t.Parallel()
				s := startTCP(t, func(s *tcpServer, n int, conn net.Conn) {
					s.answer(conn, func() string { return raw })
				})
				c := client.New(&http.Client{Transport: newTransport(t, esrt.Config{Addresses: []string{s.url}})})
				err := call(c)
				var syntax *json.SyntaxError
				switch {
				case f == truncatedBody && !errors.Is(err, io.ErrUnexpectedEOF):
					t.Errorf("got %v, want an error matching io.ErrUnexpectedEOF", err)
				case f == malformedJSON && !errors.As(err, &syntax):
					t.Errorf("got %v, want a *json.SyntaxError", err)
				}
				var re *rt.RetryError
				if errors.As(err, &re) {
					t.Errorf("got %v, want no retry error: the response arrived", err)
				}
				want := expect(f, operation{})
				if got := int(s.received.Load()); got != want.received {
					t.Errorf("received %d times, want %d", got, want.received)
				}
			})
		}
	}
}
