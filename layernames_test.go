package esrt

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// Printing the transport or any layer of its chain shows no secret with
// any verb, and only a name with %v, %+v and %s: the auth layer holds the
// encoded credentials, the headers and logging layers the default
// headers, with an Authorization among them.
func TestLayersPrintNoSecret(t *testing.T) {
	for _, cfg := range []Config{
		{Username: "elastic", Password: "s3cret-pass"},
		{Header: http.Header{"Authorization": {"Bearer s3cret-token"}}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Logging: LoggingConfig{Curl: true}},
	} {
		cfg.Addresses, cfg.Transport = []string{"http://a:9200"}, &recorder{}
		tr := mustNew(t, cfg)
		n := 0
		var next http.RoundTripper = tr
		for ; next != nil; n++ {
			if _, ok := next.(fmt.Stringer); !ok && n > 0 {
				break // the base transport
			}
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x"} {
				got := fmt.Sprintf(verb, next)
				if strings.Contains(got, "s3cret") || strings.Contains(got, "ZWxhc3RpYzpzM2NyZXQtcGFzcw") {
					t.Errorf("layer %d printed with %s: %q", n, verb, got)
				}
				if strings.Contains("%v %+v %s", verb) && strings.Contains(got, "{") {
					t.Errorf("layer %d printed with %s shows fields: %q", n, verb, got)
				}
			}
			u, ok := next.(interface{ Unwrap() http.RoundTripper })
			if !ok {
				break
			}
			next = u.Unwrap()
		}
		if n < 6 {
			t.Errorf("walked %d layers, want the transport and the whole default chain", n)
		}
	}
}
