package rt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"
)

func TestNewNode(t *testing.T) {
	tests := []struct {
		in       string
		wantURL  string // Redacted form
		wantKey  string
		wantErr  string
		noSecret string
	}{
		{in: "http://localhost:9200", wantURL: "http://localhost:9200", wantKey: "localhost:9200"},
		{in: " https://ES.example.com:9243/ ", wantURL: "https://ES.example.com:9243", wantKey: "es.example.com:9243"},
		{in: "https://es.example.com", wantURL: "https://es.example.com", wantKey: "es.example.com:443"},
		{in: "http://es.example.com", wantURL: "http://es.example.com", wantKey: "es.example.com:80"},
		{in: "http://[::1]:9200", wantURL: "http://[::1]:9200", wantKey: "[::1]:9200"},
		{in: "https://u:p%40ss@proxy:8443/es//", wantURL: "https://u:xxxxx@proxy:8443/es", wantKey: "proxy:8443/es"},
		{in: "https://tok3n@es:9200", wantURL: "https://xxxxx@es:9200", wantKey: "es:9200", noSecret: "tok3n"},
		{in: "https://u:@es:9200", wantURL: "https://u:xxxxx@es:9200", wantKey: "es:9200"},
		{in: "http://10.0.0.1:9200/a/b/", wantURL: "http://10.0.0.1:9200/a/b", wantKey: "10.0.0.1:9200/a/b"},
		{in: "", wantErr: "empty"},
		{in: "localhost:9200", wantErr: "missing scheme"},
		{in: "es.example.com", wantErr: "missing scheme"},
		{in: "ftp://es:21", wantErr: `scheme "ftp"`},
		{in: "http://", wantErr: "missing host"},
		{in: "http://:9200", wantErr: "missing host"},
		{in: "http://es:9200/?pretty", wantErr: "query"},
		{in: "http://es:9200/#x", wantErr: "fragment"},
		{in: "http://es:/", wantErr: "empty port"},
		{in: "http://user:hunter2@es:99999999999/", wantErr: "", noSecret: "hunter2"},
		{in: "http://user:hunter2@es:port/", wantErr: "port is not a number", noSecret: "hunter2"},
		{in: "ftp://user:hunter2@es/", wantErr: "scheme", noSecret: "hunter2"},
		{in: "HTTPS://es:9200", wantURL: "https://es:9200", wantKey: "es:9200"},
		{in: "http://es:0", wantErr: "port is not a number"},
		{in: "http://es:65536", wantErr: "port is not a number"},
		{in: "http://es:9200:9300", wantErr: "IPv6 address in brackets"},
		{in: "http://[::1", wantErr: "no closing ]"},
		{in: "http://[::1]x", wantErr: "only :port"},
		{in: "http://[::%25\x80]", wantErr: "IPv6 address in brackets is not valid"}, // printed as [::%25%80], which does not parse
		{in: "http://[fe80::1%25]", wantErr: "IPv6 address in brackets is not valid"},
		{in: "http://[1.2.3.4]:9200", wantErr: "IPv6 address in brackets is not valid"},
		{in: "http://es host:9200", wantErr: "host is not a valid"},
		{in: "http://es:9200/a%zz", wantErr: "path is not valid"},
		{in: "http://@es:9200", wantErr: "empty user name"},
		// A password typed where the port goes is not echoed either.
		{in: "http://elastic:hunter2", wantErr: "port is not a number", noSecret: "hunter2"},
		// No scheme: the same clear error whatever the host looks like.
		{in: "127.0.0.1:9200", wantErr: "missing scheme"},
		{in: "[::1]:9200", wantErr: "missing scheme"},
		{in: "es1:9200/prefix", wantErr: "missing scheme"},
		{in: "user:hunter2@es:9200", wantErr: "missing scheme", noSecret: "hunter2"},
		{in: "//user:hunter2@es:9200", wantErr: "missing scheme", noSecret: "hunter2"},
		{in: "user:hunter2@es://x", wantErr: "missing scheme", noSecret: "hunter2"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, err := NewNode(tt.in)
			if tt.noSecret != "" {
				if err != nil && strings.Contains(err.Error(), tt.noSecret) {
					t.Fatalf("error reveals the password: %v", err)
				}
				if n != nil && strings.Contains(n.String(), tt.noSecret) {
					t.Fatalf("String reveals the password: %v", n)
				}
			}
			if tt.wantErr != "" || (tt.noSecret != "" && err != nil) {
				if err == nil {
					t.Fatalf("NewNode(%q) = %v, want error containing %q", tt.in, n, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "esrt: ") {
					t.Fatalf("error %q, want esrt-prefixed, containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewNode(%q): %v", tt.in, err)
			}
			if tt.wantURL != "" {
				if got := n.String(); got != tt.wantURL {
					t.Errorf("String() = %q, want %q", got, tt.wantURL)
				}
				if got := n.Key(); got != tt.wantKey {
					t.Errorf("Key() = %q, want %q", got, tt.wantKey)
				}
			}
		})
	}
}

func TestNewNodeKeepsUserinfo(t *testing.T) {
	n, err := NewNode("https://elastic:p%40ss@es:9200")
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := n.URL.User.Password()
	if n.URL.User.Username() != "elastic" || pw != "p@ss" {
		t.Fatalf("userinfo = %q/%q, want elastic/p@ss (percent-decoded)", n.URL.User.Username(), pw)
	}
}

func TestNodeHasRole(t *testing.T) {
	n := &Node{Roles: []string{"data_hot", "ingest"}}
	if !n.HasRole("ingest") || n.HasRole("data") || n.HasRole("master") {
		t.Fatalf("HasRole wrong for %v", n.Roles)
	}
	var empty Node
	if empty.HasRole("data") {
		t.Fatal("node without roles has a role")
	}
	var nilNode *Node
	if got := nilNode.String(); got != "<nil>" {
		t.Fatalf("nil node String() = %q", got)
	}
}

// specialPasswords hold each character that URLs reserve in userinfo.
var specialPasswords = []string{"hun#ter2", "hun/ter2", "hun?ter2", "hun@ter2", "hun:ter2", "hun%ter2", "hun ter2", "hun%zzter2", "h#u/n?t@e:r%2 x"}

// A password with a reserved character, written into an address as it is,
// never shows in an error (internal/secret checks RedactURL with the same
// passwords).
func TestNewNodeSpecialPasswords(t *testing.T) {
	for _, pw := range specialPasswords {
		for _, raw := range []string{"http://elastic:" + pw + "@es:9200", "https://elastic:" + pw + "@es:9200/prefix", "http://elastic:" + pw + "@[::1]:9200"} {
			n, err := NewNode(raw)
			if err != nil {
				for _, s := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
					if strings.Contains(s, "hun") || strings.Contains(s, "ter2") {
						t.Errorf("NewNode(%q): error shows the password: %s", raw, s)
					}
				}
				if !strings.Contains(err.Error(), "percent-encoded") {
					t.Errorf("NewNode(%q): error %q does not say to percent-encode", raw, err)
				}
				continue
			}
			// "@" and ":" need no escaping: the userinfo ends at the last
			// "@", the user name at the first ":".
			if got, _ := n.URL.User.Password(); got != pw || n.URL.Hostname() != "es" && n.URL.Hostname() != "::1" {
				t.Errorf("NewNode(%q) = password %q, host %q", raw, got, n.URL.Hostname())
			}
			if s := fmt.Sprintf("%v %+v", n, *n); strings.Contains(s, "hun") {
				t.Errorf("NewNode(%q) prints as %s", raw, s)
			}
		}
		// Percent-encoded, every password works.
		raw := "http://" + url.UserPassword("elastic", pw).String() + "@es:9200"
		n, err := NewNode(raw)
		if err != nil {
			t.Fatalf("NewNode(%q): %v", raw, err)
		}
		if got, _ := n.URL.User.Password(); got != pw {
			t.Errorf("NewNode(%q) password = %q, want %q", raw, got, pw)
		}
	}
}

// Node prints its userinfo redacted with every verb, as a value or a
// pointer, nested or logged.
func TestNodeNeverPrintsUserinfo(t *testing.T) {
	for _, raw := range []string{"https://elastic:s3cr3t-pw@es:9200/p", "https://s3cr3t-tok@es:9200"} {
		n, err := NewNode(raw)
		if err != nil {
			t.Fatal(err)
		}
		n.ID, n.Name = "node-id-1", "node-name-1"
		var out []string
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%20v", "%-v"} {
			out = append(out, fmt.Sprintf(verb, n), fmt.Sprintf(verb, *n))
		}
		out = append(out, fmt.Sprint(n, *n), fmt.Sprintf("%+v", struct{ N Node }{*n}), fmt.Sprintf("%v", []Node{*n}),
			fmt.Sprintf("%+v", map[string]*Node{"a": n}))
		var buf bytes.Buffer
		for _, h := range []slog.Handler{slog.NewTextHandler(&buf, nil), slog.NewJSONHandler(&buf, nil)} {
			slog.New(h).Info("x", "node", n, "value", *n, "nested", struct{ N Node }{*n})
		}
		out = append(out, buf.String())
		for _, s := range out {
			if strings.Contains(s, "s3cr3t") {
				t.Errorf("%s prints as %s", raw, s)
			}
		}
		if s := fmt.Sprintf("%+v", *n); !strings.Contains(s, "node-name-1") || !strings.Contains(s, "es:9200") {
			t.Errorf("%%+v = %s, want the other fields", s)
		}
		if s := fmt.Sprintf("%#v", n); !strings.HasPrefix(s, "rt.Node{") {
			t.Errorf("%%#v = %s", s)
		}
	}
}

// nodeErrors are the messages NewNode may give, after its prefix: none
// echoes the address, but for a scheme that is not http or https.
var nodeErrors = map[string]bool{
	"empty": true, "missing host": true, "empty port": true,
	"missing scheme: write http:// or https:// before the host, as in https://localhost:9200": true,
	errUserinfo.Error():                                 true,
	"empty user name before @":                          true,
	"the IPv6 address has no closing ]":                 true,
	"the IPv6 address in brackets is not valid":         true,
	"only :port may follow an IPv6 address in brackets": true,
	"the host is not valid (write an IPv6 address in brackets, as in http://[::1]:9200)": true,
	"the port is not a number from 1 to 65535":                                           true,
	"the host is not a valid host name or IP address":                                    true,
	"the path is not valid (a % must start an escape such as %20)":                       true,
	"a query is not allowed":                                                             true,
	"a fragment is not allowed":                                                          true,
}

func FuzzNewNode(f *testing.F) {
	data, err := os.ReadFile("testdata/publish_address_parse_vectors.json")
	var vectors []struct {
		PublishAddress string `json:"publish_address"`
	}
	if err != nil || json.Unmarshal(data, &vectors) != nil || len(vectors) == 0 {
		f.Fatalf("publish_address_parse_vectors.json: %v", err)
	}
	for _, v := range vectors {
		f.Add("http://" + v.PublishAddress)
		f.Add("https://elastic:pass@" + v.PublishAddress + "/prefix/")
	}
	for _, s := range []string{"http://localhost:9200", "https://u:p@es:9243/prefix/", "http://[::1]:9200", "es:9200", "", "http://:9200", "https://a@b@c/d", "ftp://u:p@h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		n, err := NewNode(raw)
		if err != nil {
			if n != nil {
				t.Fatal("node and error both returned")
			}
			// The message is one of a fixed set: no part of the address,
			// which may hold a password anywhere, is echoed.
			msg, ok := strings.CutPrefix(err.Error(), "esrt: node address: ")
			scheme, _, _ := strings.Cut(strings.TrimSpace(raw), "://")
			if !ok || !nodeErrors[msg] && msg != fmt.Sprintf("scheme %q is not http or https", scheme) {
				t.Fatalf("NewNode(%q): %q", raw, err)
			}
			return
		}
		if n.URL.Scheme != "http" && n.URL.Scheme != "https" || n.URL.Hostname() == "" {
			t.Fatalf("NewNode(%q) accepted %v", raw, n)
		}
		// What NewNode prints parses back to the same node.
		if pw, ok := n.URL.User.Password(); !ok || pw == "" {
			again, err := NewNode(n.URL.String())
			if err != nil || again.Key() != n.Key() {
				t.Fatalf("round trip of %q: %v, %v", n.URL.String(), again, err)
			}
		}
	})
}
