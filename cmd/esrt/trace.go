package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
)

// traceHandler prints esrt's log for --trace: each curl command as it
// runs, ready to paste into a shell, followed by the status and body it
// got as comments; other records as one "* message key=value" line.
type traceHandler struct {
	mu *sync.Mutex
	w  io.Writer
}

func newTraceLogger(w io.Writer) *slog.Logger {
	return slog.New(traceHandler{mu: new(sync.Mutex), w: w})
}

func (traceHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h traceHandler) WithAttrs([]slog.Attr) slog.Handler     { return h }
func (h traceHandler) WithGroup(string) slog.Handler          { return h }

func (h traceHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	attrs := map[string]string{}
	var rest []string
	r.Attrs(func(a slog.Attr) bool {
		v := a.Value.Resolve().String()
		attrs[a.Key] = v
		rest = append(rest, a.Key+"="+v)
		return true
	})
	if curl, ok := attrs["curl"]; ok {
		fmt.Fprintf(&b, "%s\n# %s in %s\n", curl, attrs["status"], attrs["duration"])
		if resp := attrs["response"]; resp != "" {
			for line := range strings.Lines(resp) {
				fmt.Fprintf(&b, "# %s", strings.TrimSuffix(line, "\n")+"\n")
			}
		}
	} else {
		fmt.Fprintf(&b, "* %s %s\n", r.Message, strings.Join(rest, " "))
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}
