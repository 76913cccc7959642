package middleware

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// An AuthConfig prints, logs and encodes itself without its secrets, with
// every verb and alone or nested, and still says which credentials are set.
func TestAuthConfigNeverPrintsSecrets(t *testing.T) {
	cfg := AuthConfig{Username: "elastic", Password: "pw-S3CRET", APIKey: "key-S3CRET", ServiceToken: "tok-S3CRET"}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		outs = append(outs, fmt.Sprintf(verb, cfg), fmt.Sprintf(verb, &cfg), fmt.Sprintf(verb, struct{ A AuthConfig }{cfg}))
	}
	for _, h := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
	} {
		var buf bytes.Buffer
		slog.New(h(&buf)).Info("auth", "cfg", cfg)
		outs = append(outs, buf.String())
	}
	js, err := json.Marshal(struct{ Auth AuthConfig }{cfg})
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(js))
	for _, out := range outs {
		if strings.Contains(out, "S3CRET") {
			t.Errorf("a secret shows: %s", out)
		}
		for _, want := range []string{"elastic", "Password", "APIKey", "ServiceToken"} {
			if !strings.Contains(out, want) {
				t.Errorf("%q missing from %s", want, out)
			}
		}
	}
}
