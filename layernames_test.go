package esrt

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// Printing any layer of the chain, with any verb that uses String, shows
// its name and none of its configuration: the auth layer holds the encoded
// credentials.
func TestLayersPrintNoSecret(t *testing.T) {
	tr := mustNew(t, Config{Addresses: []string{"http://a:9200"}, Username: "elastic", Password: "s3cret-pass", Transport: &recorder{}})
	n := 0
	for next := tr.Unwrap(); next != nil; n++ {
		if _, ok := next.(fmt.Stringer); !ok {
			break // the base transport
		}
		for _, verb := range []string{"%v", "%+v", "%s"} {
			if got := fmt.Sprintf(verb, next); strings.Contains(got, "s3cret") || strings.Contains(got, "ZWxhc3RpYzpzM2NyZXQtcGFzcw") || strings.Contains(got, "{") {
				t.Errorf("layer %d printed with %s: %q", n, verb, got)
			}
		}
		u, ok := next.(interface{ Unwrap() http.RoundTripper })
		if !ok {
			break
		}
		next = u.Unwrap()
	}
	if n < 5 {
		t.Errorf("walked %d layers, want the whole default chain", n)
	}
}
