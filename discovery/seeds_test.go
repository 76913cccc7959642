package discovery_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/discovery"
	"github.com/esrt-dev/esrt/rt"
)

func TestSeeds(t *testing.T) {
	nodes, err := discovery.Seeds([]string{
		"http://localhost:9200/",
		" https://elastic:s3cret@proxy.example.com/es/ ",
		"http://[::1]:9201",
		"https://es.example.com",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"http://localhost:9200",
		"https://elastic:s3cret@proxy.example.com/es",
		"http://[::1]:9201",
		"https://es.example.com",
	}
	if got := urls(nodes); !slices.Equal(got, want) {
		t.Errorf("URLs = %q, want %q", got, want)
	}
	if p, _ := nodes[1].URL.User.Password(); p != "s3cret" {
		t.Errorf("password = %q, want s3cret", p)
	}
}

func TestSeedsErrors(t *testing.T) {
	tests := []struct {
		name      string
		addresses []string
		field     string
		contains  string
	}{
		{"empty list", nil, "Addresses", "no address"},
		{"empty entry", []string{"http://a:9200", ""}, "Addresses[1]", "empty"},
		{"no scheme", []string{"localhost:9200"}, "Addresses[0]", "scheme"},
		{"bad scheme", []string{"http://a", "ftp://user:s3cret@b"}, "Addresses[1]", `scheme "ftp"`},
		{"query", []string{"http://user:s3cret@a/?x=1"}, "Addresses[0]", "query"},
		{"bad escape with password", []string{"http://user:s3%zzcret@a"}, "Addresses[0]", "percent-encoded"},
		{"slash in password", []string{"http://a:9200", "http://user:s3/cret@b:9200"}, "Addresses[1]", "percent-encoded"},
		{"hash in password", []string{"http://user:s3#cret@b:9200"}, "Addresses[0]", "percent-encoded"},
		{"numeric password with slash", []string{"http://user:123/s3@b:9200"}, "Addresses[0]", "percent-encoded"},
		{"no scheme, IP", []string{"127.0.0.1:9200"}, "Addresses[0]", "missing scheme"},
		{"no scheme, userinfo", []string{"user:s3cret@es:9200"}, "Addresses[0]", "missing scheme"},
		{"duplicate", []string{"http://a:9200", "http://b:9200", "http://A:9200/"}, "Addresses[2]", "same node as Addresses[0] (a:9200)"},
		{"duplicate default port", []string{"https://user:s3cret@a", "https://a:443"}, "Addresses[1]", "same node as Addresses[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := discovery.Seeds(tt.addresses)
			if err == nil {
				t.Fatal("no error")
			}
			var ce *rt.ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, rt.ErrInvalidConfig) {
				t.Fatalf("error %v (%T) is not a ConfigError", err, err)
			}
			if ce.Field != tt.field {
				t.Errorf("Field = %q, want %q", ce.Field, tt.field)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.contains) {
				t.Errorf("error %q does not contain %q", msg, tt.contains)
			}
			if strings.Contains(msg, "s3") || strings.Contains(msg, "user:") || strings.Contains(msg, "user@") {
				t.Errorf("error %q leaks userinfo", msg)
			}
			if strings.Count(msg, "esrt:") != 1 {
				t.Errorf("error %q repeats the prefix", msg)
			}
		})
	}
}

// Distinct path prefixes on one host are distinct nodes.
func TestSeedsSameHostOtherPrefix(t *testing.T) {
	nodes, err := discovery.Seeds([]string{"http://proxy/a", "http://proxy/b"})
	if err != nil || len(nodes) != 2 {
		t.Fatalf("Seeds = %v, %v", nodes, err)
	}
}
