package rt

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Per-request options print and log themselves without the credential of
// WithAuth or the values of secret-looking headers of WithHeader.
func TestOptionsNeverPrintSecrets(t *testing.T) {
	ctx := WithAuth(context.Background(), APIKeyAuth("key-S3CRET"))
	ctx = WithHeader(ctx, http.Header{"Authorization": {"Bearer hdr-S3CRET"}, "X-Api-Key": {"k-S3CRET"}, "X-Tenant": {"blue"}})
	ctx = WithRequestTimeout(ctx, 2*time.Second)
	o := OptionsFrom(ctx)
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		outs = append(outs, fmt.Sprintf(verb, o), fmt.Sprintf(verb, *o), fmt.Sprintf(verb, struct{ O *Options }{o}))
	}
	for _, h := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
	} {
		var buf bytes.Buffer
		slog.New(h(&buf)).Info("options", "o", o)
		outs = append(outs, buf.String())
	}
	for _, out := range outs {
		if strings.Contains(out, "S3CRET") {
			t.Errorf("a secret shows: %s", out)
		}
		for _, want := range []string{"2s", "X-Tenant: blue", "ApiKey [redacted]"} {
			if !strings.Contains(out, want) {
				t.Errorf("%q missing from %s", want, out)
			}
		}
	}
	if got := fmt.Sprint((*Options)(nil)); got != "<nil>" {
		t.Errorf("nil options print %q", got)
	}
}
