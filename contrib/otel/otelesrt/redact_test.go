package otelesrt

import (
	"net/url"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://es:9200/logs/_search?size=1", "http://es:9200/logs/_search?size=1"},
		{"https://elastic:s3cret@es:9200/_bulk", "https://REDACTED:REDACTED@es:9200/_bulk"},
		{"https://tok3n@es/", "https://REDACTED:REDACTED@es/"},
		{"https://es/x?X-Amz-Signature=abc&size=1&X-Amz-Credential=AKIA%2F1&X-Amz-Security-Token=t",
			"https://es/x?X-Amz-Signature=REDACTED&size=1&X-Amz-Credential=REDACTED&X-Amz-Security-Token=REDACTED"},
		{"https://es/x?sig=abc&SIG=d&x-amz-signature=e&AWSAccessKeyId=f&Signature=g&X-Goog-Signature=h",
			"https://es/x?sig=REDACTED&SIG=REDACTED&x-amz-signature=REDACTED&AWSAccessKeyId=REDACTED&Signature=REDACTED&X-Goog-Signature=REDACTED"},
		{"https://es/x?signature_version=2&q=sig:1", "https://es/x?signature_version=2&q=sig:1"},
		{"/logs/_search", ""},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := redactURL(u); got != tt.want {
			t.Errorf("redactURL(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if got := redactURL(nil); got != "" {
		t.Errorf("redactURL(nil) = %q", got)
	}
}

func TestRedactText(t *testing.T) {
	tests := []struct{ in, want string }{
		{`Get "http://elastic:s3cret@10.0.0.1:9200/_search": dial tcp: connection refused`,
			`Get "http://REDACTED:REDACTED@10.0.0.1:9200/_search": dial tcp: connection refused`},
		{`post https://tok@es/x?X-Amz-Signature=abc123&a=1: EOF`, `post https://REDACTED:REDACTED@es/x?X-Amz-Signature=REDACTED&a=1: EOF`},
		{`url https://es/?sig=zz"`, `url https://es/?sig=REDACTED"`},
		{"esrt: GET /_search: 2 attempts failed", "esrt: GET /_search: 2 attempts failed"},
		{"user@example.com wrote a=b", "user@example.com wrote a=b"},
		{"x://a@b@c/ and y://d:e@f", "x://REDACTED:REDACTED@c/ and y://REDACTED:REDACTED@f"},
	}
	for _, tt := range tests {
		if got := redactText(tt.in); got != tt.want {
			t.Errorf("redactText(%s)\n got %s\nwant %s", tt.in, got, tt.want)
		}
		for _, secret := range []string{"s3cret", "tok@", "abc123", "zz"} {
			if strings.Contains(tt.in, secret) && strings.Contains(redactText(tt.in), secret) {
				t.Errorf("redactText(%s) keeps %q", tt.in, secret)
			}
		}
	}
}
