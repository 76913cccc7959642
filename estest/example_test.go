package estest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/estest"
)

func ExampleStart() {
	c, err := estest.Start(estest.Config{Nodes: 3})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	resp, err := http.Get(c.URLs()[0] + "/_nodes/http")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var info struct {
		Nodes map[string]struct {
			HTTP struct {
				PublishAddress string `json:"publish_address"`
			} `json:"http"`
		} `json:"nodes"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Header.Get("X-Elastic-Product"), len(info.Nodes), "nodes")
	// Output: Elasticsearch 3 nodes
}

func ExampleNew() {
	// New is Start for tests: it fails the test when the cluster cannot
	// start and closes the cluster when the test ends.
	testSearch := func(t *testing.T) {
		c := estest.New(t, estest.Config{Nodes: 3})
		resp, err := http.Post(c.URLs()[0]+"/books/_doc", "application/json", strings.NewReader(`{"title":"Dune"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Errorf("status %d", resp.StatusCode)
		}
	}
	_ = testSearch
}

func ExampleNode_FailNext() {
	c, err := estest.Start(estest.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	c.Node(0).FailNext(1, estest.Failure{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"3"}}})
	for range 2 {
		resp, err := http.Get(c.URLs()[0] + "/")
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var e struct {
			Error struct{ Type string } `json:"error"`
		}
		_ = json.Unmarshal(body, &e)
		fmt.Println(resp.StatusCode, resp.Header.Get("Retry-After"), e.Error.Type)
	}
	// Output:
	// 429 3 es_rejected_execution_exception
	// 200
}

func ExampleNode_Kill() {
	c, err := estest.Start(estest.Config{Nodes: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	n := c.Node(1)
	n.Kill()
	_, err = http.Get(n.URL() + "/")
	fmt.Println("killed:", err != nil)
	if err := n.Revive(); err != nil {
		fmt.Println(err)
		return
	}
	resp, err := http.Get(n.URL() + "/")
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println("revived:", resp.StatusCode)
	// Output:
	// killed: true
	// revived: 200
}

func ExampleCluster_FailShards() {
	c, err := estest.Start(estest.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	for _, index := range []string{"logs-a", "logs-b"} {
		resp, err := http.Post(c.URLs()[0]+"/"+index+"/_doc", "application/json", strings.NewReader(`{"msg":"hi"}`))
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
	}

	c.FailShards("logs-b", estest.ShardFailure{Type: "node_not_connected_exception", Reason: "[node-1] Node not connected"})
	resp, err := http.Get(c.URLs()[0] + "/logs-*/_search")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var body struct {
		Shards struct {
			Total, Failed int
			Failures      []struct {
				Index  string
				Reason struct{ Type string }
			}
		} `json:"_shards"`
		Hits struct {
			Hits []json.RawMessage
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, body.Shards.Failed, "of", body.Shards.Total, "shards failed:",
		body.Shards.Failures[0].Index, body.Shards.Failures[0].Reason.Type, "-", len(body.Hits.Hits), "hit")
	// Output: 200 1 of 2 shards failed: logs-b node_not_connected_exception - 1 hit
}
