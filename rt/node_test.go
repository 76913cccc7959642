package rt

import (
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
		{in: "http://user:hunter2@es:port/", wantErr: "invalid port", noSecret: "hunter2"},
		{in: "ftp://user:hunter2@es/", wantErr: "scheme", noSecret: "hunter2"},
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

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://es:9200", "http://es:9200"},
		{"https://u:secret@es:9200/p", "https://xxxxx@es:9200/p"},
		{"https://token@es", "https://xxxxx@es"},
		{"https://u:se@cret@es/x@y", "https://xxxxx@es/x@y"},
		{"http://es/path?q=a@b", "http://es/path?q=a@b"},
		{"not a url", "not a url"},
		{"http://u:p@[::1]:9200", "http://xxxxx@[::1]:9200"},
	}
	for _, tt := range tests {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzNewNode(f *testing.F) {
	for _, s := range []string{"http://localhost:9200", "https://u:p@es:9243/prefix/", "http://[::1]:9200", "es:9200", "", "http://:9200", "https://a@b@c/d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		n, err := NewNode(raw)
		if err != nil {
			if n != nil {
				t.Fatal("node and error both returned")
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
