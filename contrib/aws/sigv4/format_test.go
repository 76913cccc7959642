package sigv4

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
)

// A Config and the layer print no key with any verb, also when the
// provider is a value that holds the keys, and log none with slog.
func TestConfigPrintsNoKeys(t *testing.T) {
	cfg := Config{Credentials: credentials.NewStaticCredentialsProvider("AKIDprint", "secret-print-key", "token-print"), Region: "eu-west-1"}
	mw, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	layer := mw(nil)
	var b strings.Builder
	slog.New(slog.NewJSONHandler(&b, nil)).Info("x", "cfg", cfg)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x"} {
		b.WriteString(fmt.Sprintf(verb, cfg) + fmt.Sprintf(verb, &cfg) + fmt.Sprintf(verb, layer))
	}
	for _, s := range []string{"AKIDprint", "secret-print-key", "token-print"} {
		if strings.Contains(b.String(), s) {
			t.Errorf("%q printed: %s", s, b.String())
		}
	}
	if want := "sigv4.Config{Credentials:credentials.StaticCredentialsProvider Region:eu-west-1}"; cfg.String() != want {
		t.Errorf("String() = %q, want %q", cfg.String(), want)
	}
}
