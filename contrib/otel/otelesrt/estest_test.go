package otelesrt_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/contrib/otel/otelesrt"
	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

const password = "s3cret-pass"

// cloudHeaders answers as Elastic Cloud's proxy does, naming the cluster
// and the instance that handled the request.
func cloudHeaders(next http.RoundTripper) http.RoundTripper {
	return rtFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if err == nil {
			resp.Header.Set("X-Found-Handling-Cluster", "cloud-cluster")
			resp.Header.Set("X-Found-Handling-Instance", "instance-"+req.URL.Port())
		}
		return resp, err
	})
}

// instrumented returns an http.Client over an esrt transport to cluster,
// with the elastic user's password, instrumented by otelesrt.Instrument
// over hooks of the caller's own that count attempts.
func instrumented(t *testing.T, cluster *estest.Cluster, c otelesrt.Config, attempts *atomic.Int64) *http.Client {
	t.Helper()
	cfg := esrt.Config{
		Addresses:         cluster.URLs(),
		Username:          "elastic",
		Password:          password,
		RetryBackoff:      func(int) time.Duration { return 0 },
		Pool:              esrt.PoolConfig{Selector: selector.RoundRobin(), DeadTimeout: time.Minute, MaxDeadTimeout: time.Minute},
		AttemptMiddleware: []rt.Middleware{cloudHeaders},
		Hooks:             &rt.Hooks{OnAttemptStart: func(rt.AttemptInfo) { attempts.Add(1) }},
	}
	otelesrt.Instrument(&cfg, c)
	tr, err := esrt.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return &http.Client{Transport: tr}
}

// send makes a request through client and returns its status, or 0 and
// the error.
func send(t *testing.T, client *http.Client, method, path, body string) (int, error) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://es"+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Index, get, search with and without the query text, bulk, a 404, a
// failover and a failing request through esrt against a two-node cluster
// with security on: the call spans and their attributes, an attempt span
// under each (two for the failover), the trace context each node got, no
// credential anywhere, and db.client.operation.duration.
func TestEsrtCalls(t *testing.T) {
	cluster := estest.New(t, estest.Config{Nodes: 2, Username: "elastic", Password: password})
	tm := newTelemetry(t)
	var attempts atomic.Int64
	client := instrumented(t, cluster, tm.cfg, &attempts)
	capture := tm.cfg
	capture.CaptureQueryText = true
	capturing := instrumented(t, cluster, capture, &attempts)

	for _, r := range []struct {
		client             *http.Client
		method, path, body string
		status             int
	}{
		{client, "PUT", "/books/_doc/1", `{"title":"Dune"}`, 201},
		{client, "GET", "/books/_doc/1", "", 200},
		{client, "POST", "/books/_search", `{"query":{"match":{"title":"Dune"}}}`, 200},
		{capturing, "POST", "/books/_search", `{"query":{"match":{"title":"Dune"}}}`, 200},
		{client, "POST", "/_bulk", threeActions, 200},
		{client, "GET", "/missing/_doc/1", "", 404},
	} {
		if got, err := send(t, r.client, r.method, r.path, r.body); got != r.status {
			t.Fatalf("%s %s: %d %v, want %d", r.method, r.path, got, err, r.status)
		}
	}
	cluster.Node(1).Kill()
	for range 2 { // round robin: one of them goes to the dead node first
		if got, err := send(t, client, "GET", "/_cluster/health", ""); got != 200 {
			t.Fatalf("health with a node down: %d %v", got, err)
		}
	}
	cluster.Node(0).Kill()
	if _, err := send(t, client, "GET", "/_cluster/health", ""); err == nil {
		t.Fatal("no error with every node down")
	}

	calls := callSpans(tm)
	if got, want := names(calls), []string{"index books", "get books", "search books", "search books", "bulk",
		"get missing", "cluster.health", "cluster.health", "cluster.health"}; !slices.Equal(got, want) {
		t.Fatalf("call spans %q, want %q", got, want)
	}
	ports := []string{port(t, cluster.Node(0)), port(t, cluster.Node(1))}
	common := func(op, method, path string, status int) map[string]string {
		return map[string]string{"db.system.name": "elasticsearch", "db.operation.name": op, "http.request.method": method,
			"url.full": "http://127.0.0.1:{port}" + path, "server.address": "127.0.0.1", "server.port": "{port}",
			"db.namespace": "cloud-cluster", "elasticsearch.node.name": "instance-{port}",
			"db.response.status_code": strconv.Itoa(status)}
	}
	books := map[string]string{"db.collection.name": "books", "db.operation.parameter.index": "books"}
	wants := []map[string]string{
		merge(common("index", "PUT", "/books/_doc/1", 201), books, map[string]string{"db.operation.parameter.id": "1"}),
		merge(common("get", "GET", "/books/_doc/1", 200), books, map[string]string{"db.operation.parameter.id": "1"}),
		merge(common("search", "POST", "/books/_search", 200), books),
		merge(common("search", "POST", "/books/_search", 200), books, map[string]string{"db.query.text": `{"query":{"match":{"title":?}}}`}),
		merge(common("bulk", "POST", "/_bulk", 200), map[string]string{"db.operation.batch.size": "3"}),
		merge(common("get", "GET", "/missing/_doc/1", 404), map[string]string{"db.collection.name": "missing",
			"db.operation.parameter.index": "missing", "db.operation.parameter.id": "1", "error.type": "404"}),
	}
	for i, want := range wants {
		s := calls[i]
		checkCall(t, s, want, ports)
		attempts := tm.children(s)
		if len(attempts) != 1 || attempts[0].Name != wantMethod(want) || attrMap(attempts[0].Attributes)["esrt.attempt"] != "1" {
			t.Errorf("%s: attempt spans %v, want one", s.Name, names(attempts))
			continue
		}
		checkTraceparent(t, cluster, s, attempts[0])
	}
	if calls[5].Status.Code != codes.Error {
		t.Errorf("404: status %v, want Error", calls[5].Status)
	}

	checkFailover(t, tm, calls[6:8], ports)
	failed := attrMap(calls[8].Attributes)
	if failed["error.type"] != "connection_refused" || calls[8].Status.Code != codes.Error {
		t.Errorf("failed call: error.type %q, status %v", failed["error.type"], calls[8].Status)
	}
	if _, ok := failed["db.response.status_code"]; ok {
		t.Error("failed call: a status code without a response")
	}
	if got, want := attempts.Load(), int64(len(tm.spans())-len(calls)); got != want {
		t.Errorf("the caller's hooks saw %d attempts, otelesrt %d: Instrument must keep them", got, want)
	}
	checkNoCredential(t, tm.spans())
	checkDuration(t, tm.metric(t, "db.client.operation.duration"))
}

// callSpans returns the spans of calls: those without a parent.
func callSpans(tm *telemetry) tracetest.SpanStubs {
	var out tracetest.SpanStubs
	for _, s := range tm.spans() {
		if !s.Parent.IsValid() {
			out = append(out, s)
		}
	}
	return out
}

func port(t *testing.T, n *estest.Node) string {
	u, err := url.Parse(n.URL())
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func wantMethod(want map[string]string) string { return want["http.request.method"] }

// checkCall checks a call span's kind and attributes; {port} in want
// stands for the port of the node that answered, one of ports.
func checkCall(t *testing.T, s tracetest.SpanStub, want map[string]string, ports []string) {
	t.Helper()
	got := attrMap(s.Attributes)
	p := got["server.port"]
	if !slices.Contains(ports, p) {
		t.Errorf("%s: server.port %q is no node's", s.Name, p)
	}
	w := map[string]string{}
	for k, v := range want {
		w[k] = strings.ReplaceAll(v, "{port}", p)
	}
	if d := diffMaps(got, w); d != "" {
		t.Errorf("%s: %s", s.Name, d)
	}
	if s.SpanKind != trace.SpanKindClient {
		t.Errorf("%s: kind %v", s.Name, s.SpanKind)
	}
}

// checkTraceparent checks that the node that got the attempt got it with
// the attempt span as its parent.
func checkTraceparent(t *testing.T, cluster *estest.Cluster, call, attempt tracetest.SpanStub) {
	t.Helper()
	want := "00-" + attempt.SpanContext.TraceID().String() + "-" + attempt.SpanContext.SpanID().String() + "-01"
	for _, n := range cluster.Nodes() {
		for _, r := range n.Requests() {
			if r.Header.Get("Traceparent") == want {
				return
			}
		}
	}
	t.Errorf("%s: no node got traceparent %s", call.Name, want)
}

// checkFailover checks that one of the calls went to the dead node first
// and then to the live one, as two attempt spans under the call span.
func checkFailover(t *testing.T, tm *telemetry, calls tracetest.SpanStubs, ports []string) {
	t.Helper()
	var failover tracetest.SpanStub
	for _, c := range calls {
		if len(tm.children(c)) == 2 {
			failover = c
		}
	}
	attempts := tm.children(failover)
	if len(attempts) != 2 {
		t.Fatalf("no call with two attempts: %d and %d", len(tm.children(calls[0])), len(tm.children(calls[1])))
	}
	first, second := attrMap(attempts[0].Attributes), attrMap(attempts[1].Attributes)
	if first["server.port"] != ports[1] || first["error.type"] != "connection_refused" || first["esrt.attempt.outcome"] != "failure" ||
		attempts[0].Status.Code != codes.Error {
		t.Errorf("first attempt: %v %v, want refused by the dead node", first, attempts[0].Status)
	}
	if second["server.port"] != ports[0] || second["esrt.attempt"] != "2" || second["esrt.retry.reason"] != "connection_refused" ||
		second["http.response.status_code"] != "200" || second["esrt.attempt.outcome"] != "success" {
		t.Errorf("second attempt: %v, want the live node's answer", second)
	}
	call := attrMap(failover.Attributes)
	if call["server.port"] != ports[0] || call["db.response.status_code"] != "200" || call["error.type"] != "" || failover.Status.Code != codes.Unset {
		t.Errorf("failover call: %v %v, want the live node's success", call, failover.Status)
	}
}

// checkNoCredential fails t if a password, the encoded basic credentials
// or an Authorization value appear anywhere in spans.
func checkNoCredential(t *testing.T, spans tracetest.SpanStubs) {
	t.Helper()
	basic := base64.StdEncoding.EncodeToString([]byte("elastic:" + password))
	for _, s := range spans {
		texts := []string{s.Name, s.Status.Description}
		texts = append(texts, values(attrMap(s.Attributes))...)
		for _, e := range s.Events {
			texts = append(texts, values(attrMap(e.Attributes))...)
		}
		for _, text := range texts {
			if strings.Contains(text, password) || strings.Contains(text, basic) || strings.Contains(text, "Basic ") || strings.Contains(text, "elastic:") {
				t.Errorf("%s: a credential in %q", s.Name, text)
			}
		}
	}
}

// checkDuration checks db.client.operation.duration: seconds, the
// conventions' buckets, a point per operation and outcome, and the status
// code only on failures.
func checkDuration(t *testing.T, m metricdata.Metrics) {
	t.Helper()
	h, ok := m.Data.(metricdata.Histogram[float64])
	if !ok || m.Unit != "s" {
		t.Fatalf("%T in %q, want a float64 histogram in s", m.Data, m.Unit)
	}
	counts := map[string]uint64{}
	var failures []map[string]string
	for _, dp := range h.DataPoints {
		if !slices.Equal(dp.Bounds, []float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10}) {
			t.Errorf("bounds %v", dp.Bounds)
		}
		a := setMap(dp.Attributes)
		counts[a["db.operation.name"]] += dp.Count
		if a["db.system.name"] != "elasticsearch" || a["server.address"] != "127.0.0.1" {
			t.Errorf("point %v: no db.system.name or server", a)
		}
		if _, ok := a["error.type"]; ok {
			failures = append(failures, a)
		} else if _, ok := a["db.response.status_code"]; ok {
			t.Errorf("point %v: a status code on a success", a)
		}
	}
	if want := map[string]uint64{"index": 1, "get": 2, "search": 2, "bulk": 1, "cluster.health": 3}; !maps(counts, want) {
		t.Errorf("counts %v, want %v", counts, want)
	}
	if len(failures) != 2 {
		t.Fatalf("failure points %v, want the 404 and the failed health", failures)
	}
	for _, f := range failures {
		switch f["db.operation.name"] {
		case "get":
			delete(f, "server.port")
			if d := diffMaps(f, map[string]string{"db.system.name": "elasticsearch", "db.operation.name": "get",
				"db.collection.name": "missing", "db.namespace": "cloud-cluster", "server.address": "127.0.0.1",
				"error.type": "404", "db.response.status_code": "404"}); d != "" {
				t.Errorf("404 point: %s", d)
			}
		case "cluster.health":
			if f["error.type"] != "connection_refused" || f["db.response.status_code"] != "" {
				t.Errorf("failed health point: %v", f)
			}
		default:
			t.Errorf("failure point %v", f)
		}
	}
}

func maps(a, b map[string]uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
