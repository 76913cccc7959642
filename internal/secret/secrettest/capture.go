package secrettest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/esrt-dev/esrt/rt"
)

// A Surface is a place where text is written.
type Surface string

// The surfaces every matrix checks.
const (
	Errors    Surface = "errors"    // a returned error: Error, %v, %+v, %#v, %q and each error of its Unwrap tree
	Logs      Surface = "logs"      // slog records at Debug through Error, as text and as JSON
	Curl      Surface = "curl"      // the curl trace's records
	Formatted Surface = "formatted" // configurations, nodes, credentials printed with fmt, slog and encoding/json
	Panics    Surface = "panics"    // what recover returns from a panic
	Telemetry Surface = "telemetry" // OpenTelemetry span names, attributes, events, status and metric attributes
)

// Surfaces lists every Surface, in order.
var Surfaces = []Surface{Errors, Logs, Curl, Formatted, Panics, Telemetry}

// A Capture collects what was written, by surface. It is safe for
// concurrent use.
type Capture struct {
	mu     sync.Mutex
	texts  map[Surface][]string
	levels map[slog.Level]int
}

// Add records texts written on surface s.
func (c *Capture) Add(s Surface, texts ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.texts == nil {
		c.texts = map[Surface][]string{}
	}
	c.texts[s] = append(c.texts[s], texts...)
}

// Error records err as every fmt verb prints it, and every error of its
// Unwrap tree, every attempt of an [*rt.RetryError] and the node of an
// [*rt.AttemptError] included, as Error, %+v and %#v print it. A nil err
// records nothing.
func (c *Capture) Error(err error) {
	if err == nil {
		return
	}
	c.Add(Errors, err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), fmt.Sprintf("%q", err))
	walk(err, func(e error) {
		c.Add(Errors, e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e))
		switch e := e.(type) {
		case *rt.RetryError:
			for _, a := range e.Attempts {
				c.Error(a)
			}
		case *rt.AttemptError:
			c.Add(Errors, fmt.Sprintf("%v", e.Node), fmt.Sprintf("%+v", e.Node), fmt.Sprintf("%#v", e.Node))
		}
	})
}

func walk(err error, f func(error)) {
	for depth := 0; err != nil && depth < 64; depth++ {
		f(err)
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e, f)
			}
			return
		}
		err = errors.Unwrap(err)
	}
}

// Format records v as fmt prints it with %v, %+v, %#v and %s.
func (c *Capture) Format(v any) {
	c.Add(Formatted, fmt.Sprintf("%v", v), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v), fmt.Sprintf("%s", v))
}

// Recover records the value of a panic, if any, and reports whether there
// was one. Call it deferred, directly: defer c.Recover(&panicked).
func (c *Capture) Recover(panicked *bool) {
	if p := recover(); p != nil {
		*panicked = true
		c.Panic(p)
	}
}

// Panic records p, a value recovered from a panic, as fmt prints it, and
// as an error if it is one. A nil p records nothing.
func (c *Capture) Panic(p any) {
	if p == nil {
		return
	}
	c.Add(Panics, fmt.Sprintf("%v", p), fmt.Sprintf("%+v", p), fmt.Sprintf("%#v", p))
	if err, ok := p.(error); ok {
		c.Error(err)
	}
}

// Texts returns what was recorded on s.
func (c *Capture) Texts(s Surface) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.texts[s]...)
}

// Levels returns how many log records were written at each level.
func (c *Capture) Levels() map[slog.Level]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[slog.Level]int{}
	for l, n := range c.levels {
		out[l] = n
	}
	return out
}

// Check fails t for every secret written on any surface, and for every
// surface of nonEmpty on which nothing was written, so that a check
// cannot pass because nothing was captured.
func (c *Capture) Check(t testing.TB, secrets []string, nonEmpty ...Surface) {
	t.Helper()
	for _, s := range nonEmpty {
		if strings.TrimSpace(strings.Join(c.Texts(s), "")) == "" {
			t.Errorf("nothing captured on %s", s)
		}
	}
	for _, s := range Surfaces {
		for _, text := range c.Texts(s) {
			for _, secret := range secrets {
				if strings.Contains(text, secret) {
					t.Errorf("%s: %q written:\n%s", s, secret, text)
				}
			}
		}
	}
}

// Logger returns a logger enabled at Debug whose records go to c: curl
// trace records ("esrt: curl") as Curl, all others as Logs, each written
// both as text and as JSON.
func (c *Capture) Logger() *slog.Logger { return slog.New(&handler{c: c}) }

type handler struct {
	c    *Capture
	wrap []func(slog.Handler) slog.Handler // WithAttrs and WithGroup, in order
}

func (h *handler) Enabled(context.Context, slog.Level) bool { return true }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	var text, js strings.Builder
	var inner slog.Handler = slog.NewMultiHandler(
		slog.NewTextHandler(&text, &slog.HandlerOptions{Level: slog.LevelDebug}),
		slog.NewJSONHandler(&js, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, w := range h.wrap {
		inner = w(inner)
	}
	if err := inner.Handle(ctx, r); err != nil {
		return err
	}
	s := Logs
	if strings.Contains(r.Message, "curl") {
		s = Curl
	}
	h.c.Add(s, text.String(), js.String())
	h.c.mu.Lock()
	if h.c.levels == nil {
		h.c.levels = map[slog.Level]int{}
	}
	h.c.levels[r.Level]++
	h.c.mu.Unlock()
	return nil
}

func (h *handler) with(w func(slog.Handler) slog.Handler) *handler {
	return &handler{c: h.c, wrap: append(append([]func(slog.Handler) slog.Handler(nil), h.wrap...), w)}
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	return h.with(func(in slog.Handler) slog.Handler { return in.WithAttrs(as) })
}

func (h *handler) WithGroup(name string) slog.Handler {
	return h.with(func(in slog.Handler) slog.Handler { return in.WithGroup(name) })
}
