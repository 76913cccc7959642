package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/internal/version"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

func versionString() string { return version.Version }

// demo starts a three-node in-process cluster and talks to it through
// esrt's default transport, printing what happens: load spread over the
// nodes, a node killed and routed around, a 503 retried, the node back.
func demo(ctx context.Context, out io.Writer) error {
	cluster, err := estest.Start(estest.Config{Nodes: 3, ClusterName: "esrt-demo"})
	if err != nil {
		return err
	}
	defer cluster.Close()
	names := map[string]string{}
	for _, n := range cluster.Nodes() {
		names[n.URL()] = n.Name()
	}
	fmt.Fprintf(out, "started cluster esrt-demo: %s\n", strings.Join(cluster.URLs(), ", "))
	fmt.Fprintln(out, "esrt.New with the three addresses and a round-robin selector")

	var mu sync.Mutex
	var node1Up atomic.Bool
	say := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(out, format, args...)
	}
	hooks := &rt.Hooks{
		OnNodeDown: func(i rt.NodeInfo) {
			say("  node down: %s after %d failure(s), retried after %s\n", names[i.Node.String()], i.Failures, time.Until(i.RetryAt).Round(100*time.Millisecond))
		},
		OnNodeUp: func(i rt.NodeInfo) {
			say("  node up: %s\n", names[i.Node.String()])
			if names[i.Node.String()] == "node-1" {
				node1Up.Store(true)
			}
		},
		OnRetry: func(i rt.RetryInfo) {
			cause := fmt.Sprint(i.StatusCode)
			if i.Err != nil {
				cause = "a connection error"
			}
			say("  retry: attempt %d after %s\n", i.Attempt, cause)
		},
	}
	// Round-robin makes the spread easy to see; the default selector is
	// latency-aware and sends more to faster nodes.
	tr, err := esrt.New(esrt.Config{
		Addresses:       cluster.URLs(),
		Selector:        selector.RoundRobin(),
		Hooks:           hooks,
		DeadNodeTimeout: 300 * time.Millisecond,
		RetryBackoff:    func(int) time.Duration { return 10 * time.Millisecond },
	})
	if err != nil {
		return err
	}
	defer tr.Close()
	client := &http.Client{Transport: tr}

	call := func(method, path, contentType, body string, into any) (int, error) {
		req, err := http.NewRequestWithContext(ctx, method, "http://es"+path, strings.NewReader(body))
		if err != nil {
			return 0, err
		}
		if body != "" {
			req.Header.Set("Content-Type", contentType)
		}
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		if into != nil {
			return res.StatusCode, json.NewDecoder(res.Body).Decode(into)
		}
		_, err = io.Copy(io.Discard, res.Body)
		return res.StatusCode, err
	}
	served := func() string {
		var parts []string
		for _, n := range cluster.Nodes() {
			parts = append(parts, fmt.Sprintf("%s %d", n.Name(), len(n.Requests())))
			n.ClearRequests()
		}
		return strings.Join(parts, ", ")
	}

	bulk := `{"index":{"_index":"books","_id":"1"}}
{"title":"The Go Programming Language","year":2015}
{"index":{"_index":"books","_id":"2"}}
{"title":"Designing Data-Intensive Applications","year":2017}
{"index":{"_index":"books","_id":"3"}}
{"title":"Relevant Search","year":2016}
`
	var bulkRes struct {
		Errors bool  `json:"errors"`
		Items  []any `json:"items"`
	}
	if _, err := call("POST", "/_bulk", "application/x-ndjson", bulk, &bulkRes); err != nil {
		return err
	}
	fmt.Fprintf(out, "indexed %d books with _bulk (errors: %v)\n", len(bulkRes.Items), bulkRes.Errors)

	search := func() (int, []string, error) {
		var res struct {
			Hits struct {
				Hits []struct {
					Source struct {
						Title string `json:"title"`
					} `json:"_source"`
				} `json:"hits"`
			} `json:"hits"`
		}
		status, err := call("POST", "/books/_search", "application/json", `{"query":{"match":{"title":"data search"}},"sort":[{"year":"asc"}]}`, &res)
		var titles []string
		for _, h := range res.Hits.Hits {
			titles = append(titles, h.Source.Title)
		}
		return status, titles, err
	}
	run := func(n int) (failed int) {
		for range n {
			if status, _, err := search(); err != nil || status != 200 {
				failed++
			}
		}
		return failed
	}

	_, titles, err := search()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "search for \"data search\": %s\n", strings.Join(titles, "; "))
	served()

	failed := run(30)
	fmt.Fprintf(out, "30 searches, %d failed; served by: %s\n", failed, served())

	fmt.Fprintln(out, "killing node-1 (connections refused):")
	cluster.Node(1).Kill()
	failed = run(30)
	fmt.Fprintf(out, "30 searches, %d failed; served by: %s\n", failed, served())

	fmt.Fprintln(out, "node-0 answers its next request with 503:")
	cluster.Node(0).FailNext(1, estest.Failure{Status: 503})
	failed = run(10)
	fmt.Fprintf(out, "10 searches, %d failed; served by: %s\n", failed, served())

	fmt.Fprintln(out, "reviving node-1; once a node's dead timeout is over, one probe brings it back:")
	if err := cluster.Node(1).Revive(); err != nil {
		return err
	}
	allUp := func() bool {
		for _, s := range tr.Pool().Status() {
			if s.Dead {
				return false
			}
		}
		return node1Up.Load()
	}
	searches, failed := 0, 0
	for deadline := time.Now().Add(5 * time.Second); !allUp() && time.Now().Before(deadline); searches++ {
		failed += run(1)
		time.Sleep(20 * time.Millisecond)
	}
	if !allUp() {
		return fmt.Errorf("the nodes did not all come back within 5s")
	}
	fmt.Fprintf(out, "%d searches meanwhile, %d failed\n", searches, failed)
	served()
	failed = run(30)
	fmt.Fprintf(out, "30 searches, %d failed; served by: %s\n", failed, served())
	fmt.Fprintln(out, "done; the cluster shuts down with the demo")
	return nil
}
