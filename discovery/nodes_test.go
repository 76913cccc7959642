package discovery_test

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/discovery"
	"github.com/esrt-dev/esrt/rt"
)

func mustNode(t testing.TB, raw string) *rt.Node {
	t.Helper()
	n, err := rt.NewNode(raw)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func urls(nodes []*rt.Node) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.URL.String()
	}
	return out
}

func ports(from, to int) []string {
	var out []string
	for p := from; p <= to; p++ {
		out = append(out, "http://127.0.0.1:"+strconv.Itoa(p))
	}
	return out
}

// fixtureWant is the URL set each body must give with the seed http://seed:9200,
// as stated by the source's own tests (fixtures/README.md), after dropping
// dedicated masters.
var fixtureWant = map[string][]string{
	// es3 is master-only.
	"elastic-transport-go_nodes.info.json":                {"http://127.0.0.1:10001", "http://localhost:10002"},
	"elastic-transport-go_nodes.info.ipv6.json":           {"http://[::1]:10001", "http://ip6host:10002"},
	"elasticsearch-py_CLUSTER_NODES.json":                 {"http://1.1.1.1:123"},
	"elasticsearch-py_CLUSTER_NODES_7x_PUBLISH_HOST.json": {"http://somehost.tld:123"},
	// SRZpKFZa is master-only.
	"elasticsearch-py_CLUSTER_NODES_MASTER_ONLY.json": {"http://somehost.tld:124"},
	// m1 and m3 are {master, ingest}: ingest makes them routable.
	"es-5.0.0_nodes_http.json":                                  ports(9200, 9207),
	"es-6.0.0_nodes_http.json":                                  ports(9200, 9207),
	"es-7.3.0_nodes_http.json":                                  ports(9200, 9207),
	"opensearch-1.0.0_nodes_http.json":                          ports(9200, 9207),
	"opensearch-2.0.0_nodes_http.json":                          ports(9200, 9207),
	"opensearch-repo_es7.10.2_nodes_http.json":                  ports(9200, 9207),
	"es6_nodes_publication_address_format.json":                 {"http://127.0.0.1:9200"},
	"es7_nodes_publication_address_format.json":                 {"http://elastic.test:9200"},
	"opensearch-repo_es7_nodes_publication_address_format.json": {"http://opensearch.test:9200"},
	// es3 and es4 are dedicated cluster managers (opensearch-go parses them
	// but does not route to them; see TestParseNodesUnfiltered).
	"opensearch-go_nodes.info.json": {"http://127.0.0.1:10001", "http://localhost:10002"},
	// Docker answers: the container's own address, useless from outside.
	"real_captures/es-5.6.2_docker_single_node.json":           {"http://172.19.0.2:9200"},
	"real_captures/es-6.3.1-oss_docker_in_container.json":      {"http://172.18.0.2:9200"},
	"real_captures/es-6.3.1-oss_docker_publish_localhost.json": {"http://127.0.0.1:9200"},
	"real_captures/es-8.0.0_docker_single_node.json":           {"http://172.19.0.2:9200"},
}

func fixtureFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"testdata/nodes_http/*.json", "testdata/nodes_http/real_captures/*.json"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	return files
}

func TestParseNodesFixtures(t *testing.T) {
	seed := mustNode(t, "http://seed:9200")
	files := fixtureFiles(t)
	if got, want := len(files), len(fixtureWant); got != want {
		t.Errorf("%d fixture files, %d expectations: every body needs an expected set", got, want)
	}
	for _, file := range files {
		name := strings.TrimPrefix(filepath.ToSlash(file), "testdata/nodes_http/")
		t.Run(name, func(t *testing.T) {
			want, ok := fixtureWant[name]
			if !ok {
				t.Fatalf("no expected URL set for %s", name)
			}
			body, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			nodes, err := discovery.ParseNodes(body, seed)
			if err != nil {
				t.Fatal(err)
			}
			got := urls(nodes)
			slices.Sort(got)
			want = slices.Sorted(slices.Values(want))
			if !slices.Equal(got, want) {
				t.Errorf("URLs = %q, want %q", got, want)
			}
			for _, n := range nodes {
				if discovery.IsDedicatedMaster(n) {
					t.Errorf("%s (%s) is a dedicated master: %q", n.Name, n.ID, n.Roles)
				}
				if n.ID == "" || n.Name == "" {
					t.Errorf("node %s: empty ID %q or Name %q", n.URL, n.ID, n.Name)
				}
				if n.Roles == nil {
					t.Errorf("node %s: nil Roles, the body has roles", n.URL)
				}
			}
		})
	}
}

func TestParseNodesFields(t *testing.T) {
	body, err := os.ReadFile("testdata/nodes_http/es-7.3.0_nodes_http.json")
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := discovery.ParseNodes(body, mustNode(t, "http://seed:9200"))
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(nodes, func(n *rt.Node) bool { return n.Name == "d1" })
	if i < 0 {
		t.Fatal("d1 missing")
	}
	d1 := nodes[i]
	if got, want := d1.ID, "tGP5sUecSd6BLTWk1NWF8Q"; got != want {
		t.Errorf("ID = %q, want %q", got, want)
	}
	if got, want := d1.URL.String(), "http://127.0.0.1:9203"; got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
	if got, want := d1.Roles, []string{"data", "ingest", "ml"}; !slices.Equal(got, want) {
		t.Errorf("Roles = %q, want %q", got, want)
	}
	wantAttrs := map[string]string{"dummy": "everyone_has_me", "number": "1", "array.0": "d", "array.1": "1"}
	if !maps.Equal(d1.Attributes, wantAttrs) {
		t.Errorf("Attributes = %v, want %v", d1.Attributes, wantAttrs)
	}
	// Sorted by key.
	if !slices.IsSortedFunc(nodes, func(a, b *rt.Node) int { return strings.Compare(a.Key(), b.Key()) }) {
		t.Errorf("not sorted by key: %q", urls(nodes))
	}
}

func TestParseNodesInheritsSeed(t *testing.T) {
	tests := []struct {
		name string
		seed string
		want []string
	}{
		{"nil seed", "", []string{"http://127.0.0.1:10001", "http://localhost:10002"}},
		{"https", "https://es.example.com:9243", []string{"https://127.0.0.1:10001", "https://localhost:10002"}},
		{"prefix and userinfo", "https://elastic:s3cret@proxy.example.com/es/", []string{
			"https://elastic:s3cret@127.0.0.1:10001/es", "https://elastic:s3cret@localhost:10002/es"}},
		{"escaped prefix", "http://proxy/a%2Fb", []string{"http://127.0.0.1:10001/a%2Fb", "http://localhost:10002/a%2Fb"}},
	}
	body, err := os.ReadFile("testdata/nodes_http/elastic-transport-go_nodes.info.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seed *rt.Node
			if tt.seed != "" {
				seed = mustNode(t, tt.seed)
			}
			nodes, err := discovery.ParseNodes(body, seed)
			if err != nil {
				t.Fatal(err)
			}
			if got := urls(nodes); !slices.Equal(got, tt.want) {
				t.Errorf("URLs = %q, want %q", got, tt.want)
			}
			if seed != nil {
				for _, n := range nodes {
					if n.URL == seed.URL {
						t.Error("node shares the seed's *url.URL")
					}
				}
			}
		})
	}
}

func TestParseNodesShapes(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    []string
		wantErr bool
	}{
		{name: "empty nodes", body: `{"nodes":{}}`, want: []string{}},
		{name: "nodes_all shape with _nodes header", body: `{"_nodes":{"total":1},"cluster_name":"c","nodes":{"a":{"name":"a","roles":["data"],"http":{"publish_address":"10.0.0.1:9200"}}}}`, want: []string{"http://10.0.0.1:9200"}},
		{name: "no http section", body: `{"nodes":{"a":{"roles":["data"]},"b":{"http":{"publish_address":"10.0.0.2:9200"}}}}`, want: []string{"http://10.0.0.2:9200"}},
		{name: "no publish_address (AWS)", body: `{"nodes":{"a":{"http":{}},"b":{"http":{"publish_address":""}}}}`, want: []string{}},
		{name: "no roles: kept", body: `{"nodes":{"a":{"http":{"publish_address":"10.0.0.1:9200"}}}}`, want: []string{"http://10.0.0.1:9200"}},
		{name: "coordinating only: kept", body: `{"nodes":{"a":{"roles":[],"http":{"publish_address":"10.0.0.1:9200"}}}}`, want: []string{"http://10.0.0.1:9200"}},
		{name: "voting_only master skipped", body: `{"nodes":{"a":{"roles":["master","voting_only"],"http":{"publish_address":"10.0.0.1:9200"}},"b":{"roles":["data_hot"],"http":{"publish_address":"10.0.0.2:9200"}}}}`, want: []string{"http://10.0.0.2:9200"}},
		{name: "cluster_manager only skipped", body: `{"nodes":{"a":{"roles":["cluster_manager"],"http":{"publish_address":"10.0.0.1:9200"}}}}`, want: []string{}},
		{name: "all masters: empty", body: `{"nodes":{"a":{"roles":["master"],"http":{"publish_address":"10.0.0.1:9200"}},"b":{"roles":["master","ml"],"http":{"publish_address":"10.0.0.2:9200"}}}}`, want: []string{}},
		{name: "bad entries skipped", body: `{"nodes":{"a":5,"b":{"roles":"data","http":{"publish_address":"10.0.0.1:9200"}},"c":{"http":{"publish_address":"nonsense"}},"d":{"http":{"publish_address":"10.0.0.4:9200"}}}}`, want: []string{"http://10.0.0.4:9200"}},
		{name: "bad host skipped", body: `{"nodes":{"a":{"http":{"publish_address":"evil.com@x/1.2.3.4:9200"}},"b":{"http":{"publish_address":"h#x/1.2.3.4:9200"}},"c":{"http":{"publish_address":"1.2.3.4:0"}},"d":{"http":{"publish_address":"1.2.3.4:99999"}}}}`, want: []string{}},
		{name: "duplicate address collapsed", body: `{"nodes":{"b":{"http":{"publish_address":"10.0.0.1:9200"}},"a":{"http":{"publish_address":"10.0.0.1:9200"}}}}`, want: []string{"http://10.0.0.1:9200"}},
		{name: "zone id", body: `{"nodes":{"a":{"http":{"publish_address":"[fe80::1%eth0]:9200"}}}}`, want: []string{"http://[fe80::1%25eth0]:9200"}},
		{name: "not JSON", body: `<html>`, wantErr: true},
		{name: "no nodes object", body: `{"error":"x"}`, wantErr: true},
		{name: "nodes null", body: `{"nodes":null}`, wantErr: true},
		{name: "nodes not an object", body: `{"nodes":[]}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nodes, err := discovery.ParseNodes([]byte(tt.body), nil)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if got := urls(nodes); !slices.Equal(got, tt.want) {
				t.Errorf("URLs = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseNodesDuplicateKeepsSmallestID(t *testing.T) {
	body := `{"nodes":{"b":{"name":"nb","http":{"publish_address":"10.0.0.1:9200"}},"a":{"name":"na","http":{"publish_address":"10.0.0.1:9200"}}}}`
	nodes, err := discovery.ParseNodes([]byte(body), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 1 || nodes[0].ID != "a" {
		t.Fatalf("nodes = %v, want only id a", nodes)
	}
}

func TestParseNodesAttributes(t *testing.T) {
	body := `{"nodes":{"a":{"attributes":{"zone":"z1","n":5,"obj":{"x": true}},"http":{"publish_address":"10.0.0.1:9200"}}}}`
	nodes, err := discovery.ParseNodes([]byte(body), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"zone": "z1", "n": "5", "obj": `{"x":true}`}
	if got := nodes[0].Attributes; !maps.Equal(got, want) {
		t.Errorf("Attributes = %v, want %v", got, want)
	}
}

func TestIsDedicatedMaster(t *testing.T) {
	tests := []struct {
		roles []string
		want  bool
	}{
		{nil, false},
		{[]string{}, false},
		{[]string{"master"}, true},
		{[]string{"cluster_manager"}, true},
		{[]string{"master", "voting_only"}, true},
		{[]string{"master", "ml"}, true},
		{[]string{"master", "remote_cluster_client", "transform"}, true},
		{[]string{"master", "data"}, false},
		{[]string{"master", "data_hot"}, false},
		{[]string{"master", "data_content"}, false},
		{[]string{"master", "ingest"}, false},
		{[]string{"cluster_manager", "ingest"}, false},
		{[]string{"cluster_manager", "search"}, false},
		{[]string{"cluster_manager", "warm"}, false},
		{[]string{"data"}, false},
		{[]string{"ingest"}, false},
		{[]string{"ml"}, false},
		{[]string{"voting_only"}, false},
	}
	for _, tt := range tests {
		if got := discovery.IsDedicatedMaster(&rt.Node{Roles: tt.roles}); got != tt.want {
			t.Errorf("IsDedicatedMaster(%q) = %v, want %v", tt.roles, got, tt.want)
		}
	}
}

// publishVector is one entry of testdata/publish_address_parse_vectors.json.
type publishVector struct {
	Source         string         `json:"source"`
	Test           string         `json:"test"`
	PublishAddress string         `json:"publish_address"`
	Scheme         string         `json:"scheme"`
	Expected       map[string]any `json:"expected"`
}

func loadPublishVectors(t testing.TB) []publishVector {
	t.Helper()
	data, err := os.ReadFile("testdata/publish_address_parse_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []publishVector
	if err := json.Unmarshal(data, &vs); err != nil {
		t.Fatal(err)
	}
	return vs
}

// publishBody returns a nodes info body with one node publishing addr.
func publishBody(addr string) []byte {
	b, err := json.Marshal(map[string]any{"nodes": map[string]any{
		"n1": map[string]any{"name": "n1", "http": map[string]any{"publish_address": addr}},
	}})
	if err != nil {
		panic(err)
	}
	return b
}

func TestPublishAddressVectors(t *testing.T) {
	vs := loadPublishVectors(t)
	if len(vs) != 33 {
		t.Errorf("%d vectors, want 33", len(vs))
	}
	for i, v := range vs {
		t.Run(strconv.Itoa(i)+"_"+v.PublishAddress, func(t *testing.T) {
			scheme := strings.TrimSuffix(v.Scheme, ":")
			seed := mustNode(t, scheme+"://seed.invalid:1")
			body := publishBody(v.PublishAddress)
			if v.PublishAddress == "<node has no http object>" {
				body = []byte(`{"nodes":{"a1":{"http":{"publish_address":"127.0.0.1:9200"}},"a2":{"roles":["data"]}}}`)
			}
			nodes, err := discovery.ParseNodes(body, seed)
			if err != nil {
				t.Fatal(err)
			}
			if v.Expected["skipped"] == true {
				if got := urls(nodes); !slices.Equal(got, []string{"http://127.0.0.1:9200"}) {
					t.Errorf("URLs = %q, want only a1", got)
				}
				return
			}
			if v.Expected["must_not_panic"] == true {
				// Property vectors: no panic, and whatever comes out is a
				// usable node address.
				for _, n := range nodes {
					checkUsable(t, n)
				}
				return
			}
			if len(nodes) != 1 {
				t.Fatalf("got %d nodes, want 1", len(nodes))
			}
			u := nodes[0].URL
			host := strings.TrimPrefix(u.String(), u.Scheme+"://")
			checked := 0
			check := func(what string, got, want any) {
				t.Helper()
				checked++
				if got != want {
					t.Errorf("%s = %v, want %v", what, got, want)
				}
			}
			for k, want := range v.Expected {
				switch k {
				case "url":
					check(k, u.String(), want)
				case "url.Host", "url.host":
					// The escaped form, as in a URL: a zone is "%25eth0".
					check(k, host, want)
				case "url.Scheme", "scheme":
					check(k, u.Scheme, want)
				case "url.protocol":
					check(k, u.Scheme+":", want)
				case "hostName":
					check(k, u.Hostname(), want)
				case "port":
					check(k, u.Port(), strconv.Itoa(int(want.(float64))))
				case "NodeConfig":
					nc := want.([]any)
					check("NodeConfig.scheme", u.Scheme, nc[0])
					check("NodeConfig.host", u.Hostname(), nc[1])
					check("NodeConfig.port", u.Port(), strconv.Itoa(int(nc[2].(float64))))
				default:
					t.Fatalf("unknown expectation %q", k)
				}
			}
			if checked == 0 {
				t.Fatal("vector checked nothing")
			}
			checkUsable(t, nodes[0])
		})
	}
}

// checkUsable fails unless n's URL parses back through rt.NewNode into the
// same node.
func checkUsable(t testing.TB, n *rt.Node) {
	t.Helper()
	back, err := rt.NewNode(n.URL.String())
	if err != nil {
		t.Fatalf("node URL %q does not parse: %v", n.URL, err)
	}
	if back.Key() != n.Key() {
		t.Fatalf("node URL %q: key %q, parsed back %q", n.URL, n.Key(), back.Key())
	}
	if back.URL.String() != n.URL.String() {
		t.Fatalf("node URL %q parses back as %q", n.URL, back.URL)
	}
}

func BenchmarkParseNodes(b *testing.B) {
	body, err := os.ReadFile("testdata/nodes_http/es-7.3.0_nodes_http.json")
	if err != nil {
		b.Fatal(err)
	}
	seed := mustNode(b, "https://u:p@seed:9200/pre")
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := discovery.ParseNodes(body, seed); err != nil {
			b.Fatal(err)
		}
	}
}
