package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// summaryNodeRE matches a node's row of the demo's summary.
var summaryNodeRE = regexp.MustCompile(`(?m)^(node-\d)\s+(healthy|slow|dead|breaker open)\s+(\d+)\s+(.*)$`)

// outcomeCount returns the count of outcome in a summary row's outcomes,
// such as "200: 389, 429: 4".
func outcomeCount(outcomes, outcome string) int {
	for part := range strings.SplitSeq(outcomes, ", ") {
		if o, n, ok := strings.Cut(part, ": "); ok && o == outcome {
			c, _ := strconv.Atoi(n)
			return c
		}
	}
	return 0
}

// A short run goes through the whole script: the killed node's attempts
// fail to connect, the burst's 429s reach the nodes, and the application
// sees none of it.
func TestDemoShortRun(t *testing.T) {
	report := filepath.Join(t.TempDir(), "report.html")
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"demo", "--duration", "1s", "--report", report}, &out, &errOut)
	text := out.String()
	if code != 0 || errOut.Len() != 0 {
		t.Fatalf("demo exited %d\nstderr: %s\nstdout: %s", code, errOut.String(), text)
	}
	defer func() {
		if t.Failed() {
			t.Log(text)
		}
	}()
	for _, want := range []string{
		"node-1 killed (connections refused)",
		"node-2 slowed to 200ms per answer",
		"429 burst on bulk",
		"node-1 revived, node-2 back to full speed",
		"the script ran to its end",
		"429 burst: 6 _bulk requests and 40 bulk items refused\n",
		"\napplication errors: 0\n",
		"report: " + report,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// Not a terminal: one line a second, no control sequence.
	if strings.Contains(text, "\x1b[") {
		t.Errorf("control sequences in output that is not a terminal")
	}
	if !regexp.MustCompile(`(?m)^\s+1s  \d+ req/s  p50 \S+  p99 \S+  errors 0  retries \d+ `).MatchString(text) {
		t.Errorf("no line for the first second")
	}
	for _, op := range []string{"search", "get", "index", "bulk items", "total"} {
		m := regexp.MustCompile(`(?m)^` + op + `\s+(\d+)\s+(\d+)\s`).FindStringSubmatch(text)
		if m == nil || m[1] == "0" || m[2] != "0" {
			t.Errorf("summary row of %s: %q, want calls and no error", op, m)
		}
	}
	rows := summaryNodeRE.FindAllStringSubmatch(text, -1)
	if len(rows) != 3 {
		t.Fatalf("%d node rows in the summary, want 3", len(rows))
	}
	refused := 0
	for _, r := range rows {
		if r[2] == stateDead || r[2] == stateBreaker {
			t.Errorf("%s ends %s, want back in rotation", r[1], r[2])
		}
		refused += outcomeCount(r[4], "429")
	}
	// Every _bulk request the burst refused was one attempt answered 429.
	if refused != burstRequests {
		t.Errorf("%d attempts answered 429, want %d", refused, burstRequests)
	}
	if n := outcomeCount(rows[1][4], "connection error"); n == 0 {
		t.Errorf("no attempt to the killed node-1 failed to connect: %q", rows[1][0])
	}
	checkReport(t, report)
}

// checkReport checks that a report is one page that needs nothing from
// the network and holds both charts.
func checkReport(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	if m := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?\s*(https?:)?//`).FindString(page); m != "" {
		t.Errorf("the report loads %q from the network", m)
	}
	for _, bad := range []string{"http://", "https://", "<script", "<link", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("the report contains %q", bad)
		}
	}
	for _, want := range []string{`<svg id="latency"`, `<polyline fill="none" stroke="` + p99Colour, `<svg id="nodes"`,
		`fill="` + stateColours[stateDead] + `"><title>node-1 dead`, `fill="` + stateColours[stateSlow] + `"><title>node-2 slow`} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
}

// An error that reached the application fails the demo: exit 1 and one
// line naming the first error; a clean run exits 0 and prints nothing.
func TestDemoVerdict(t *testing.T) {
	rec := newRecorder(time.Now())
	rec.add("search", time.Now(), time.Millisecond, nil)
	clean := &demoResult{rec: rec, storyDone: true}
	var errOut bytes.Buffer
	if code := clean.verdict(&errOut); code != 0 || errOut.Len() != 0 {
		t.Errorf("clean run: exit %d, %q", code, errOut.String())
	}
	rec.count("bulk", time.Now(), errors.New("esrt: bulk item: 429\nes_rejected_execution_exception"))
	rec.add("get", time.Now(), time.Millisecond, errors.New("later"))
	want := "esrt demo: the application saw 2 error(s) the chain should have absorbed; the first: esrt: bulk item: 429 es_rejected_execution_exception\n"
	errOut.Reset()
	if code := clean.verdict(&errOut); code != 1 || errOut.String() != want {
		t.Errorf("exit %d, stderr %q; want 1, %q", code, errOut.String(), want)
	}
	var out bytes.Buffer
	clean.print(&out)
	if !strings.Contains(out.String(), "\napplication errors: 2\n") {
		t.Errorf("summary:\n%s", out.String())
	}
}

// Off a terminal the live view prints lines and no frame; on one, frames
// are redrawn over each other and events take the frame's place.
func TestLiveView(t *testing.T) {
	var plain bytes.Buffer
	v := &liveView{w: &plain}
	v.show([]string{"frame"})
	v.event("event")
	v.line("line")
	if plain.String() != "event\nline\n" {
		t.Errorf("off a terminal: %q", plain.String())
	}
	var tty bytes.Buffer
	v = &liveView{w: &tty, tty: true}
	v.show([]string{"a", "b"})
	v.line("line")
	v.show([]string{"c", "d"})
	v.event("event")
	v.show([]string{"e"})
	want := "\r\x1b[2Ka\n\r\x1b[2Kb\n" + "\x1b[2A\r\x1b[2Kc\n\r\x1b[2Kd\n" + "\x1b[2A\r\x1b[Jevent\n" + "\r\x1b[2Ke\n"
	if tty.String() != want {
		t.Errorf("on a terminal: %q\nwant %q", tty.String(), want)
	}
}
