package options_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/internal/options"
	"github.com/esrt-dev/esrt/rt"
)

// Per-request options print and log themselves without the credential of
// rt.WithAuth or the values of secret-looking headers of rt.WithHeader.
func TestOptionsNeverPrintSecrets(t *testing.T) {
	ctx := rt.WithAuth(context.Background(), rt.APIKeyAuth("key-S3CRET"))
	ctx = rt.WithHeader(ctx, http.Header{"Authorization": {"Bearer hdr-S3CRET"}, "X-Api-Key": {"k-S3CRET"}, "X-Tenant": {"blue"}})
	ctx = rt.WithRequestTimeout(ctx, 2*time.Second)
	ctx = rt.WithNode(ctx, &rt.Node{URL: mustParse(t, "https://elastic:node-S3CRET@es:9200")})
	o := options.From(ctx)
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		outs = append(outs, fmt.Sprintf(verb, o), fmt.Sprintf(verb, &o), fmt.Sprintf(verb, struct{ O options.Options }{o}))
	}
	for _, h := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
	} {
		var buf bytes.Buffer
		slog.New(h(&buf)).Info("options", "o", o, "p", &o)
		outs = append(outs, buf.String())
	}
	for _, out := range outs {
		if strings.Contains(out, "S3CRET") {
			t.Errorf("a secret shows: %s", out)
		}
		for _, want := range []string{"2s", "X-Tenant: blue", "ApiKey [redacted]", "es:9200"} {
			if !strings.Contains(out, want) {
				t.Errorf("%q missing from %s", want, out)
			}
		}
	}
	if got := fmt.Sprint((*options.Options)(nil)); got != "<nil>" {
		t.Errorf("nil options print %q", got)
	}
	if got := fmt.Sprint(options.From(rt.WithAuth(context.Background(), rt.Auth{}))); got != "options.Options{Auth: <none>}" {
		t.Errorf("a zero credential prints %q", got)
	}
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
