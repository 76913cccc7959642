package estest_test

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/estest"
)

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestAuth(t *testing.T) {
	tests := []struct {
		name   string
		cfg    estest.Config
		authz  string
		status int
		reason string
	}{
		{"no auth configured", estest.Config{}, "", 200, ""},
		{"basic ok", estest.Config{Username: "elastic", Password: "changeme"}, basic("elastic", "changeme"), 200, ""},
		{"basic empty password ok", estest.Config{Username: "elastic"}, basic("elastic", ""), 200, ""},
		{"basic empty password wrong", estest.Config{Username: "elastic"}, basic("elastic", "x"), 401,
			"unable to authenticate user [elastic] for REST request [/_cluster/health?level=cluster]"},
		{"basic wrong user", estest.Config{Username: "elastic", Password: "p"}, basic("kibana", "p"), 401,
			"unable to authenticate user [kibana] for REST request [/_cluster/health?level=cluster]"},
		{"missing", estest.Config{Username: "elastic", Password: "p"}, "", 401,
			"missing authentication credentials for REST request [/_cluster/health?level=cluster]"},
		{"api key ok", estest.Config{APIKey: "aWQ6a2V5"}, "ApiKey aWQ6a2V5", 200, ""},
		{"api key wrong", estest.Config{APIKey: "aWQ6a2V5"}, "ApiKey bm9wZQ==", 401,
			"unable to authenticate with provided credentials and anonymous access is not allowed for this request"},
		{"bearer ok", estest.Config{BearerToken: "tok"}, "Bearer tok", 200, ""},
		{"bearer wrong", estest.Config{BearerToken: "tok"}, "Bearer nope", 401,
			"unable to authenticate with provided credentials and anonymous access is not allowed for this request"},
		{"any configured credential", estest.Config{Username: "u", Password: "p", BearerToken: "tok"}, "Bearer tok", 200, ""},
		{"scheme not configured", estest.Config{BearerToken: "tok"}, basic("u", "p"), 401,
			"unable to authenticate with provided credentials and anonymous access is not allowed for this request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := estest.New(t, tt.cfg)
			hdr := http.Header{}
			if tt.authz != "" {
				hdr.Set("Authorization", tt.authz)
			}
			r := send(t, nil, "GET", c.URLs()[0]+"/_cluster/health?level=cluster", "", hdr)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.status != 401 {
				return
			}
			wantChallenges := []string{`Basic realm="security", charset="UTF-8"`, `Bearer realm="security"`, `ApiKey`}
			if got := r.header.Values("WWW-Authenticate"); !reflect.DeepEqual(got, wantChallenges) {
				t.Errorf("WWW-Authenticate = %q", got)
			}
			m := r.object(t)
			if get(m, "error.type") != "security_exception" || get(m, "error.reason") != tt.reason || m["status"] != 401.0 {
				t.Errorf("body %s", r.body)
			}
			rc := get(m, "error.root_cause").([]any)[0]
			if got := get(rc, "header.WWW-Authenticate"); len(got.([]any)) != 3 {
				t.Errorf("root_cause header = %v", got)
			}
		})
	}
}

func TestTLS(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 2, TLS: true})
	if c.URLs()[0][:8] != "https://" {
		t.Fatalf("URL %s", c.URLs()[0])
	}
	block, _ := pem.Decode(c.CACertPEM())
	if block == nil {
		t.Fatal("CACertPEM is not PEM")
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !ca.IsCA {
		t.Fatalf("CA: %v %v", err, ca)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(c.CACertPEM())

	tests := []struct {
		name    string
		cfg     *tls.Config
		url     string
		wantErr bool
	}{
		{"CA pool", &tls.Config{RootCAs: pool}, c.URLs()[1], false},
		{"TLSConfig", c.TLSConfig(), c.URLs()[0], false},
		{"localhost name", &tls.Config{RootCAs: pool}, "https://localhost:" + c.Node(0).URL()[len("https://127.0.0.1:"):], false},
		{"system roots", &tls.Config{}, c.URLs()[0], true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &http.Transport{TLSClientConfig: tt.cfg}
			defer tr.CloseIdleConnections()
			resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Get(tt.url + "/")
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				var unknown x509.UnknownAuthorityError
				if !errors.As(err, &unknown) {
					t.Errorf("err = %v, want an unknown authority error", err)
				}
				return
			}
			defer resp.Body.Close()
			chain := resp.TLS.PeerCertificates
			if len(chain) != 2 {
				t.Fatalf("chain of %d", len(chain))
			}
			leaf, root := sha256.Sum256(chain[0].Raw), sha256.Sum256(chain[1].Raw)
			if hex.EncodeToString(leaf[:]) != c.CertFingerprint() || hex.EncodeToString(root[:]) != c.CAFingerprint() {
				t.Errorf("fingerprints %x %x, want %s %s", leaf, root, c.CertFingerprint(), c.CAFingerprint())
			}
			if resp.ProtoMajor != 1 {
				t.Errorf("protocol %s", resp.Proto)
			}
		})
	}
	plain := estest.New(t, estest.Config{})
	if plain.CACertPEM() != nil || plain.CAFingerprint() != "" || plain.CertFingerprint() != "" || plain.TLSConfig() != nil {
		t.Error("TLS material without TLS")
	}
}

func TestOpenSearch(t *testing.T) {
	c := estest.New(t, estest.Config{Product: estest.OpenSearch, Username: "admin", Password: "admin"})
	auth := http.Header{"Authorization": {basic("admin", "admin")}}
	r := send(t, nil, "GET", c.URLs()[0]+"/", "", auth)
	if r.header.Get("X-Elastic-Product") != "" {
		t.Error("X-Elastic-Product sent as OpenSearch")
	}
	m := r.object(t)
	want := map[string]any{"version.distribution": "opensearch", "version.number": "2.19.0",
		"tagline": "The OpenSearch Project: https://opensearch.org/", "cluster_name": "opensearch"}
	for path, w := range want {
		if got := get(m, path); got != w {
			t.Errorf("%s = %v, want %v", path, got, w)
		}
	}
	if _, ok := get(m, "version").(map[string]any)["build_flavor"]; ok {
		t.Error("build_flavor present")
	}
	nodes := send(t, nil, "GET", c.URLs()[0]+"/_nodes/http", "", auth).object(t)
	roles := get(firstValue(t, nodes["nodes"]), "roles").([]any)
	if roles[0] != "cluster_manager" {
		t.Errorf("roles %v", roles)
	}
	r = send(t, nil, "GET", c.URLs()[0]+"/", "", nil)
	if r.status != 401 || string(r.body) != "Unauthorized" || r.header.Get("WWW-Authenticate") == "" {
		t.Errorf("401: %d %q %v", r.status, r.body, r.header)
	}
	r = send(t, nil, "POST", c.URLs()[0]+"/_search", "{}", http.Header{"Authorization": {basic("admin", "admin")},
		"Content-Type": {"application/vnd.elasticsearch+json; compatible-with=7"}})
	if r.status != 406 {
		t.Errorf("compatible-with body: %d %s", r.status, r.body)
	}
	// OpenSearch 1.x still says master and reports _type.
	old := estest.New(t, estest.Config{Product: estest.OpenSearch, Version: "1.3.0"})
	r = send(t, nil, "PUT", old.URLs()[0]+"/i/_doc/1", `{}`, nil)
	if get(r.object(t), "_type") != "_doc" {
		t.Errorf("1.x write: %s", r.body)
	}
}

func TestCompatibility(t *testing.T) {
	const (
		json8  = "application/vnd.elasticsearch+json;compatible-with=8"
		json7  = "application/vnd.elasticsearch+json; compatible-with=7"
		json9  = "application/vnd.elasticsearch+json; compatible-with=9"
		ndjson = "application/vnd.elasticsearch+x-ndjson; compatible-with=8"
	)
	// An 8.x server: the rule is the same for every major, one apart.
	c := estest.New(t, estest.Config{Version: "8.19.0"})
	tests := []struct {
		name, method, path, body string
		accept, ctype            string
		status                   int
		wantCT                   string
		cause                    string
	}{
		{"plain", "GET", "/", "", "", "", 200, "application/json", ""},
		{"accept 8", "GET", "/", "", json8, "", 200, json8, ""},
		{"accept 7", "GET", "/", "", json7, "", 200, "application/vnd.elasticsearch+json;compatible-with=7", ""},
		{"accept 9", "GET", "/", "", json9, "", 400, "application/json",
			"Accept version must be either version 8 or 7, but found 9. Accept=" + json9},
		{"accept 6", "GET", "/", "", "application/vnd.elasticsearch+json;compatible-with=6", "", 400, "application/json", ""},
		{"accept list", "GET", "/", "", json8 + ",text/plain", "", 200, json8, ""},
		{"both 8", "POST", "/_search", "{}", json8, json8, 200, json8, ""},
		{"bulk ndjson 8", "POST", "/_bulk", "{\"index\":{\"_index\":\"c\"}}\n{}\n", json8, ndjson, 200, json8, ""},
		{"content-type 9", "POST", "/_search", "{}", json8, json9, 400, "application/json",
			"Content-Type version must be either version 8 or 7, but found 9. Content-Type=" + json9},
		{"versions differ", "POST", "/_search", "{}", json8, json7, 400, "application/json", ""},
		{"only content-type versioned", "POST", "/_search", "{}", "application/json", json8, 400, "application/json",
			"A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version. Accept=application/json, Content-Type=" + json8},
		{"content-type ignored without body", "GET", "/", "", "", json9, 200, "application/json", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := http.Header{}
			if tt.accept != "" {
				hdr.Set("Accept", tt.accept)
			}
			if tt.ctype != "" {
				hdr.Set("Content-Type", tt.ctype)
			}
			r := send(t, nil, tt.method, c.URLs()[0]+tt.path, tt.body, hdr)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if got := r.header.Get("Content-Type"); got != tt.wantCT {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantCT)
			}
			if tt.status == 400 {
				m := r.object(t)
				if get(m, "error.type") != "media_type_header_exception" {
					t.Errorf("body %s", r.body)
				}
				if tt.cause != "" && get(m, "error.caused_by.reason") != tt.cause {
					t.Errorf("caused_by.reason = %v\nwant %s", get(m, "error.caused_by.reason"), tt.cause)
				}
			}
		})
	}
	// A 7.x server accepts 7 and 6 and writes JSON with a charset.
	old := estest.New(t, estest.Config{Version: "7.10.2"})
	r := send(t, nil, "GET", old.URLs()[0]+"/", "", http.Header{"Accept": {"application/vnd.elasticsearch+json;compatible-with=6"}})
	if r.status != 200 {
		t.Errorf("7.x with compatible-with=6: %d", r.status)
	}
	r = send(t, nil, "GET", old.URLs()[0]+"/", "", nil)
	if r.header.Get("Content-Type") != "application/json; charset=UTF-8" || r.header.Get("X-Elastic-Product") != "" {
		t.Errorf("7.10 headers %v", r.header)
	}
}

// The zero Config is the current major, so that go-elasticsearch v9, which
// sends compatible-with=9 on every request, works against it; 8 is still
// accepted.
func TestDefaultVersionIsCurrentMajor(t *testing.T) {
	c := estest.New(t, estest.Config{})
	for _, v := range []string{"9", "8"} {
		mt := "application/vnd.elasticsearch+json; compatible-with=" + v
		hdr := http.Header{"Accept": {mt}, "Content-Type": {mt}}
		r := send(t, nil, "PUT", c.URLs()[0]+"/compat/_doc/"+v, `{"a":1}`, hdr)
		if r.status != 201 || r.header.Get("Content-Type") != "application/vnd.elasticsearch+json;compatible-with="+v {
			t.Errorf("index with compatible-with=%s: %d %s %s", v, r.status, r.header.Get("Content-Type"), r.body)
		}
	}
	r := send(t, nil, "GET", c.URLs()[0]+"/", "", nil)
	if got := get(r.object(t), "version.number"); got != estest.DefaultVersion || estest.DefaultVersion[:2] != "9." {
		t.Errorf("version.number %v, DefaultVersion %s", got, estest.DefaultVersion)
	}
}
