package main

import (
	"fmt"
	"io"
	"strings"
)

// ANSI sequences of the live view: no terminal library needed.
const (
	ansiUp        = "\x1b[%dA" // cursor up n lines
	ansiClearLine = "\x1b[2K"  // erase the whole line
	ansiClearDown = "\x1b[J"   // erase from the cursor to the end of the screen
)

// liveView shows a run as it goes. On a terminal it redraws a frame of
// several lines in place, with the run's events printed above it as they
// happen; elsewhere (a pipe, a file, CI logs) it prints events and one
// line per second, never a control sequence.
type liveView struct {
	w     io.Writer
	tty   bool
	frame []string // the frame on screen, on a terminal
}

// event prints a line that stays: on a terminal it replaces the frame,
// which the next show draws again below it.
func (v *liveView) event(line string) {
	if !v.tty {
		fmt.Fprintln(v.w, line)
		return
	}
	var b strings.Builder
	v.erase(&b)
	b.WriteString(line + "\n")
	v.frame = nil
	io.WriteString(v.w, b.String())
}

// show draws a frame on a terminal, over the previous one.
func (v *liveView) show(frame []string) {
	if !v.tty {
		return
	}
	var b strings.Builder
	if len(v.frame) > 0 {
		fmt.Fprintf(&b, ansiUp, len(v.frame))
	}
	for _, l := range frame {
		b.WriteString("\r" + ansiClearLine + l + "\n")
	}
	if len(frame) < len(v.frame) {
		b.WriteString(ansiClearDown)
	}
	v.frame = frame
	io.WriteString(v.w, b.String())
}

// line prints the once-a-second line when the output is not a terminal.
func (v *liveView) line(s string) {
	if !v.tty {
		fmt.Fprintln(v.w, s)
	}
}

// erase moves the cursor to the frame's first line and clears the frame.
func (v *liveView) erase(b *strings.Builder) {
	if len(v.frame) > 0 {
		fmt.Fprintf(b, ansiUp+"\r"+ansiClearDown, len(v.frame))
	}
}

// done leaves the last frame on screen: what follows prints below it.
func (v *liveView) done() { v.frame = nil }
