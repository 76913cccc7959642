package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
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
// Each phase reports what the application saw (searches that succeeded or
// failed) apart from the attempts esrt sent to each node and how each
// ended: a search retried after a 503 is one success for the application
// and two attempts, one of them a 503.
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
	attempts := newTally(cluster.Nodes())
	say := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(out, format, args...)
	}
	hooks := &rt.Hooks{
		OnAttemptDone: func(i rt.AttemptDoneInfo) {
			outcome := "connection error"
			if i.Response != nil {
				outcome = strconv.Itoa(i.Response.StatusCode)
			}
			attempts.add(i.Node.String(), outcome)
		},
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
		Addresses:    cluster.URLs(),
		Pool:         esrt.PoolConfig{Selector: selector.RoundRobin(), DeadTimeout: 300 * time.Millisecond},
		Hooks:        hooks,
		RetryBackoff: func(int) time.Duration { return 10 * time.Millisecond },
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
	// phase runs n searches and reports them and the attempts they took.
	phase := func(n int) {
		failed := run(n)
		fmt.Fprintf(out, "%d searches: %d succeeded, %d failed\n  attempts: %s\n", n, n-failed, failed, attempts.take())
	}

	_, titles, err := search()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "search for \"data search\": %s\n", strings.Join(titles, "; "))
	attempts.take()

	phase(30)

	fmt.Fprintln(out, "killing node-1 (connections refused):")
	cluster.Node(1).Kill()
	phase(30)

	fmt.Fprintln(out, "node-0 answers its next request with 503:")
	cluster.Node(0).FailNext(1, estest.Failure{Status: 503})
	phase(10)

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
	fmt.Fprintf(out, "%d searches meanwhile: %d succeeded, %d failed\n  attempts: %s\n", searches, searches-failed, failed, attempts.take())
	phase(30)
	fmt.Fprintln(out, "done; the cluster shuts down with the demo")
	return nil
}

// tally counts the attempts sent to each node by outcome (a status code or
// "connection error"). It is safe for concurrent use.
type tally struct {
	mu     sync.Mutex
	nodes  []string // URLs, in cluster order
	names  map[string]string
	counts map[string]map[string]int // node URL → outcome → attempts
}

func newTally(nodes []*estest.Node) *tally {
	t := &tally{names: map[string]string{}, counts: map[string]map[string]int{}}
	for _, n := range nodes {
		t.nodes = append(t.nodes, n.URL())
		t.names[n.URL()] = n.Name()
	}
	return t
}

func (t *tally) add(node, outcome string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.counts[node] == nil {
		t.counts[node] = map[string]int{}
	}
	t.counts[node][outcome]++
}

// take returns the counts since the last take, such as
// "node-0 11 (200: 10, 503: 1), node-1 0, node-2 10 (200: 10)", and
// starts counting afresh.
func (t *tally) take() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	parts := make([]string, 0, len(t.nodes))
	for _, u := range t.nodes {
		byOutcome := t.counts[u]
		total := 0
		var detail []string
		for _, o := range slices.Sorted(maps.Keys(byOutcome)) {
			total += byOutcome[o]
			detail = append(detail, fmt.Sprintf("%s: %d", o, byOutcome[o]))
		}
		part := fmt.Sprintf("%s %d", t.names[u], total)
		if total > 0 {
			part += " (" + strings.Join(detail, ", ") + ")"
		}
		parts = append(parts, part)
	}
	t.counts = map[string]map[string]int{}
	return strings.Join(parts, ", ")
}
