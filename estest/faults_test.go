package estest_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/estest"
)

func TestKillRevive(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 2})
	n := c.Node(1)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	// An idle keep-alive connection exists before the kill.
	send(t, client, "GET", n.URL()+"/", "", nil)

	n.Kill()
	if n.Alive() {
		t.Error("Alive after Kill")
	}
	refused := poll(100*time.Millisecond, func() bool {
		conn, err := net.DialTimeout("tcp", n.Addr(), 50*time.Millisecond)
		if err == nil {
			conn.Close()
			return false
		}
		return true
	})
	if !refused {
		t.Fatal("connections still accepted 100ms after Kill")
	}
	if _, err := trySend(client, "POST", n.URL()+"/_count", "{}", nil); err == nil {
		t.Error("request over the old connection succeeded after Kill")
	}
	m := send(t, nil, "GET", c.Node(0).URL()+"/_nodes/http", "", nil).object(t)
	if nodes := m["nodes"].(map[string]any); len(nodes) != 1 || nodes[n.ID()] != nil {
		t.Errorf("_nodes/http lists %d nodes, killed one included: %v", len(nodes), nodes[n.ID()] != nil)
	}
	n.Kill() // no-op

	if err := n.Revive(); err != nil {
		t.Fatal(err)
	}
	if err := n.Revive(); err != nil { // no-op
		t.Fatal(err)
	}
	if r := send(t, client, "GET", n.URL()+"/", "", nil); r.status != 200 {
		t.Errorf("after Revive: status %d", r.status)
	}
	m = send(t, nil, "GET", c.Node(0).URL()+"/_nodes/http", "", nil).object(t)
	if nodes := m["nodes"].(map[string]any); len(nodes) != 2 {
		t.Errorf("after Revive _nodes/http lists %d nodes", len(nodes))
	}
	c.Close()
	if err := n.Revive(); !errors.Is(err, estest.ErrClosed) {
		t.Errorf("Revive after Close = %v, want ErrClosed", err)
	}
}

func TestHang(t *testing.T) {
	tests := []struct {
		name    string
		release func(c *estest.Cluster, n *estest.Node)
		wantErr bool
	}{
		{"client gives up", nil, true}, // cancels once the request arrived
		{"unhang", func(c *estest.Cluster, n *estest.Node) { n.Unhang() }, false},
		{"kill", func(c *estest.Cluster, n *estest.Node) { n.Kill() }, true},
		{"close", func(c *estest.Cluster, n *estest.Node) { c.Close() }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := estest.New(t, estest.Config{})
			n := c.Node(0)
			n.Hang()
			ctx, giveUp := context.WithCancel(context.Background())
			defer giveUp()
			done := make(chan error, 1)
			go func() {
				tr := &http.Transport{}
				defer tr.CloseIdleConnections()
				done <- putWithContext(ctx, &http.Client{Transport: tr, Timeout: 10 * time.Second}, n.URL()+"/i/_doc/1", `{"a":1}`)
			}()
			if !poll(2*time.Second, func() bool { return n.InFlight() == 1 }) {
				t.Fatal("request never arrived")
			}
			if tt.release != nil {
				tt.release(c, n)
			} else {
				giveUp()
			}
			select {
			case err := <-done:
				if (err != nil) != tt.wantErr {
					t.Errorf("err = %v, wantErr %v", err, tt.wantErr)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("request not released")
			}
			if !poll(2*time.Second, func() bool { return n.InFlight() == 0 }) {
				t.Error("handler still running after release")
			}
			_, stored := c.Doc("i", "1")
			if stored == tt.wantErr {
				t.Errorf("stored = %v", stored)
			}
			if got := n.Requests(); len(got) != 1 {
				t.Errorf("%d requests logged", len(got))
			} else if wantStatus := map[bool]int{true: 0, false: 201}[tt.wantErr]; got[0].Status != wantStatus {
				t.Errorf("logged status %d, want %d", got[0].Status, wantStatus)
			}
		})
	}
}

// putWithContext PUTs body to url with ctx and reports an error unless the
// answer is 201 Created.
func putWithContext(ctx context.Context, client *http.Client, url, body string) error {
	req, err := http.NewRequestWithContext(ctx, "PUT", url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}
func TestLatency(t *testing.T) {
	c := estest.New(t, estest.Config{})
	n := c.Node(0)
	timed := func(path string) time.Duration {
		start := time.Now()
		send(t, nil, "GET", n.URL()+path, "", nil)
		return time.Since(start)
	}
	n.SetLatency(50 * time.Millisecond)
	if d := timed("/"); d < 50*time.Millisecond {
		t.Errorf("SetLatency(50ms): answered in %v", d)
	}
	n.SetLatency(0)
	n.SetLatencyFunc(func(r *http.Request) time.Duration {
		if strings.HasPrefix(r.URL.Path, "/_cluster") {
			return 60 * time.Millisecond
		}
		return 0
	})
	if d := timed("/_cluster/health"); d < 60*time.Millisecond {
		t.Errorf("latency func: answered in %v", d)
	}
	// A client that gives up ends the delay.
	n.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", n.URL()+"/", nil)
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Error("no error from a delayed request past its deadline")
	}
	if !poll(2*time.Second, func() bool { return n.InFlight() == 0 }) {
		t.Error("delayed handler still running")
	}
	n.Heal()
	if d := timed("/"); d > time.Second {
		t.Errorf("after Heal: %v", d)
	}
}

func TestFailNext(t *testing.T) {
	c := estest.New(t, estest.Config{})
	n := c.Node(0)
	n.FailNext(2, estest.Failure{Status: 429, Header: http.Header{"Retry-After": {"3600"}}})
	for i := range 2 {
		r := send(t, nil, "PUT", n.URL()+"/i/_doc/1", `{"a":1}`, nil)
		if r.status != 429 || r.header.Get("Retry-After") != "3600" || r.header.Get("X-Elastic-Product") != "Elasticsearch" {
			t.Fatalf("attempt %d: status %d, headers %v", i, r.status, r.header)
		}
		m := r.object(t)
		if get(m, "error.type") != "es_rejected_execution_exception" || m["status"] != 429.0 {
			t.Errorf("body %s", r.body)
		}
	}
	if c.DocCount("") != 0 {
		t.Error("a failed request was applied")
	}
	if r := send(t, nil, "PUT", n.URL()+"/i/_doc/1", `{"a":1}`, nil); r.status != 201 {
		t.Errorf("third request: %d", r.status)
	}

	tests := []struct {
		f        estest.Failure
		status   int
		typ      string
		reason   string
		noHeader bool
	}{
		{estest.Failure{}, 503, "cluster_block_exception", "", false},
		{estest.Failure{Status: 502}, 502, "exception", "", false},
		{estest.Failure{Status: 500, Type: "my_exception", Reason: "boom"}, 500, "my_exception", "boom", false},
	}
	for _, tt := range tests {
		n.FailNext(1, tt.f)
		m := send(t, nil, "GET", n.URL()+"/", "", nil)
		if m.status != tt.status {
			t.Errorf("%+v: status %d", tt.f, m.status)
		}
		obj := m.object(t)
		if get(obj, "error.type") != tt.typ || tt.reason != "" && get(obj, "error.reason") != tt.reason {
			t.Errorf("%+v: body %s", tt.f, m.body)
		}
	}

	// SetFailFunc decides per request.
	n.SetFailFunc(func(r *http.Request) *estest.Failure {
		if r.Method == "POST" {
			return &estest.Failure{Status: 503}
		}
		return nil
	})
	if r := send(t, nil, "POST", n.URL()+"/_search", "{}", nil); r.status != 503 {
		t.Errorf("POST with fail func: %d", r.status)
	}
	if r := send(t, nil, "GET", n.URL()+"/_search", "", nil); r.status != 200 {
		t.Errorf("GET with fail func: %d", r.status)
	}
}

func TestRejectBulkItems(t *testing.T) {
	c := estest.New(t, estest.Config{})
	n := c.Node(0)
	var seen []estest.BulkItem
	var mu sync.Mutex
	n.RejectBulkItems(func(it estest.BulkItem) bool {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, it)
		return it.ID == "2" || it.Action == "delete"
	})
	body := "{\"index\":{\"_index\":\"b\",\"_id\":\"1\"}}\n{\"a\":1}\n" +
		"{\"create\":{\"_index\":\"b\",\"_id\":\"2\"}}\n{\"a\":2}\n" +
		"{\"index\":{\"_index\":\"b\"}}\n{\"a\":3}\n" +
		"{\"delete\":{\"_index\":\"b\",\"_id\":\"1\"}}\n"
	r := send(t, nil, "POST", n.URL()+"/_bulk", body, nil)
	if r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	m := r.object(t)
	if m["errors"] != true {
		t.Error("errors = false")
	}
	items := m["items"].([]any)
	wantStatus := []float64{201, 429, 201, 429}
	for i, it := range items {
		for op, body := range it.(map[string]any) {
			if got := get(body, "status"); got != wantStatus[i] {
				t.Errorf("item %d %s: status %v, want %v", i, op, got, wantStatus[i])
			}
			if wantStatus[i] == 429 && get(body, "error.type") != "es_rejected_execution_exception" {
				t.Errorf("item %d error %v", i, get(body, "error"))
			}
		}
	}
	if _, ok := c.Doc("b", "2"); ok {
		t.Error("rejected item 2 stored")
	}
	if _, ok := c.Doc("b", "1"); !ok {
		t.Error("rejected delete applied")
	}
	if c.DocCount("b") != 2 {
		t.Errorf("DocCount = %d, want 2", c.DocCount("b"))
	}
	if len(seen) != 4 || seen[2].ID == "" || seen[2].Pos != 2 || seen[3].Action != "delete" || seen[0].Index != "b" {
		t.Errorf("decider saw %+v", seen)
	}
}

func TestReset(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(n *estest.Node)
		wantStore bool
	}{
		{"next before apply", func(n *estest.Node) { n.ResetNext(1, estest.ResetBeforeApply) }, false},
		{"next after apply", func(n *estest.Node) { n.ResetNext(1, estest.ResetAfterApply) }, true},
		{"func after apply", func(n *estest.Node) {
			n.SetResetFunc(func(r *http.Request) estest.ResetMode {
				if r.Method == "PUT" {
					return estest.ResetAfterApply
				}
				return estest.NoReset
			})
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := estest.New(t, estest.Config{TLS: strings.HasPrefix(tt.name, "func")})
			n := c.Node(0)
			tt.setup(n)
			tr := &http.Transport{TLSClientConfig: c.TLSConfig()}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
			_, err := trySend(client, "PUT", n.URL()+"/r/_doc/1", `{"a":1}`, nil)
			if err == nil {
				t.Fatal("no error from a reset connection")
			}
			if _, stored := c.Doc("r", "1"); stored != tt.wantStore {
				t.Errorf("stored = %v, want %v", stored, tt.wantStore)
			}
			// Only the chosen requests are reset.
			if r, err := trySend(client, "GET", n.URL()+"/", "", nil); err != nil || r.status != 200 {
				t.Errorf("next request: %v %v", r.status, err)
			}
			if got := n.Requests()[0].Status; got != 0 {
				t.Errorf("logged status of the reset request = %d, want 0", got)
			}
		})
	}
}

func TestMaxInFlight(t *testing.T) {
	c := estest.New(t, estest.Config{})
	n := c.Node(0)
	n.SetMaxInFlight(1)
	n.Hang()
	done := make(chan int, 1)
	go func() {
		r, _ := trySend(nil, "GET", n.URL()+"/", "", nil)
		done <- r.status
	}()
	if !poll(2*time.Second, func() bool { return n.InFlight() == 1 }) {
		t.Fatal("first request never arrived")
	}
	r := send(t, nil, "GET", n.URL()+"/", "", nil)
	if r.status != 429 || get(r.object(t), "error.type") != "es_rejected_execution_exception" {
		t.Errorf("over the cap: %d %s", r.status, r.body)
	}
	n.Unhang()
	if got := <-done; got != 200 {
		t.Errorf("hung request answered %d after Unhang", got)
	}
	n.SetMaxInFlight(0)
	if r := send(t, nil, "GET", n.URL()+"/", "", nil); r.status != 200 {
		t.Errorf("cap removed: %d", r.status)
	}
}

func TestRequestLog(t *testing.T) {
	c := estest.New(t, estest.Config{RequestLogSize: 3})
	n := c.Node(0)
	plain := `{"query":{"match_all":{}}}`
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	zw.Write([]byte(plain))
	zw.Close()
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

	send(t, nil, "POST", n.URL()+"/_search?size=1", plain, http.Header{"X-Opaque-Id": {"a"}})
	send(t, nil, "POST", n.URL()+"/_search", zipped.String(), http.Header{"Content-Encoding": {"gzip"}})
	got := n.Requests()
	if len(got) != 2 {
		t.Fatalf("%d requests", len(got))
	}
	tests := []struct {
		i                   int
		rawQuery, opaque    string
		bodySum, decodedSum string
		bodySize            int
	}{
		{0, "size=1", "a", sum([]byte(plain)), sum([]byte(plain)), len(plain)},
		{1, "", "", sum(zipped.Bytes()), sum([]byte(plain)), zipped.Len()},
	}
	for _, tt := range tests {
		r := got[tt.i]
		if r.Method != "POST" || r.Path != "/_search" || r.RawQuery != tt.rawQuery || r.Header.Get("X-Opaque-Id") != tt.opaque {
			t.Errorf("%d: %s %s ? %s %v", tt.i, r.Method, r.Path, r.RawQuery, r.Header)
		}
		if r.BodySHA256 != tt.bodySum || r.DecodedSHA256 != tt.decodedSum || r.BodySize != tt.bodySize {
			t.Errorf("%d: hashes %s %s size %d", tt.i, r.BodySHA256, r.DecodedSHA256, r.BodySize)
		}
		if string(r.Body) != plain || r.Status != 200 || r.Time.IsZero() {
			t.Errorf("%d: body %q status %d", tt.i, r.Body, r.Status)
		}
	}
	// The log is a copy, and bounded.
	got[0].Header.Set("X-Opaque-Id", "changed")
	if n.Requests()[0].Header.Get("X-Opaque-Id") != "a" {
		t.Error("Requests shares headers with the log")
	}
	for range 3 {
		send(t, nil, "GET", n.URL()+"/", "", nil)
	}
	if got := n.Requests(); len(got) != 3 || got[0].Method != "GET" {
		t.Errorf("bounded log holds %d, first %s", len(got), got[0].Method)
	}
	n.ClearRequests()
	if len(n.Requests()) != 0 {
		t.Error("ClearRequests left entries")
	}
	if len(c.Node(0).Requests()) != 0 {
		t.Error("log not per node")
	}
}
