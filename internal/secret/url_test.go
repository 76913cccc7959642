package secret

import (
	"net/url"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://es:9200", "http://es:9200"},
		{"https://u:secret@es:9200/p", "https://xxxxx@es:9200/p"},
		{"https://token@es", "https://xxxxx@es"},
		{"https://u:se@cret@es/x@y", "https://xxxxx@es/x@y"},
		{"http://es/path?q=a@b", "http://es/path?q=a@b"},
		{"http://es:9200/users/_doc/john@example.com", "http://es:9200/users/_doc/john@example.com"},
		{"not a url", "not a url"},
		{"http://u:p@[::1]:9200", "http://xxxxx@[::1]:9200"},
		// Addresses that do not parse, because of what the password holds.
		{"http://u:pa#ss@es:9200", "http://xxxxx@es:9200"},
		{"http://u:pa/ss@es:9200/p", "http://xxxxx@es:9200/p"},
		{"http://u:pa?ss@es:9200", "http://xxxxx@es:9200"},
		{"http://u:50%off@es:9200", "http://xxxxx@es:9200"},
		{"http://u:pa ss@es:9200", "http://xxxxx@es:9200"},
		// No scheme.
		{"u:secret@es:9200", "xxxxx@es:9200"},
		{"//u:secret@es:9200", "xxxxx@es:9200"},
		{"u:se/cret@es", "xxxxx@es"},
		{"u:secret@es://x", "xxxxx@es://x"},
		{"@", "xxxxx@"},
	}
	for _, tt := range tests {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A password with a character that URLs reserve in userinfo, written into
// an address as it is, never shows in RedactURL's output. (rt's node tests
// check NewNode with the same passwords.)
func TestRedactURLSpecialPasswords(t *testing.T) {
	for _, pw := range []string{"hun#ter2", "hun/ter2", "hun?ter2", "hun@ter2", "hun:ter2", "hun%ter2", "hun ter2", "hun%zzter2", "h#u/n?t@e:r%2 x"} {
		for _, raw := range []string{"http://elastic:" + pw + "@es:9200", "https://elastic:" + pw + "@es:9200/prefix", "http://elastic:" + pw + "@[::1]:9200"} {
			if got := RedactURL(raw); strings.Contains(got, "hun") || strings.Contains(got, "ter2") {
				t.Errorf("RedactURL(%q) = %q", raw, got)
			}
		}
	}
}

func TestValidScheme(t *testing.T) {
	for s, want := range map[string]bool{
		"http": true, "HTTPS": true, "git+ssh": true, "a1.-": true,
		"": false, "1http": false, "+x": false, "ht tp": false, "u:p": false, "h/s": false,
	} {
		if got := ValidScheme(s); got != want {
			t.Errorf("ValidScheme(%q) = %v, want %v", s, got, want)
		}
	}
}

func FuzzRedactURL(f *testing.F) {
	for _, s := range []string{"http://u:p@es:9200/x@y", "u:p@es", "http://u:p/q@es", "http://es/a@b?c@d#e@f", "x://@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := RedactURL(raw)
		// What comes back never parses to a URL with a password, nor with
		// a user name other than the mask.
		if u, err := url.Parse(got); err == nil && u.User != nil {
			if _, ok := u.User.Password(); ok || u.User.Username() != "xxxxx" {
				t.Fatalf("RedactURL(%q) = %q, which has userinfo %q", raw, got, u.User)
			}
		}
	})
}
