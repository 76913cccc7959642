package esrt

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/estest"
)

// TestLogCurlRuns checks that the curl trace of a transport built by New
// carries what the chain adds — the credential as a placeholder, the
// default headers, the CA certificate — and runs with curl once the
// placeholders' variables are exported.
func TestLogCurlRuns(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to run the command")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl to run the command")
	}
	const password = "pw-Trace-7f1c"
	c := estest.New(t, estest.Config{TLS: true, Username: "elastic", Password: password})
	var logs bytes.Buffer
	tr, err := New(Config{
		Addresses: c.URLs(),
		Username:  "elastic",
		Password:  password,
		CACert:    c.CACertPEM(),
		Header:    http.Header{"X-App": {"shop"}},
		Logger:    slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Logging:   LoggingConfig{Curl: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	req, _ := http.NewRequest("PUT", "/logs/_doc/1", strings.NewReader(`{"msg":"sent"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var cmd string
	for line := range strings.Lines(logs.String()) {
		var rec struct{ Msg, Curl string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if rec.Msg == "esrt: curl" {
			cmd = rec.Curl
		}
	}
	for _, want := range []string{`-u "elastic:$ES_PASSWORD"`, `--cacert "$ES_CA_CERT"`, `-H 'X-App: shop'`} {
		if !strings.Contains(cmd, want) {
			t.Errorf("curl command lacks %s: %s", want, cmd)
		}
	}
	if strings.Contains(logs.String(), password) {
		t.Fatalf("the password is in the log:\n%s", logs.String())
	}
	caFile := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(caFile, c.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd = strings.Replace(cmd, "/logs/_doc/1", "/logs/_doc/2", 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	run := exec.CommandContext(ctx, bash, "-c", cmd+" --silent --show-error --fail")
	run.Env = []string{"PATH=" + os.Getenv("PATH"), "ES_PASSWORD=" + password, "ES_CA_CERT=" + caFile}
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	if _, ok := c.Doc("logs", "2"); !ok {
		t.Fatal("the command did not index the document")
	}
}
