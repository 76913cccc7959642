package rttest

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// goroutines returns the stack of every goroutine, by goroutine id.
func goroutines() map[int64]string {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := make(map[int64]string)
	for _, g := range strings.Split(string(buf), "\n\n") {
		rest, ok := strings.CutPrefix(g, "goroutine ")
		if !ok {
			continue
		}
		idText, _, _ := strings.Cut(rest, " ")
		id, err := strconv.ParseInt(idText, 10, 64)
		if err != nil {
			continue
		}
		out[id] = g
	}
	return out
}

// started returns the stacks of the goroutines that are not in before,
// oldest first, leaving out test goroutines (of tests running in parallel).
func started(before map[int64]string) []string {
	now := goroutines()
	var out []string
	for _, id := range slices.Sorted(maps.Keys(now)) {
		if _, ok := before[id]; ok || strings.Contains(now[id], "testing.tRunner") {
			continue
		}
		out = append(out, now[id])
	}
	return out
}

// Rule 7: once every instance was closed, the goroutines started during the
// checks have ended.
func (k *kit) checkLeaks(before map[int64]string) {
	var extra []string
	if poll(leakWait, func() bool {
		extra = started(before)
		return len(extra) == 0
	}) {
		return
	}
	const (
		maxStacks = 3
		maxLines  = 12
	)
	var b strings.Builder
	fmt.Fprintf(&b, "%d goroutines started during the checks still run after CloseIdleConnections and Close (waited %v):", len(extra), leakWait)
	for i, g := range extra {
		if i == maxStacks {
			fmt.Fprintf(&b, "\n\n... and %d more", len(extra)-maxStacks)
			break
		}
		lines := strings.Split(g, "\n")
		if len(lines) > maxLines {
			lines = append(lines[:maxLines], "\t...")
		}
		b.WriteString("\n\n" + strings.Join(lines, "\n"))
	}
	k.report(NoGoroutineLeak, "", "%s", b.String())
}
