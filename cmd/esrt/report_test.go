package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// sampleResult is a made-up run of 4 s: node-1 dead from 1 s to 3 s,
// node-2 slow from 1.5 s to 3 s.
func sampleResult() *demoResult {
	start := time.Unix(1_700_000_000, 0)
	rec := newRecorder(start)
	for i := range 400 {
		at := time.Duration(i) * 10 * time.Millisecond
		d := time.Millisecond + time.Duration(i%7)*100*time.Microsecond
		if i%50 == 0 {
			d = 180 * time.Millisecond
		}
		rec.add([]string{"search", "get", "index"}[i%3], start.Add(at), d, nil)
		rec.count("bulk", start.Add(at), nil)
	}
	res := &demoResult{d: 4 * time.Second, elapsed: 4 * time.Second, names: []string{"node-0", "node-1", "node-2"}, rec: rec,
		storyDone: true, transportRetries: 5, bulkRetried: 40}
	res.events = []storyEvent{{time.Second, "node-1 killed"}, {1500 * time.Millisecond, "node-2 slowed"}, {3 * time.Second, "both revived"}}
	for at := 250 * time.Millisecond; at <= 4*time.Second; at += 250 * time.Millisecond {
		states := []string{stateHealthy, stateHealthy, stateHealthy}
		if at > time.Second && at <= 3*time.Second {
			states[1] = stateDead
		}
		if at > 1500*time.Millisecond && at <= 3*time.Second {
			states[2] = stateSlow
		}
		res.timeline = append(res.timeline, stateSample{at: at, states: states})
	}
	return res
}

func TestReportSelfContained(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.html")
	if err := writeFile(path, sampleResult()); err != nil {
		t.Fatal(err)
	}
	checkReport(t, path)
}

// chromium is where Debian's chromium package puts the browser.
const chromium = "/usr/bin/chromium"

// The report renders in a headless browser without network: both charts
// are drawn, in their colours. With REPORT_PNG set, the screenshot is
// kept there.
func TestReportRendersInChromium(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("no headless browser to render the report with: %v (Debian: apt-get install chromium)", err)
	}
	dir := t.TempDir()
	page, shot := filepath.Join(dir, "report.html"), filepath.Join(dir, "report.png")
	if err := writeFile(page, sampleResult()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--screenshot="+shot, "--window-size=1200,1600",
		"--proxy-server=127.0.0.1:9", "file://"+page) // any fetch would fail: the page must need none
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("the screenshot: %v", err)
	}
	if keep := os.Getenv("REPORT_PNG"); keep != "" {
		b, _ := os.ReadFile(shot)
		os.WriteFile(keep, b, 0o644)
	}
	// Each colour of both charts covers some pixels: the lines of the
	// latency chart, the bands of the timeline.
	for name, colour := range map[string]string{"p50": p50Colour, "p99": p99Colour, "healthy": stateColours[stateHealthy],
		"dead": stateColours[stateDead], "slow": stateColours[stateSlow]} {
		if n := countColour(img, colour); n < 200 {
			t.Errorf("%d pixels of %s (%s) in the screenshot, want a chart's worth", n, name, colour)
		}
	}
}

// countColour counts the pixels of img within a small distance of the
// colour "#rrggbb".
func countColour(img image.Image, colour string) int {
	v, _ := strconv.ParseUint(colour[1:], 16, 32)
	want := [3]int{int(v >> 16), int(v >> 8 & 0xff), int(v & 0xff)}
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			got := [3]int{int(r >> 8), int(g >> 8), int(bl >> 8)}
			if abs(got[0]-want[0]) <= 6 && abs(got[1]-want[1]) <= 6 && abs(got[2]-want[2]) <= 6 {
				n++
			}
		}
	}
	return n
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// writeFile writes the report of res to path.
func writeFile(path string, res *demoResult) error {
	var b bytes.Buffer
	if err := writeReport(&b, res); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}
