package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// progress shows a benchmark's progress until d has passed since start or
// ctx ends: on a terminal a bar redrawn in place on one line, elsewhere a
// line a second.
func progress(ctx context.Context, out io.Writer, rec *recorder, start time.Time, d time.Duration) {
	tty := isTerminalWriter(out)
	every := time.Second
	if tty {
		every = 200 * time.Millisecond
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	end := time.NewTimer(d)
	defer end.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-end.C:
			if tty {
				fmt.Fprintf(out, "\r"+ansiClearLine+"%s\n", progressLine(rec, time.Now(), start, d))
			}
			return
		case now := <-tick.C:
			if tty {
				fmt.Fprintf(out, "\r"+ansiClearLine+"%s", progressLine(rec, now, start, d))
			} else {
				fmt.Fprintln(out, progressLine(rec, now, start, d))
			}
		}
	}
}

// progressLine is a bar, the time and the figures of the last second.
func progressLine(rec *recorder, now, start time.Time, d time.Duration) string {
	const width = 30
	elapsed := min(now.Sub(start), d)
	done := int(float64(width) * float64(elapsed) / float64(d))
	last := rec.lastSecond(now)
	return fmt.Sprintf("[%s%s] %3.0f%%  %.0fs/%s  %d req/s  p99 %s  errors %d",
		strings.Repeat("#", done), strings.Repeat("-", width-done), 100*float64(elapsed)/float64(d),
		elapsed.Seconds(), d, last.calls, fmtDur(last.p99), rec.errorCount())
}
