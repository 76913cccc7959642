package esrt

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/middleware"
)

// A node that answers 101 Switching Protocols to a search, which asked for
// no upgrade, and then streams without end: net/http would hand the raw
// connection to the caller as the body, past every size cap. The request
// fails instead, at once, and the stream is closed.
func TestUnaskedUpgradeIsRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					return
				}
				io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n")
				chunk := []byte(strings.Repeat("x", 64<<10))
				deadline := time.Now().Add(10 * time.Second) // bounded, whatever happens
				for time.Now().Before(deadline) {
					if _, err := c.Write(chunk); err != nil {
						return
					}
				}
			}()
		}
	}()
	tr := mustNew(t, Config{Addresses: []string{"http://" + ln.Addr().String()}, DisableRetry: true,
		Limits: LimitsConfig{Response: middleware.SizeLimitConfig{MaxSize: 1 << 20, MaxDecompressedSize: 1 << 20}}})
	res, err := get(t, tr, "/_search")
	if err == nil {
		n, rerr := io.Copy(io.Discard, io.LimitReader(res.Body, 8<<20))
		res.Body.Close()
		t.Fatalf("status %d accepted; read %d bytes (error %v) past a 1 MiB cap", res.StatusCode, n, rerr)
	}
	if !errors.Is(err, errUnaskedUpgrade) {
		t.Errorf("error %v, want one saying the node switched protocols unasked", err)
	}
}
