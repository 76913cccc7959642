package middleware

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestTracedBody(t *testing.T) {
	errBroken := errors.New("connection reset")
	tests := []struct {
		name     string
		src      string
		fail     error // what the body returns after src, if not io.EOF
		max      int
		read     int // bytes the caller reads before closing; -1: until an error
		wantKept string
		wantRead int64
		wantEnd  error
	}{
		{name: "read to the end", src: "hello world", max: 64, read: -1, wantKept: "hello world", wantRead: 11, wantEnd: io.EOF},
		{name: "kept up to max", src: "hello world", max: 5, read: -1, wantKept: "hello", wantRead: 11, wantEnd: io.EOF},
		{name: "nothing kept", src: "hello world", max: 0, read: -1, wantKept: "", wantRead: 11, wantEnd: io.EOF},
		{name: "closed early", src: "hello world", max: 64, read: 3, wantKept: "hel", wantRead: 3, wantEnd: nil},
		{name: "closed unread", src: "hello world", max: 64, read: 0, wantKept: "", wantRead: 0, wantEnd: nil},
		{name: "read error", src: "part", fail: errBroken, max: 64, read: -1, wantKept: "part", wantRead: 4, wantEnd: errBroken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var src io.Reader = strings.NewReader(tt.src)
			if tt.fail != nil {
				src = io.MultiReader(src, iotest.ErrReader(tt.fail))
			}
			calls := 0
			var kept []byte
			var read int64
			var end error
			b := traceBody(io.NopCloser(src), tt.max, func(k []byte, n int64, err error) {
				calls++
				kept, read, end = k, n, err
			})
			var got []byte
			if tt.read < 0 {
				got, _ = io.ReadAll(iotest.OneByteReader(b))
			} else {
				got = make([]byte, tt.read)
				io.ReadFull(b, got)
			}
			b.Close()
			b.Close()
			if !strings.HasPrefix(tt.src, string(got)) || tt.read < 0 && string(got) != tt.src {
				t.Errorf("caller read %q, want the body as it is", got)
			}
			if calls != 1 || string(kept) != tt.wantKept || read != tt.wantRead || end != tt.wantEnd {
				t.Errorf("end called %d times with (%q, %d, %v); want once with (%q, %d, %v)",
					calls, kept, read, end, tt.wantKept, tt.wantRead, tt.wantEnd)
			}
		})
	}
}
