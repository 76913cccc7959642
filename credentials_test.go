package esrt

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/rt"
)

// Static credentials come from one place: two of them are a ConfigError
// naming both, never a silent winner.
func TestCredentialConflicts(t *testing.T) {
	const secret = "s3cret-value"
	tests := []struct {
		name   string
		cfg    Config
		env    string // ELASTICSEARCH_URL
		field  string
		others []string // further field names the message must name
	}{
		{"API key and basic", Config{APIKey: secret, Username: "elastic", Password: secret}, "", "APIKey", []string{"Username"}},
		{"API key and service token", Config{APIKey: secret, ServiceToken: secret}, "", "APIKey", []string{"ServiceToken"}},
		{"service token and basic", Config{ServiceToken: secret, Username: "elastic", Password: secret}, "", "ServiceToken", []string{"Username"}},
		{"userinfo and API key", Config{Addresses: []string{"http://elastic:" + secret + "@es:9200"}, APIKey: secret}, "", "Addresses[0]", []string{"userinfo", "APIKey"}},
		{"userinfo and basic", Config{Addresses: []string{"http://elastic:" + secret + "@es:9200"}, Username: "elastic", Password: secret}, "", "Addresses[0]", []string{"userinfo", "Username"}},
		{"userinfo and the same basic", Config{Addresses: []string{"http://elastic:x@es:9200"}, Username: "elastic", Password: "x"}, "", "Addresses[0]", []string{"Username"}},
		{"token userinfo and service token", Config{Addresses: []string{"https://" + secret + "@es:9200"}, ServiceToken: secret}, "", "Addresses[0]", []string{"ServiceToken"}},
		{"environment userinfo and API key", Config{APIKey: secret}, "http://elastic:" + secret + "@es:9200", "ELASTICSEARCH_URL[0]", []string{"userinfo", "APIKey"}},
		{"Authorization header and API key", Config{APIKey: secret, Header: http.Header{"Authorization": {"Bearer " + secret}}}, "", "APIKey", []string{"Authorization"}},
		{"lower-case authorization header and basic", Config{Username: "elastic", Password: secret, Header: http.Header{"authorization": {"Bearer " + secret}}}, "", "Username", []string{"Authorization"}},
		{"username without password", Config{Username: "elastic"}, "", "Password", []string{"Username"}},
		{"password without username", Config{Password: secret}, "", "Password", []string{"Username"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("ELASTICSEARCH_URL", tt.env)
			tr, err := New(tt.cfg)
			var ce *rt.ConfigError
			if tr != nil || !errors.As(err, &ce) {
				t.Fatalf("New = %v, %v; want a ConfigError", tr, err)
			}
			if ce.Field != tt.field {
				t.Errorf("Field = %q, want %q (%v)", ce.Field, tt.field, err)
			}
			for _, o := range tt.others {
				if !strings.Contains(ce.Err.Error(), o) {
					t.Errorf("error %q does not name %s", err, o)
				}
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error reveals a secret: %v", err)
			}
		})
	}
}

func TestCredentialsAccepted(t *testing.T) {
	for _, cfg := range []Config{
		{Addresses: []string{"https://elastic:@es:9200"}},                   // an empty password on purpose
		{Addresses: []string{"https://tok3n@es:9200"}},                      // a token as user name
		{APIKey: "k", Header: http.Header{"X-Trace": {"1"}}},                // a header that is no credential
		{APIKey: "k", Header: http.Header{"Authorization": {""}}},           // an empty one neither
		{Addresses: []string{"http://a:b@es1:9200", "http://a:b@es2:9200"}}, // the same userinfo on every address
	} {
		tr, err := New(cfg)
		if err != nil {
			t.Errorf("New(%v): %v", cfg, err)
			continue
		}
		tr.Close()
	}
}
