package discovery

import (
	"os"
	"slices"
	"testing"

	"github.com/esrt-dev/esrt/rt"
)

// opensearch-go parses all four nodes of its fixture and keeps the dedicated
// cluster managers out of routing; without the filter, so do we.
func TestParseNodesUnfiltered(t *testing.T) {
	body, err := os.ReadFile("testdata/nodes_http/opensearch-go_nodes.info.json")
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := parseNodes(body, nil, func(*rt.Node) bool { return true }, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range nodes {
		got = append(got, n.URL.String())
	}
	slices.Sort(got)
	want := []string{"http://127.0.0.1:10001", "http://127.0.0.1:10003", "http://[fc99:3528::a04:812c]:10004", "http://localhost:10002"}
	if !slices.Equal(got, want) {
		t.Errorf("URLs = %q, want %q", got, want)
	}
}

func TestPublishHostPort(t *testing.T) {
	tests := []struct {
		addr    string
		want    string
		wantErr bool
	}{
		{addr: "127.0.0.1:9200", want: "127.0.0.1:9200"},
		{addr: " 127.0.0.1:9200 ", want: "127.0.0.1:9200"},
		{addr: "localhost/127.0.0.1:9200", want: "localhost:9200"},
		{addr: "[::1]:9200", want: "[::1]:9200"},
		{addr: "ip6host/[2001:db8::1]:9200", want: "ip6host:9200"},
		{addr: "[fe80::1%eth0]:9200", want: "[fe80::1%eth0]:9200"},
		{addr: "[fe80::1%25eth0]:9200", want: "[fe80::1%eth0]:9200"},
		{addr: "/10.0.0.1:9200", want: "10.0.0.1:9200"},
		{addr: "::1/[::1]:9200", want: "[::1]:9200"},
		{addr: "", wantErr: true},
		{addr: "weirdhost", wantErr: true},
		{addr: "host/", wantErr: true},
		{addr: "/:", wantErr: true},
		{addr: ":", wantErr: true},
		{addr: ":9200", wantErr: true},
		{addr: "h:", wantErr: true},
		{addr: "h:http", wantErr: true},
		{addr: "h:-1", wantErr: true},
		{addr: "1.2.3.4%eth0/x", wantErr: true},
		{addr: "[1.2.3.4%eth0]:1", wantErr: true},
		{addr: "[fe80::1%]:1", wantErr: true},
		{addr: "[fe80::1%a/b]:1", wantErr: true},
		{addr: "a b:1", wantErr: true},
		{addr: "u@h:1", wantErr: true},
	}
	for _, tt := range tests {
		got, err := publishHostPort(tt.addr)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("publishHostPort(%q) = %q, %v; want %q, error %v", tt.addr, got, err, tt.want, tt.wantErr)
		}
	}
}
