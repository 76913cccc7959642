package discovery_test

import (
	"os"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/discovery"
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
