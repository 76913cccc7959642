package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"regexp"
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

// readUntil reads from the master side until want appears or 30 s pass.
func readUntil(t *testing.T, m *os.File, want string) string {
	t.Helper()
	var got bytes.Buffer
	buf := make([]byte, 4096)
	m.SetReadDeadline(time.Now().Add(30 * time.Second))
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

// runOnTerminal runs the command line with a pseudo-terminal as stdout
// and returns its exit code, what the terminal showed and stderr.
func runOnTerminal(t *testing.T, args []string, until string) (int, string, string) {
	t.Helper()
	m, tty := openPTY(t)
	var errOut bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(context.Background(), args, tty, &errOut) }()
	got := readUntil(t, m, until) // reading keeps the command from blocking on a full terminal
	return <-done, got, errOut.String()
}

// cursorUpRE matches the live view's move back to its first line.
var cursorUpRE = regexp.MustCompile(`\x1b\[(\d+)A`)

// On a terminal the demo's live view redraws its frame in place: each
// frame after the first moves the cursor up over the previous one and
// clears each line it rewrites; the summary follows the last frame.
func TestDemoLiveViewOnTerminal(t *testing.T) {
	code, got, errOut := runOnTerminal(t, []string{"demo", "--duration", "1s"}, "application errors: ")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%q", code, errOut, got)
	}
	frames := strings.Count(got, "esrt demo  ")
	ups := cursorUpRE.FindAllStringSubmatchIndex(got, -1)
	if frames < 2 || len(ups) < frames-1 {
		t.Fatalf("%d frames, %d cursor moves up: %q", frames, len(ups), got)
	}
	// Between two frames: up over the whole frame (its head, the figures,
	// three nodes), then the head again on a cleared line.
	for _, u := range ups {
		if n := got[u[2]:u[3]]; n != "5" {
			t.Errorf("cursor up %s lines, want the frame's 5", n)
		}
	}
	between := got[ups[0][1]:]
	if i := strings.Index(between, "esrt demo  "); i < 0 || !strings.Contains(between[:i], ansiClearLine) {
		t.Errorf("the frame after the first cursor move is not drawn on a cleared line: %q", between)
	}
	last := ups[len(ups)-1][0]
	if s := strings.Index(got, "summary: "); s < last {
		t.Errorf("no summary after the last frame: %q", got[last:])
	}
	for _, want := range []string{"node-1 killed", "node-0 ", "req/s", "p99", "retries"} {
		if !strings.Contains(got, want) {
			t.Errorf("the terminal shows no %q", want)
		}
	}
}

// On a terminal bench draws a progress bar on one line, redrawn in place.
func TestBenchProgressOnTerminal(t *testing.T) {
	code, got, errOut := runOnTerminal(t, []string{"bench", "--duration", "500ms", "--concurrency", "2", "--docs", "20"}, "OPERATION")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%q", code, errOut, got)
	}
	if !regexp.MustCompile(`\r\x1b\[2K\[#*-*\] +\d+%`).MatchString(got) {
		t.Errorf("no progress bar redrawn in place: %q", got)
	}
	if !strings.Contains(got, "[##############################] 100%") {
		t.Errorf("the bar does not end full: %q", got)
	}
}
