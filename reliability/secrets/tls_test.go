package secrets_test

import (
	"context"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/internal/secret/secrettest"
)

// TestTLSHints meets the failures whose errors esrt explains with a hint
// that names the address (a certificate for other names, an https
// address on a plain http node, a pinned fingerprint that does not
// match), with every credential, and checks that neither the error nor
// the log shows the secret.
func TestTLSHints(t *testing.T) {
	tlsNode := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsNode.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake errors are the point
	tlsNode.StartTLS()
	defer tlsNode.Close()
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsNode.Certificate().Raw})
	cases := []struct {
		name string
		addr string
		set  func(*esrt.Config)
		hint string
	}{
		{"certificate for other names", strings.Replace(tlsNode.URL, "127.0.0.1", "localhost", 1),
			func(cfg *esrt.Config) { cfg.CACert = caPEM }, "localhost"},
		{"https on a plain http node", strings.Replace(plain.URL, "http://", "https://", 1),
			func(*esrt.Config) {}, "http://"},
		{"pinned fingerprint does not match", tlsNode.URL,
			func(cfg *esrt.Config) { cfg.CertificateFingerprint = strings.Repeat("ab", 32) }, "ingerprint"},
	}
	for _, tc := range cases {
		for _, cred := range credentials() {
			t.Run(tc.name+"/"+cred.name, func(t *testing.T) {
				var c secrettest.Capture
				cfg := esrt.Config{Logger: c.Logger(), Logging: esrt.LoggingConfig{Curl: true}, DisableRetry: true}
				cred.configure(t, &cfg, []string{tc.addr})
				tc.set(&cfg)
				tr, err := esrt.New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer tr.Close()
				resp, err := tr.RoundTrip(newRequest(t, context.Background(), cred))
				if err == nil {
					resp.Body.Close()
					t.Fatalf("status %d, want an error", resp.StatusCode)
				}
				if !strings.Contains(err.Error(), tc.hint) {
					t.Errorf("err = %v, want a hint with %q", err, tc.hint)
				}
				c.Error(err)
				c.Check(t, cred.secrets, secrettest.Errors, secrettest.Logs)
			})
		}
	}
}
