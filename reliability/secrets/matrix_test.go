package secrets_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/internal/secret/secrettest"
)

// timeout bounds a request to a node that never answers. The node never
// answers, so the deadline always ends the request, however busy the
// machine: the cell cannot flake, only take this long.
const timeout = 100 * time.Millisecond

// A variant is a way of running the chain that changes where credentials
// go: sniffing sends the static credential to the nodes from New; hedged
// reads send a request's credential on two attempts at once.
type variant struct {
	name      string
	configure func(*esrt.Config)
}

var variants = []variant{
	{"requests", func(*esrt.Config) {}},
	{"sniffing on start", func(cfg *esrt.Config) {
		cfg.DiscoverNodesOnStart, cfg.Pool.DiscoverNodesTimeout = true, timeout
	}},
	{"hedged reads", func(cfg *esrt.Config) {
		cfg.Retry.Hedge.Enabled, cfg.Retry.Hedge.Delay = true, time.Millisecond
	}},
}

// TestMatrix sends one request with every credential to a pair of nodes
// failing in every way, in every variant, and checks every
// surface for every form of the secret: the error, the log records at
// every level, the curl trace, the Config, nodes, credential and chain
// printed, what the caller's hooks get, and panics (there must be none).
func TestMatrix(t *testing.T) {
	levels, cells := map[slog.Level]int{}, 0
	for _, v := range variants {
		for _, f := range secrettest.Failures {
			t.Run(v.name+"/"+string(f), func(t *testing.T) {
				nodes := []*secrettest.Node{secrettest.Start(t, f), secrettest.Start(t, f)}
				for _, cred := range credentials() {
					t.Run(cred.name, func(t *testing.T) {
						var c secrettest.Capture
						runCell(t, &c, f, nodes, cred, v)
						nonEmpty := []secrettest.Surface{secrettest.Logs, secrettest.Curl, secrettest.Formatted}
						if nodes[0].Status == 0 {
							nonEmpty = append(nonEmpty, secrettest.Errors)
						}
						c.Check(t, cred.secrets, nonEmpty...)
						cells++
						for l, n := range c.Levels() {
							levels[l] += n
						}
					})
				}
			})
		}
	}
	if cells < len(variants)*len(secrettest.Failures)*len(credentials()) {
		return // -run chose some cells only
	}
	for _, l := range []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError} {
		if levels[l] == 0 {
			t.Errorf("no record at %v in the whole matrix: the matrix does not cover that level", l)
		}
	}
}

// runCell builds a transport with cred for nodes, sends one request and
// records every surface in c.
func runCell(t *testing.T, c *secrettest.Capture, f secrettest.Failure, nodes []*secrettest.Node, cred credential, v variant) {
	t.Helper()
	cfg := esrt.Config{
		Logger:       c.Logger(),
		Logging:      esrt.LoggingConfig{Curl: true},
		MaxRetries:   1,
		RetryBackoff: func(int) time.Duration { return 0 },
		Hooks:        hooksTo(c),
	}
	if f == secrettest.Timeout {
		cfg.Limits.RequestTimeout = timeout
	}
	cred.configure(t, &cfg, []string{nodes[0].URL, nodes[1].URL})
	v.configure(&cfg)
	c.Format(cfg)
	slog.New(slog.NewJSONHandler(writer{c}, nil)).Info("config", "config", cfg)
	if b, err := json.Marshal(cfg); err == nil { // a Config holds functions: encoding/json refuses it
		c.Add(secrettest.Formatted, string(b))
	}

	var panicked bool
	tr := newTransport(t, c, cfg, &panicked)
	if panicked || tr == nil {
		t.Fatal("New panicked or failed")
	}
	defer tr.Close()
	resp, err := roundTrip(t, c, tr, cred, &panicked)
	if panicked {
		t.Fatal("RoundTrip panicked")
	}
	c.Error(err)
	switch want := nodes[0].Status; {
	case want == 0 && err == nil:
		resp.Body.Close()
		t.Fatalf("status %d, want an error", resp.StatusCode)
	case want != 0 && err != nil:
		t.Fatalf("err = %v, want status %d", err, want)
	case want != 0:
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("status %d, want %d", resp.StatusCode, want)
		}
		checkSent(t, nodes, cred.wantAuth)
	}
	formatTransport(c, tr, cred)
}

// newTransport calls esrt.New, recording a panic in c.
func newTransport(t *testing.T, c *secrettest.Capture, cfg esrt.Config, panicked *bool) *esrt.Transport {
	defer c.Recover(panicked)
	tr, err := esrt.New(cfg)
	c.Error(err)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return tr
}

// roundTrip sends the cell's request, recording a panic in c.
func roundTrip(t *testing.T, c *secrettest.Capture, tr *esrt.Transport, cred credential, panicked *bool) (*http.Response, error) {
	defer c.Recover(panicked)
	return tr.RoundTrip(newRequest(t, context.Background(), cred))
}

// checkSent checks that a node got the credential: the cell's secret is
// really in play, so that its absence from every surface means something.
// It drains what the nodes got, the sniff's requests included.
func checkSent(t *testing.T, nodes []*secrettest.Node, want string) {
	t.Helper()
	var got []string
	for _, n := range nodes {
		for drained := false; !drained; {
			select {
			case a := <-n.Auth:
				got = append(got, a)
			default:
				drained = true
			}
		}
	}
	if !slices.Contains(got, want) {
		t.Fatalf("the nodes got Authorization %q, want %q among them", got, want)
	}
}

// formatTransport records the transport, its nodes and the per-request
// credential as fmt, slog and encoding/json print them.
func formatTransport(c *secrettest.Capture, tr *esrt.Transport, cred credential) {
	formatLayers(c, tr)
	logger := slog.New(slog.NewJSONHandler(writer{c}, nil))
	for _, st := range tr.Pool().Status() {
		c.Format(st)
		c.Format(st.Node)
		c.Format(*st.Node)
		logger.Info("node", "node", st.Node, "status", st)
		b, err := json.Marshal(st)
		c.Add(secrettest.Formatted, string(b))
		if err != nil {
			c.Add(secrettest.Formatted, err.Error())
		}
	}
	if !cred.auth.IsZero() {
		c.Format(cred.auth)
		logger.Info("auth", "auth", cred.auth)
		b, _ := json.Marshal(cred.auth)
		c.Add(secrettest.Formatted, string(b))
	}
}

// writer records what a handler writes as formatted values.
type writer struct{ c *secrettest.Capture }

func (w writer) Write(p []byte) (int, error) {
	w.c.Add(secrettest.Formatted, string(p))
	return len(p), nil
}

// formatLayers records the transport and every layer of its chain as fmt
// prints them with every verb. The walk stops above the base transport,
// net/http's, which is not esrt's to print (and whose fields its
// connections change as fmt reads them).
func formatLayers(c *secrettest.Capture, tr *esrt.Transport) {
	var next http.RoundTripper = tr
	for n := 0; next != nil && n < 64; n++ {
		if _, ok := next.(fmt.Stringer); !ok && n > 0 {
			return
		}
		c.Format(next)
		c.Add(secrettest.Formatted, fmt.Sprintf("%d", next), fmt.Sprintf("%x", next), fmt.Sprintf("%q", next))
		u, ok := next.(interface{ Unwrap() http.RoundTripper })
		if !ok {
			return
		}
		next = u.Unwrap()
	}
}
