package hostile_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
)

// bomb is a body of about 4 MiB that inflates to 4 GiB: 512 gzip members
// of 8 MiB of zeros each (gzip readers read concatenated members as one
// stream). It is built once, when first needed.
var bomb = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zw.Write(make([]byte, 8<<20))
	zw.Close()
	return bytes.Repeat(b.Bytes(), 512)
})

// emptyBlocks is the start of a gzip stream of empty stored deflate blocks,
// which inflate to nothing however many arrive, and one such block.
var (
	gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}
	emptyBlock = bytes.Repeat([]byte{0, 0, 0, 0xff, 0xff}, 6554) // 32 KiB
)

const gzipHead = "HTTP/1.1 200 OK\r\n" + jsonHead + "Content-Encoding: gzip\r\n"

// A gzip bomb ends at MaxDecompressedSize, after the cap's bytes, whoever
// decompresses: net/http with the caps equal (the default), esrt with
// MaxSize the tighter; with a Content-Length or without.
func TestGzipBomb(t *testing.T) {
	equal := middleware.SizeLimitConfig{MaxSize: bodyCap, MaxDecompressedSize: bodyCap}
	counting := middleware.SizeLimitConfig{MaxSize: bodyCap / 2, MaxDecompressedSize: bodyCap}
	withLength := gzipHead + "Content-Length: " + strconv.Itoa(len(bomb())) + "\r\n\r\n"
	closeDelimited := gzipHead + "Connection: close\r\n\r\n"
	for _, tt := range []struct {
		name   string
		limits middleware.SizeLimitConfig
		head   string
	}{
		{"caps equal, Content-Length", equal, withLength},
		{"caps equal, until close", equal, closeDelimited},
		{"MaxSize tighter, until close", counting, closeDelimited},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRawServer(t, nil, func(c *rawConn) {
				if _, err := c.readRequest(); err == nil && c.writeString(tt.head) == nil {
					c.write(bomb())
				}
			})
			c := newVictim(t, srv.addr(), esrt.Config{Limits: esrt.LimitsConfig{Response: tt.limits}})
			_, n, err := c.get(testContext(t), "/_search")
			checkTooLarge(t, err, bodyCap)
			var tooLarge *rt.ResponseTooLargeError
			if errors.As(err, &tooLarge) && !tooLarge.Decompressed || !strings.Contains(err.Error(), "after decompression") {
				t.Errorf("err = %v, want the decompressed size's", err)
			}
			if n != bodyCap {
				t.Errorf("read %d bytes, want the cap, %d", n, bodyCap)
			}
			c.clean(t, err)
			srv.quiet()
		})
	}
}

// A gzip stream of empty deflate blocks inflates to nothing: with the caps
// equal, nothing is counted and it holds no memory, so it ends at the
// request's deadline, as documented; with MaxSize the tighter, it ends at
// MaxSize, counted as received.
func TestGzipEmptyBlocks(t *testing.T) {
	serve := func(c *rawConn) {
		if _, err := c.readRequest(); err == nil && c.writeString(gzipHead+"Connection: close\r\n\r\n") == nil && c.write(gzipHeader) == nil {
			c.repeat(emptyBlock)
		}
	}
	t.Run("caps equal", func(t *testing.T) {
		srv := newRawServer(t, nil, serve)
		c := newVictim(t, srv.addr(), esrt.Config{Limits: esrt.LimitsConfig{
			RequestTimeout: 300 * time.Millisecond,
			Response:       middleware.SizeLimitConfig{MaxSize: bodyCap, MaxDecompressedSize: bodyCap},
		}})
		_, n, err := c.get(testContext(t), "/_search")
		if !errors.Is(err, context.DeadlineExceeded) || n != 0 {
			t.Fatalf("read %d bytes, err = %v; want nothing and the request timeout", n, err)
		}
		c.clean(t, err)
		srv.quiet()
	})
	t.Run("MaxSize tighter", func(t *testing.T) {
		srv := newRawServer(t, nil, serve)
		c := newVictim(t, srv.addr(), esrt.Config{Limits: esrt.LimitsConfig{
			Response: middleware.SizeLimitConfig{MaxSize: bodyCap / 2, MaxDecompressedSize: bodyCap},
		}})
		_, n, err := c.get(testContext(t), "/_search")
		checkTooLarge(t, err, bodyCap/2)
		if n != 0 {
			t.Errorf("read %d bytes, want none", n)
		}
		c.clean(t, err)
		srv.quiet()
		if w := srv.written.Load(); w > bodyCap/2+socketSlack() {
			t.Errorf("the server wrote %d bytes; want at most %d", w, bodyCap/2+socketSlack())
		}
	})
}
