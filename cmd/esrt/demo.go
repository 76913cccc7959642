package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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
	fmt.Fprintf(out, "started cluster esrt-demo: %s\n", strings.Join(cluster.URLs(), ", "))
	fmt.Fprintln(out, "esrt.New with the three addresses and a round-robin selector")
	s := newSession(ctx, out, cluster)
	if err := s.connect(); err != nil {
		return err
	}
	defer s.tr.Close()
	if err := s.index(); err != nil {
		return err
	}
	if err := s.firstSearch(); err != nil {
		return err
	}
	if err := s.faults(); err != nil {
		return err
	}
	fmt.Fprintln(out, "done; the cluster shuts down with the demo")
	return nil
}

// session is one run of the demo: the cluster, the transport talking to
// it, and what its hooks saw.
type session struct {
	ctx      context.Context
	out      io.Writer
	cluster  *estest.Cluster
	names    map[string]string // node URL → node name
	attempts *tally
	mu       sync.Mutex  // serialises the hooks' output
	node1Up  atomic.Bool // node-1 came back
	tr       *esrt.Transport
	client   *http.Client
}

func newSession(ctx context.Context, out io.Writer, cluster *estest.Cluster) *session {
	s := &session{ctx: ctx, out: out, cluster: cluster, names: map[string]string{}, attempts: newTally(cluster.Nodes())}
	for _, n := range cluster.Nodes() {
		s.names[n.URL()] = n.Name()
	}
	return s
}

// say prints a hook's line; hooks run on the requests' goroutines.
func (s *session) say(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.out, format, args...)
}

// connect builds the transport over the cluster's three addresses.
func (s *session) connect() error {
	// Round-robin makes the spread easy to see; the default selector is
	// latency-aware and sends more to faster nodes.
	tr, err := esrt.New(esrt.Config{
		Addresses:    s.cluster.URLs(),
		Pool:         esrt.PoolConfig{Selector: selector.RoundRobin(), DeadTimeout: 300 * time.Millisecond},
		Hooks:        s.hooks(),
		RetryBackoff: func(int) time.Duration { return 10 * time.Millisecond },
	})
	if err != nil {
		return err
	}
	s.tr, s.client = tr, &http.Client{Transport: tr}
	return nil
}

// hooks count every attempt and print node and retry events.
func (s *session) hooks() *rt.Hooks {
	return &rt.Hooks{
		OnAttemptDone: func(i rt.AttemptDoneInfo) {
			outcome := "connection error"
			if i.Response != nil {
				outcome = strconv.Itoa(i.Response.StatusCode)
			}
			s.attempts.add(i.Node.String(), outcome)
		},
		OnNodeDown: func(i rt.NodeInfo) {
			s.say("  node down: %s after %d failure(s), retried after %s\n", s.names[i.Node.String()], i.Failures, time.Until(i.RetryAt).Round(100*time.Millisecond))
		},
		OnNodeUp: func(i rt.NodeInfo) {
			s.say("  node up: %s\n", s.names[i.Node.String()])
			if s.names[i.Node.String()] == "node-1" {
				s.node1Up.Store(true)
			}
		},
		OnRetry: func(i rt.RetryInfo) {
			cause := fmt.Sprint(i.StatusCode)
			if i.Err != nil {
				cause = "a connection error"
			}
			s.say("  retry: attempt %d after %s\n", i.Attempt, cause)
		},
	}
}

// call sends one request and decodes a JSON answer into into, or discards
// the body when into is nil. It returns the status.
func (s *session) call(method, path, contentType, body string, into any) (int, error) {
	req, err := http.NewRequestWithContext(s.ctx, method, "http://es"+path, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := s.client.Do(req)
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

const books = `{"index":{"_index":"books","_id":"1"}}
{"title":"The Go Programming Language","year":2015}
{"index":{"_index":"books","_id":"2"}}
{"title":"Designing Data-Intensive Applications","year":2017}
{"index":{"_index":"books","_id":"3"}}
{"title":"Relevant Search","year":2016}
`

// index loads the books with one _bulk request.
func (s *session) index() error {
	var res struct {
		Errors bool  `json:"errors"`
		Items  []any `json:"items"`
	}
	if _, err := s.call("POST", "/_bulk", "application/x-ndjson", books, &res); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "indexed %d books with _bulk (errors: %v)\n", len(res.Items), res.Errors)
	return nil
}

// search runs the demo's search and returns the titles it found.
func (s *session) search() (int, []string, error) {
	var res struct {
		Hits struct {
			Hits []struct {
				Source struct {
					Title string `json:"title"`
				} `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	status, err := s.call("POST", "/books/_search", "application/json", `{"query":{"match":{"title":"data search"}},"sort":[{"year":"asc"}]}`, &res)
	var titles []string
	for _, h := range res.Hits.Hits {
		titles = append(titles, h.Source.Title)
	}
	return status, titles, err
}

// firstSearch prints the search's titles; its attempts are not counted.
func (s *session) firstSearch() error {
	_, titles, err := s.search()
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "search for \"data search\": %s\n", strings.Join(titles, "; "))
	s.attempts.take()
	return nil
}

// run runs n searches and returns how many failed.
func (s *session) run(n int) (failed int) {
	for range n {
		if status, _, err := s.search(); err != nil || status != 200 {
			failed++
		}
	}
	return failed
}

// phase runs n searches and reports them and the attempts they took.
func (s *session) phase(n int) {
	failed := s.run(n)
	fmt.Fprintf(s.out, "%d searches: %d succeeded, %d failed\n  attempts: %s\n", n, n-failed, failed, s.attempts.take())
}

// faults runs the phases: the spread, a node killed, a 503, the node
// revived, and the spread again.
func (s *session) faults() error {
	s.phase(30)

	fmt.Fprintln(s.out, "killing node-1 (connections refused):")
	s.cluster.Node(1).Kill()
	s.phase(30)

	fmt.Fprintln(s.out, "node-0 answers its next request with 503:")
	s.cluster.Node(0).FailNext(1, estest.Failure{Status: 503})
	s.phase(10)

	fmt.Fprintln(s.out, "reviving node-1; once a node's dead timeout is over, one probe brings it back:")
	if err := s.cluster.Node(1).Revive(); err != nil {
		return err
	}
	if err := s.awaitRecovery(); err != nil {
		return err
	}
	s.phase(30)
	return nil
}

// awaitRecovery searches every 20 ms until every node is back, for at
// most 5 s, and reports the searches it ran.
func (s *session) awaitRecovery() error {
	searches, failed := 0, 0
	for deadline := time.Now().Add(5 * time.Second); !s.allUp() && time.Now().Before(deadline); searches++ {
		failed += s.run(1)
		time.Sleep(20 * time.Millisecond)
	}
	if !s.allUp() {
		return fmt.Errorf("the nodes did not all come back within 5s")
	}
	fmt.Fprintf(s.out, "%d searches meanwhile: %d succeeded, %d failed\n  attempts: %s\n", searches, searches-failed, failed, s.attempts.take())
	return nil
}

// allUp reports whether no node of the pool is dead and node-1 came back.
func (s *session) allUp() bool {
	for _, st := range s.tr.Pool().Status() {
		if st.Dead {
			return false
		}
	}
	return s.node1Up.Load()
}
