package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/esrt-dev/esrt/estest"
)

// openPTY opens a pseudo-terminal pair, or skips the test where there is
// none.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	var unlock int32
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Skipf("unlocking the pseudo-terminal: %v", e)
	}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Skipf("naming the pseudo-terminal: %v", e)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("opening the pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return m, s
}

// readUntil reads from the master side until want appears or 10 s pass.
func readUntil(t *testing.T, m *os.File, want string) string {
	t.Helper()
	var got bytes.Buffer
	buf := make([]byte, 4096)
	m.SetReadDeadline(time.Now().Add(10 * time.Second))
	for !strings.Contains(got.String(), want) {
		n, err := m.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			t.Fatalf("reading the terminal: %v; got %q, want %q", err, got.String(), want)
		}
	}
	return got.String()
}

func TestRequestPrettyOnTerminal(t *testing.T) {
	c := estest.New(t, estest.Config{})
	m, tty := openPTY(t)
	var errOut bytes.Buffer
	if code := run(context.Background(), []string{"request", "--url", c.URLs()[0], "GET", "/"}, tty, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if got := readUntil(t, m, "tagline"); !strings.Contains(got, "\n  \"cluster_name\": \"elasticsearch\",") {
		t.Errorf("not indented on a terminal: %q", got)
	}
}

func TestRequestPasswordPrompt(t *testing.T) {
	c := estest.New(t, estest.Config{Username: "elastic", Password: testPassword})
	t.Setenv("ELASTICSEARCH_PASSWORD", "")
	os.Unsetenv("ELASTICSEARCH_PASSWORD")
	m, tty := openPTY(t)
	stdin = tty
	t.Cleanup(func() { stdin = os.Stdin })
	if _, err := io.WriteString(m, testPassword+"\n"); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"request", "--user", "elastic", "--url", c.URLs()[0], "GET", "/"}, &out, &errOut)
	if code != 0 || !strings.HasPrefix(errOut.String(), "password: ") || !strings.Contains(out.String(), `"cluster_name"`) {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
	noSecret(t, testPassword, out.String(), errOut.String())
}
