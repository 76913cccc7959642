package esrt

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/rt"
)

// A password holding a character that URLs reserve, written into an
// address as it is, never shows in a configuration error: not in its
// message, not with any verb. Each such address either works (an "@" or a
// ":" in a password needs no escaping) or is refused with a message that
// says to percent-encode.
func TestAddressPasswordsNeverInErrors(t *testing.T) {
	for _, special := range []string{"#", "/", "?", "@", ":", "%", " ", "%zz", "#/?@:% "} {
		pw := "hun" + special + "ter2"
		for _, addr := range []string{
			"http://elastic:" + pw + "@127.0.0.1:9200",
			"https://elastic:" + pw + "@es.example.com:9243/prefix",
			"http://elastic:" + pw + "@[::1]:9200",
		} {
			for _, env := range []bool{false, true} {
				// The first address carries the same credentials, encoded.
				encoded := "http://" + url.UserPassword("elastic", pw).String() + "@es0:9200"
				cfg, field := Config{Addresses: []string{encoded, addr}}, "Addresses[1]"
				if env {
					cfg, field = Config{}, "ELASTICSEARCH_URL[0]"
					t.Setenv("ELASTICSEARCH_URL", addr)
				}
				tr, err := New(cfg)
				if err == nil {
					got, _ := tr.Pool().Status()[0].Node.URL.User.Password() // every address has the same
					tr.Close()
					if special != "@" && special != ":" || got != pw {
						t.Errorf("%s = %q: accepted, password %q", field, addr, got)
					}
					continue
				}
				var ce *rt.ConfigError
				if !errors.As(err, &ce) || ce.Field != field || !strings.Contains(err.Error(), "percent-encoded") {
					t.Errorf("%s = %q: error %v, want a ConfigError for %s saying to percent-encode", field, addr, err, field)
				}
				for _, s := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), fmt.Sprintf("%s", err)} {
					if strings.Contains(s, "hun") || strings.Contains(s, "ter2") {
						t.Errorf("%s = %q: the error shows the password: %s", field, addr, s)
					}
				}
			}
		}
		// Percent-encoded, every password works.
		cfg := Config{Addresses: []string{"http://" + url.UserPassword("elastic", pw).String() + "@127.0.0.1:9200"}}
		tr, err := New(cfg)
		if err != nil {
			t.Fatalf("New(%v): %v", cfg, err)
		}
		got, _ := tr.Pool().Status()[0].Node.URL.User.Password()
		tr.Close()
		if got != pw {
			t.Errorf("percent-encoded password %q read as %q", pw, got)
		}
	}
}

// An address without a scheme gets the same clear error whatever its host
// looks like, and never shows its userinfo.
func TestAddressWithoutScheme(t *testing.T) {
	for _, addr := range []string{"localhost:9200", "127.0.0.1:9200", "[::1]:9200", "es1:9200/prefix", "es1", "user:hunter2@es:9200", "elastic:hunter2@127.0.0.1:9200"} {
		_, err := New(Config{Addresses: []string{addr}})
		var ce *rt.ConfigError
		if !errors.As(err, &ce) || ce.Field != "Addresses[0]" || !strings.Contains(err.Error(), "missing scheme: write http:// or https://") {
			t.Errorf("%q: error %v, want the missing-scheme ConfigError", addr, err)
			continue
		}
		if strings.Contains(fmt.Sprintf("%+v", err), "hunter2") || strings.Contains(err.Error(), "cannot contain colon") {
			t.Errorf("%q: error %v", addr, err)
		}
	}
}
