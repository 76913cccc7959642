package discovery_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/discovery"
	"github.com/esrt-dev/esrt/rt"
)

// checkNodes checks what ParseNodes promises for any body: usable URLs that
// keep the seed's scheme, userinfo and prefix, and no dedicated master.
func checkNodes(t *testing.T, body []byte) {
	seed := mustNode(t, "https://u:p@seed:9200/pre")
	nodes, err := discovery.ParseNodes(body, seed)
	if err != nil {
		if nodes != nil {
			t.Fatalf("nodes %v with error %v", nodes, err)
		}
		return
	}
	seen := map[string]bool{}
	for _, n := range nodes {
		checkUsable(t, n)
		if n.URL.Scheme != "https" || n.URL.User.String() != "u:p" || n.URL.Path != "/pre" {
			t.Fatalf("node %q does not inherit the seed", n.URL)
		}
		if discovery.IsDedicatedMaster(n) {
			t.Fatalf("dedicated master %q kept", n.URL)
		}
		if seen[n.Key()] {
			t.Fatalf("duplicate key %q", n.Key())
		}
		seen[n.Key()] = true
	}
}

func FuzzParseNodes(f *testing.F) {
	for _, file := range fixtureFiles(f) {
		body, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
	}
	f.Add([]byte(`{"nodes":{}}`))
	f.Add([]byte(`{"nodes":{"a":{"roles":[],"attributes":{"x":[1]},"http":{"publish_address":"[fe80::1%25eth0]:9200"}}}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) { checkNodes(t, body) })
}

func FuzzPublishAddress(f *testing.F) {
	for _, v := range loadPublishVectors(f) {
		f.Add(v.PublishAddress)
	}
	for _, s := range []string{"[fe80::1%eth0]:9200", "a/[::1]:1", "::1/[::1]:1", "h/h/1.2.3.4:1", "[::1%25%25x]:1", "h:65535"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) { checkNodes(t, publishBody(addr)) })
}

func FuzzParseCloudID(f *testing.F) {
	var vectors []struct {
		CloudID string `json:"cloud_id"`
	}
	data, err := os.ReadFile("testdata/cloud_id_vectors.json")
	if err != nil || json.Unmarshal(data, &vectors) != nil || len(vectors) == 0 {
		f.Fatalf("cloud_id_vectors.json: %v", err)
	}
	for _, v := range vectors {
		f.Add(v.CloudID)
	}
	for _, id := range []string{
		"name:aG9zdDo5MjQzJGVzX3V1aWQka2liYW5hX3V1aWQ=",
		"cluster:dXMtZWFzdC0xLmF3cy5mb3VuZC5pbyQ0ZmE4ODIxZTc1NjM0MDMyYmVkMWNmMjIxMTBlMmY5NyQ=",
		"foobar:xxxxx", "foo:", ":", "", "cluster:ā",
		cloudID("c", "h:1$u:2$k:3"), cloudID("c", "h$u@x"), cloudID("c", "[::1]$u"),
	} {
		f.Add(id)
	}
	f.Fuzz(func(t *testing.T, id string) {
		n, err := discovery.ParseCloudID(id)
		if err != nil {
			if n != nil {
				t.Fatalf("node %v with error %v", n, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		checkUsable(t, n)
		if n.URL.Scheme != "https" || n.URL.User != nil || n.URL.Path != "" {
			t.Fatalf("Cloud ID %q gave %q", id, n.URL)
		}
	})
}

// FuzzCloudIDRoundTrip builds a Cloud ID from its parts and checks that
// ParseCloudID gives back the node they name, with any base64 flavour.
func FuzzCloudIDRoundTrip(f *testing.F) {
	f.Add("cluster", "us-east-1.aws.found.io", "4fa8821e75634032bed1cf22110e2f97", uint16(0), uint16(0), uint8(0))
	f.Add("my:name", "eastus2.azure.elastic-cloud.com", "abc", uint16(9243), uint16(0), uint8(1))
	f.Add("", "h", "u", uint16(443), uint16(9200), uint8(3))
	f.Fuzz(func(t *testing.T, name, host, esID string, hostPort, esPort uint16, enc uint8) {
		payload := host
		if hostPort != 0 {
			payload += fmt.Sprintf(":%d", hostPort)
		}
		payload += "$" + esID
		if esPort != 0 {
			payload += fmt.Sprintf(":%d", esPort)
		}
		payload += "$kibana"
		encodings := []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding}
		id := name + ":" + encodings[int(enc)%len(encodings)].EncodeToString([]byte(payload))
		n, err := discovery.ParseCloudID(id)
		valid := strings.TrimSpace(id) == id && validLabel(host) && validLabel(esID)
		if !valid {
			return // not a Cloud ID that its parts alone make valid
		}
		if err != nil {
			t.Fatalf("ParseCloudID(%q) (payload %q): %v", id, payload, err)
		}
		port := cmpOr(esPort, hostPort, 443)
		want := esID + "." + host
		if port != 443 {
			want = net.JoinHostPort(want, fmt.Sprint(port))
		}
		if n.URL.String() != "https://"+want {
			t.Fatalf("ParseCloudID(%q) (payload %q) = %q, want https://%s", id, payload, n.URL, want)
		}
	})
}

func cmpOr(ports ...uint16) uint16 {
	for _, p := range ports {
		if p != 0 {
			return p
		}
	}
	return 0
}

// validLabel reports whether s is a host name made of the characters a
// Cloud ID allows, with no ":" or "$" of its own.
func validLabel(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

// FuzzSeeds: configured addresses parse to the nodes rt.NewNode makes of
// them, two of the same key are refused, and no error shows a user name
// or password that an address carried.
func FuzzSeeds(f *testing.F) {
	for _, v := range loadPublishVectors(f) {
		f.Add("http://"+v.PublishAddress, "https://elastic:changeme@es2:9200/")
	}
	f.Add("http://u:p@es:9200/x/", "http://ES:9200/x")
	f.Add("https://elastic:hun/ter2@es:9243", "http://[::1]:9200")
	f.Add("elastic:s3cret@127.0.0.1:9200", "http://127.0.0.1:9200")
	f.Fuzz(func(t *testing.T, a, b string) {
		nodes, err := discovery.Seeds([]string{a, b})
		na, errA := rt.NewNode(a)
		nb, errB := rt.NewNode(b)
		switch {
		case errA != nil || errB != nil:
			var ce *rt.ConfigError
			if err == nil || !errors.As(err, &ce) {
				t.Fatalf("Seeds(%q, %q) = %v, %v; NewNode: %v, %v", a, b, nodes, err, errA, errB)
			}
			checkNoUserinfo(t, a, b, err)
			checkNoUserinfo(t, b, a, err)
		case na.Key() == nb.Key():
			if err == nil || !strings.Contains(err.Error(), "same node as Addresses[0]") {
				t.Fatalf("Seeds(%q, %q) = %v, %v, want a duplicate", a, b, nodes, err)
			}
			checkNoUserinfo(t, a, b, err)
			checkNoUserinfo(t, b, a, err)
		default:
			if err != nil || len(nodes) != 2 || nodes[0].URL.String() != na.URL.String() || nodes[1].URL.String() != nb.URL.String() {
				t.Fatalf("Seeds(%q, %q) = %v, %v", a, b, nodes, err)
			}
		}
	})
}

// checkNoUserinfo fails if err shows a user name or password of addr
// (what comes before its last "@"), when that is long enough to be told
// apart from the words of an error and is not also written elsewhere in
// addr or other.
func checkNoUserinfo(t *testing.T, addr, other string, err error) {
	t.Helper()
	user, public := userinfo(addr)
	_, otherPublic := userinfo(other)
	public = strings.ToLower(public + " " + otherPublic)
	for _, part := range strings.Split(user, ":") {
		if len(part) >= 6 && !strings.Contains(public, strings.ToLower(part)) &&
			strings.Contains(fmt.Sprintf("%v %+v", err, err), part) {
			t.Fatalf("error %q shows %q of %q", err, part, addr)
		}
	}
}

// userinfo splits addr into what comes before its last "@" (after the
// scheme) and the rest.
func userinfo(addr string) (user, public string) {
	scheme, rest, ok := strings.Cut(addr, "://")
	if !ok {
		scheme, rest = "", addr
	}
	at := strings.LastIndexByte(rest, '@')
	if at < 0 {
		return "", addr
	}
	return rest[:at], scheme + "://" + rest[at+1:]
}
