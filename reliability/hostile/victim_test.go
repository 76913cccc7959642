package hostile_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/esrt-dev/esrt"
)

// The credentials every case configures. None may appear in an error or a
// log line, nor reach a server that is not a configured node.
const (
	user     = "elastic"
	password = "hostile-pw-9f3a7c"
)

// secrets are the forms in which the credentials could leak.
var secrets = []string{
	password,
	base64.StdEncoding.EncodeToString([]byte(user + ":" + password)),
}

// logBuffer is a log sink that is safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// victim is an esrt transport for hostile servers, with its log.
type victim struct {
	*esrt.Transport
	log *logBuffer
}

// newVictim builds the transport esrt.New makes of cfg, with basic
// credentials and a debug logger; cfg.Addresses defaults to addr over
// plain http.
func newVictim(t *testing.T, addr string, cfg esrt.Config) *victim {
	t.Helper()
	if cfg.Addresses == nil {
		cfg.Addresses = []string{"http://" + addr}
	}
	cfg.Username, cfg.Password = user, password
	logs := &logBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	tr, err := esrt.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return &victim{Transport: tr, log: logs}
}

// get sends GET path and reads the whole body into io.Discard; it returns
// the status (0 without a response), the bytes read and the error.
func (c *victim) get(ctx context.Context, path string) (int, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	if err != nil {
		panic(err)
	}
	res, err := c.RoundTrip(req)
	if err != nil {
		return 0, 0, err
	}
	defer res.Body.Close()
	n, err := io.Copy(io.Discard, res.Body)
	return res.StatusCode, n, err
}

// clean fails the test if err or the client's log holds a credential.
func (c *victim) clean(t *testing.T, err error) {
	t.Helper()
	for _, s := range secrets {
		if err != nil && strings.Contains(err.Error(), s) {
			t.Errorf("the error holds a credential: %v", err)
		}
		if strings.Contains(c.log.String(), s) {
			t.Errorf("the log holds a credential:\n%s", c.log.String())
		}
	}
}

// noCredentials fails the test if a request s read carried credentials.
func noCredentials(t *testing.T, s *rawServer) {
	t.Helper()
	for _, r := range s.requests() {
		if a := r.Header.Get("Authorization"); a != "" {
			t.Errorf("%s %s reached %s with Authorization %q", r.Method, r.URL, s.addr(), a)
		}
	}
}

// testContext bounds a case: its expiry is a failure, never a speed
// requirement, since every case should end long before it.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), patience)
	t.Cleanup(cancel)
	return ctx
}
