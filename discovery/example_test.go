package discovery_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/esrt-dev/esrt/discovery"
	"github.com/esrt-dev/esrt/rt"
)

func ExampleParseCloudID() {
	// "name:" + base64("us-east-1.aws.found.io$4fa8...f97$4fa8...f96")
	n, err := discovery.ParseCloudID("cluster:dXMtZWFzdC0xLmF3cy5mb3VuZC5pbyQ0ZmE4ODIxZTc1NjM0MDMyYmVkMWNmMjIxMTBlMmY5NyQ0ZmE4ODIxZTc1NjM0MDMyYmVkMWNmMjIxMTBlMmY5Ng==")
	if err != nil {
		panic(err)
	}
	fmt.Println(n.URL)

	// A port in the host part: base64("host:9243$es_uuid$kibana_uuid").
	n, _ = discovery.ParseCloudID("name:aG9zdDo5MjQzJGVzX3V1aWQka2liYW5hX3V1aWQ=")
	fmt.Println(n.URL)

	_, err = discovery.ParseCloudID("foobar:xxxxx")
	fmt.Println(err)
	// Output:
	// https://4fa8821e75634032bed1cf22110e2f97.us-east-1.aws.found.io
	// https://es_uuid.host:9243
	// esrt: invalid configuration: CloudID: payload is not base64: illegal base64 data at input byte 4
}

func ExampleSeeds() {
	nodes, err := discovery.Seeds([]string{
		"http://localhost:9200/",
		"https://elastic:changeme@proxy.example.com/es/",
	})
	if err != nil {
		panic(err)
	}
	for _, n := range nodes {
		fmt.Println(n, n.Key())
	}

	_, err = discovery.Seeds([]string{"http://es1:9200", "https://elastic:changeme@es2:9200", "es3:9200"})
	fmt.Println(err)
	// Output:
	// http://localhost:9200 localhost:9200
	// https://elastic:xxxxx@proxy.example.com/es proxy.example.com:443/es
	// esrt: invalid configuration: Addresses[2]: node address: missing scheme: write http:// or https:// before the host, as in https://localhost:9200
}

func ExampleParseNodes() {
	body := []byte(`{
	  "_nodes": {"total": 3, "successful": 3, "failed": 0},
	  "cluster_name": "prod",
	  "nodes": {
	    "8g1UNpQNS06tlH1DUMBNhg": {"name": "es1", "roles": ["ingest", "master", "data", "ml"],
	      "attributes": {"zone": "a"}, "http": {"publish_address": "127.0.0.1:10001"}},
	    "8YR2EBk_QvWI4guQK292RA": {"name": "es2", "roles": ["ingest", "master", "data", "ml"],
	      "attributes": {"zone": "b"}, "http": {"publish_address": "localhost/127.0.0.1:10002"}},
	    "oSVIMafYQD-4kD0Lz6H4-g": {"name": "es3", "roles": ["master"],
	      "http": {"publish_address": "127.0.0.1:10003"}}
	  }
	}`)
	// Discovered nodes inherit the scheme, userinfo and path prefix of the
	// node that answered.
	seed, _ := rt.NewNode("https://elastic:changeme@proxy.example.com/es")
	nodes, err := discovery.ParseNodes(body, seed)
	if err != nil {
		panic(err)
	}
	for _, n := range nodes {
		fmt.Println(n, n.Name, n.Roles, n.Attributes["zone"])
	}
	// es3 is a dedicated master: skipped.

	// Output:
	// https://elastic:xxxxx@127.0.0.1:10001/es es1 [ingest master data ml] a
	// https://elastic:xxxxx@localhost:10002/es es2 [ingest master data ml] b
}

func ExampleNewSniffer() {
	// A stand-in for the base transport, answering GET /_nodes/http, and
	// HEAD /, which checks that new nodes answer before they are published.
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		fmt.Println(req.Method, req.URL)
		body := `{"nodes":{
		  "a":{"name":"a","roles":["data"],"http":{"publish_address":"10.0.0.1:9200"}},
		  "b":{"name":"b","roles":["data"],"http":{"publish_address":"10.0.0.2:9200"}}}}`
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
	})

	seeds, err := discovery.Seeds([]string{"http://localhost:9200"})
	if err != nil {
		panic(err)
	}
	s, err := discovery.NewSniffer(discovery.Config{
		Seeds:     seeds,
		Transport: base,
		Publish: func(nodes []*rt.Node) {
			// The root package hands the set to the selector's pool here.
			fmt.Println("publish", nodes)
		},
		Interval: 5 * time.Minute,
	})
	if err != nil {
		panic(err)
	}

	// Sniff on start: synchronous, bounded by a deadline. A failure is not
	// fatal: requests go to the seeds.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Sniff(ctx); err != nil {
		fmt.Println("sniff on start:", err)
	}

	// Periodic and on-failure sniffing run in Run, until its context ends:
	//
	//	go s.Run(ctx)
	//	... on a connection failure to node n: s.NodeFailed(n)

	// The two checks run at once, so their order varies.

	// Unordered output:
	// GET http://localhost:9200/_nodes/http
	// HEAD http://10.0.0.1:9200/
	// HEAD http://10.0.0.2:9200/
	// publish [http://10.0.0.1:9200 http://10.0.0.2:9200]
}

func ExampleIsDedicatedMaster() {
	for _, roles := range [][]string{
		{"master"},
		{"master", "voting_only"},
		{"cluster_manager"},
		{"master", "ingest"},
		{"master", "data_hot"},
		{},
	} {
		fmt.Println(roles, discovery.IsDedicatedMaster(&rt.Node{Roles: roles}))
	}
	// Output:
	// [master] true
	// [master voting_only] true
	// [cluster_manager] true
	// [master ingest] false
	// [master data_hot] false
	// [] false
}
