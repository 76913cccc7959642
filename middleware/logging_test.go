package middleware

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/rt/rttest"
	"github.com/esrt-dev/esrt/selector"
)

// loggingRecord is one record a loggingRecorder got, with its attributes
// rendered as strings.
type loggingRecord struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

// loggingRecorder is a slog.Handler that keeps every record at or above
// level.
type loggingRecorder struct {
	level slog.Level
	mu    sync.Mutex
	recs  []loggingRecord
}

func (h *loggingRecorder) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }
func (h *loggingRecorder) WithAttrs([]slog.Attr) slog.Handler           { return h }
func (h *loggingRecorder) WithGroup(string) slog.Handler                { return h }

func (h *loggingRecorder) Handle(_ context.Context, r slog.Record) error {
	rec := loggingRecord{level: r.Level, msg: r.Message, attrs: map[string]string{}}
	r.Attrs(func(a slog.Attr) bool {
		rec.attrs[a.Key] = a.Value.String()
		return true
	})
	h.mu.Lock()
	h.recs = append(h.recs, rec)
	h.mu.Unlock()
	return nil
}

// records returns the records with message msg.
func (h *loggingRecorder) records(msg string) []loggingRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []loggingRecord
	for _, r := range h.recs {
		if r.msg == msg {
			out = append(out, r)
		}
	}
	return out
}

// loggingClock returns a clock that moves 10 ms each time it is read.
func loggingClock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(10 * time.Millisecond)
		return t
	}
}

func loggingNoWait(int) time.Duration { return 0 }

// loggingStub answers with status and body, or fails with err; it reads
// and closes the request body and records it.
type loggingStub struct {
	status int
	body   string
	header http.Header
	err    error

	mu   sync.Mutex
	got  []byte
	reqs int
}

func (s *loggingStub) RoundTrip(req *http.Request) (*http.Response, error) {
	var b []byte
	if req.Body != nil {
		b, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	s.mu.Lock()
	s.got, s.reqs = b, s.reqs+1
	s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	h := s.header
	if h == nil {
		h = http.Header{}
	}
	return &http.Response{StatusCode: s.status, Header: h, Body: io.NopCloser(strings.NewReader(s.body)),
		ContentLength: int64(len(s.body)), Request: req}, nil
}

func TestLoggingRequestLine(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name      string
		stub      *loggingStub
		ctx       context.Context
		url       string
		wantLevel slog.Level
		want      map[string]string
	}{
		{"200", &loggingStub{status: 200, body: "{}"}, nil, "http://es.invalid:9200/idx/_search?size=1",
			slog.LevelInfo, map[string]string{"method": "POST", "url": "http://es.invalid:9200/idx/_search?size=1", "status": "200", "duration": "10ms", "attempts": "1"}},
		{"404 is no error", &loggingStub{status: 404, body: "{}"}, nil, "/idx/_doc/1",
			slog.LevelInfo, map[string]string{"url": "/idx/_doc/1", "status": "404"}},
		{"503 warns", &loggingStub{status: 503}, nil, "/_search",
			slog.LevelWarn, map[string]string{"status": "503", "error": ""}},
		{"userinfo redacted as in errors", &loggingStub{status: 200}, nil, "https://elastic:changeme@es.invalid/_search",
			slog.LevelInfo, map[string]string{"url": "https://xxxxx@es.invalid/_search"}},
		{"transport error", &loggingStub{err: errors.New("dial tcp 127.0.0.1:1: connect: connection refused")}, nil, "/_search",
			slog.LevelError, map[string]string{"error": "dial tcp 127.0.0.1:1: connect: connection refused", "status": ""}},
		{"caller gave up", &loggingStub{err: context.Canceled}, cancelled, "/_search",
			slog.LevelWarn, map[string]string{"error": "context canceled"}},
		{"opaque id", &loggingStub{status: 200}, rt.WithOpaqueID(context.Background(), "checkout-42"), "/_search",
			slog.LevelInfo, map[string]string{"opaque_id": "checkout-42"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &loggingRecorder{level: slog.LevelInfo}
			tr := Logging(LoggingConfig{Logger: slog.New(rec), Now: loggingClock()})(tt.stub)
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			req, _ := http.NewRequestWithContext(ctx, "POST", tt.url, strings.NewReader(`{"query":{"match_all":{}}}`))
			resp, err := tr.RoundTrip(req)
			if (err != nil) != (tt.stub.err != nil) {
				t.Fatalf("RoundTrip error = %v, want %v", err, tt.stub.err)
			}
			if resp != nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			recs := rec.records("esrt: request")
			if len(recs) != 1 {
				t.Fatalf("%d request records, want 1: %v", len(recs), rec.recs)
			}
			if recs[0].level != tt.wantLevel {
				t.Errorf("level %v, want %v", recs[0].level, tt.wantLevel)
			}
			for k, want := range tt.want {
				if got := recs[0].attrs[k]; got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if len(rec.records("esrt: curl")) != 0 {
				t.Error("a curl trace without Curl")
			}
		})
	}
}

// loggingCluster returns a chain of Logging, Retry and routing over the
// nodes of c, and its recorder.
func loggingCluster(t *testing.T, c *estest.Cluster, cfg LoggingConfig, level slog.Level) (http.RoundTripper, *loggingRecorder) {
	t.Helper()
	var seeds []*rt.Node
	for _, u := range c.URLs() {
		n, err := rt.NewNode(u)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, n)
	}
	pool, err := selector.NewPool(selector.PoolConfig{Seeds: seeds, Selector: selector.RoundRobin()})
	if err != nil {
		t.Fatal(err)
	}
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	rec := &loggingRecorder{level: level}
	cfg.Logger = slog.New(rec)
	retry, err := Retry(RetryConfig{Backoff: loggingNoWait})
	if err != nil {
		t.Fatal(err)
	}
	return rt.Chain(base,
		Logging(cfg),
		retry,
		selector.Middleware(pool),
	), rec
}

// TestLoggingRetries checks the attempts, nodes and retries that the
// retry and routing middlewares report through hooks.
func TestLoggingRetries(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 2})
	tr, rec := loggingCluster(t, c, LoggingConfig{}, slog.LevelInfo)
	for _, n := range c.Nodes() {
		n.FailNext(1, estest.Failure{Status: 503})
	}
	req, _ := http.NewRequest("GET", "http://ignored.invalid/", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d, want 200 on the third attempt", resp.StatusCode)
	}
	nodes := map[string]bool{}
	for _, u := range c.URLs() {
		nodes[u] = true
	}
	retries := rec.records("esrt: retry")
	if len(retries) != 2 {
		t.Fatalf("%d retry records, want 2: %v", len(retries), rec.recs)
	}
	for i, r := range retries {
		if r.level != slog.LevelWarn || r.attrs["attempt"] != string(rune('1'+i)) || r.attrs["status"] != "503" || !nodes[r.attrs["node"]] {
			t.Errorf("retry record %d: %v %v", i, r.level, r.attrs)
		}
	}
	if retries[0].attrs["node"] == retries[1].attrs["node"] {
		t.Errorf("both retries name node %s; the router avoids a node already tried", retries[0].attrs["node"])
	}
	line := rec.records("esrt: request")
	if len(line) != 1 || line[0].attrs["attempts"] != "3" || line[0].attrs["status"] != "200" || !nodes[line[0].attrs["node"]] {
		t.Fatalf("request record: %v", line)
	}

	// Every node refuses: the request fails with every attempt's error.
	for _, n := range c.Nodes() {
		n.Kill()
	}
	req, _ = http.NewRequest("GET", "http://ignored.invalid/", nil)
	if _, err := tr.RoundTrip(req); err == nil {
		t.Fatal("no error with every node down")
	}
	line = rec.records("esrt: request")
	if last := line[len(line)-1]; last.level != slog.LevelError || last.attrs["attempts"] != "4" || !strings.Contains(last.attrs["error"], "refused") {
		t.Fatalf("failed request record: %v %v", last.level, last.attrs)
	}
}

func TestLoggingCurl(t *testing.T) {
	const query = `{"query":{"match":{"title":"it's"}}}`
	bulk := "{\"index\":{\"_id\":\"1\"}}\n{\"a\":1}\n"
	long := strings.Repeat("x", 5000)
	tests := []struct {
		name      string
		method    string
		path      string
		body      func() io.Reader // GetBody is set for strings.Reader
		header    http.Header
		stub      *loggingStub
		max       int
		wantCurl  []string // substrings
		notCurl   []string
		wantAttrs map[string]string
	}{
		{name: "search", method: "POST", path: "/idx/_search", body: func() io.Reader { return strings.NewReader(query) },
			header:    http.Header{"Content-Type": {"application/json"}},
			stub:      &loggingStub{status: 200, body: `{"took":1}`},
			wantCurl:  []string{`curl -X POST 'http://es.invalid:9200/idx/_search'`, `-H 'Content-Type: application/json'`, `--data-binary '{"query":{"match":{"title":"it'\''s"}}}'`},
			wantAttrs: map[string]string{"status": "200", "response": `{"took":1}`, "response_note": ""}},
		{name: "body without GetBody", method: "POST", path: "/idx/_search", body: func() io.Reader { return io.MultiReader(strings.NewReader(query)) },
			stub:     &loggingStub{status: 200, body: `{}`},
			wantCurl: []string{`--data-binary '{"query"`}},
		{name: "large body without GetBody", method: "POST", path: "/idx/_search", body: func() io.Reader { return io.MultiReader(strings.NewReader(long)) },
			stub:     &loggingStub{status: 200, body: `{}`},
			wantCurl: []string{`# request body not shown: over 4096 bytes and not replayable`}, notCurl: []string{"--data-binary"}},
		{name: "large body truncated", method: "POST", path: "/idx/_search", body: func() io.Reader { return strings.NewReader(long) },
			stub:      &loggingStub{status: 200, body: long},
			wantCurl:  []string{`# request body truncated to 4096 bytes of 5000`},
			wantAttrs: map[string]string{"response": long[:4096], "response_note": "truncated to 4096 of 5000 bytes"}},
		{name: "ndjson", method: "POST", path: "/_bulk", body: func() io.Reader { return strings.NewReader(bulk) },
			stub:     &loggingStub{status: 200, body: "{}"},
			wantCurl: []string{`--data-binary $'{"index":{"_id":"1"}}\n{"a":1}\n'`}},
		{name: "credentials redacted", method: "GET", path: "/", header: http.Header{
			"Authorization": {"ApiKey c2VjcmV0LWtleQ=="}, "Cookie": {"sid=abc123"}, "X-Api-Key": {"k-123"}, "X-Opaque-Id": {"op-1"}},
			stub:     &loggingStub{status: 200, body: "{}"},
			wantCurl: []string{`curl -X GET`, `-H "Authorization: ApiKey $ES_API_KEY"`, `-H "Cookie: $ES_HEADER_COOKIE"`, `-H "X-Api-Key: $ES_HEADER_X_API_KEY"`, `-H 'X-Opaque-Id: op-1'`},
			notCurl:  []string{"c2VjcmV0LWtleQ==", "abc123", "k-123"}},
		{name: "security API", method: "POST", path: "/_security/api_key", body: func() io.Reader { return strings.NewReader(`{"name":"k"}`) },
			stub:      &loggingStub{status: 200, body: `{"api_key":"hunter2"}`},
			wantCurl:  []string{`# [body redacted: security.create_api_key is a security API]`},
			notCurl:   []string{`"name"`},
			wantAttrs: map[string]string{"response": "[body redacted: security.create_api_key returns secrets]", "response_note": ""}},
		{name: "HEAD", method: "HEAD", path: "/idx", stub: &loggingStub{status: 404},
			wantCurl: []string{`curl --head 'http://es.invalid:9200/idx'`}},
		{name: "bodies off", method: "POST", path: "/idx/_search", body: func() io.Reader { return strings.NewReader(query) }, max: -1,
			stub:    &loggingStub{status: 200, body: `{"took":1}`},
			notCurl: []string{"--data-binary", "#"}, wantAttrs: map[string]string{"response": "", "response_note": ""}},
		{name: "binary response", method: "GET", path: "/", stub: &loggingStub{status: 200, body: "\xff\xfe\x00"},
			wantAttrs: map[string]string{"response": "", "response_note": "binary body not shown"}},
		{name: "encoded response", method: "GET", path: "/", stub: &loggingStub{status: 200, body: "\x1f\x8b", header: http.Header{"Content-Encoding": {"gzip"}}},
			wantAttrs: map[string]string{"response": "", "response_note": "gzip-encoded body not shown"}},
		{name: "error", method: "GET", path: "/", stub: &loggingStub{err: errors.New("connection refused")},
			wantCurl: []string{"curl -X GET"}, wantAttrs: map[string]string{"error": "connection refused", "status": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &loggingRecorder{level: slog.LevelDebug}
			tr := Logging(LoggingConfig{Logger: slog.New(rec), Curl: true, MaxBodySize: tt.max, Now: loggingClock()})(tt.stub)
			var body io.Reader
			var sent string
			if tt.body != nil {
				body = tt.body()
				b, _ := io.ReadAll(tt.body())
				sent = string(b)
			}
			req, _ := http.NewRequest(tt.method, "http://es.invalid:9200"+tt.path, body)
			for k, v := range tt.header {
				req.Header[k] = v
			}
			resp, err := tr.RoundTrip(req)
			if (err != nil) != (tt.stub.err != nil) {
				t.Fatalf("RoundTrip: %v", err)
			}
			if resp != nil {
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(got) != tt.stub.body {
					t.Fatalf("the caller got %d bytes of the response, want all %d", len(got), len(tt.stub.body))
				}
			}
			if string(tt.stub.got) != sent {
				t.Fatalf("next got %d bytes of the request body, want all %d", len(tt.stub.got), len(sent))
			}
			curls := rec.records("esrt: curl")
			if len(curls) != 1 {
				t.Fatalf("%d curl records, want 1", len(curls))
			}
			if curls[0].level != slog.LevelDebug {
				t.Errorf("curl record at %v, want Debug", curls[0].level)
			}
			cmd := curls[0].attrs["curl"]
			for _, s := range tt.wantCurl {
				if !strings.Contains(cmd, s) {
					t.Errorf("curl command lacks %s:\n%s", s, cmd)
				}
			}
			for _, s := range tt.notCurl {
				if strings.Contains(cmd, s) {
					t.Errorf("curl command has %s:\n%s", s, cmd)
				}
			}
			for k, want := range tt.wantAttrs {
				if got := curls[0].attrs[k]; got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

// TestLoggingCurlPartialRead checks the trace of a body the caller closes
// before its end, and that the trace is written once.
func TestLoggingCurlPartialRead(t *testing.T) {
	rec := &loggingRecorder{level: slog.LevelDebug}
	stub := &loggingStub{status: 200, body: strings.Repeat("y", 100)}
	tr := Logging(LoggingConfig{Logger: slog.New(rec), Curl: true})(stub)
	req, _ := http.NewRequest("GET", "http://es.invalid/", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.records("esrt: curl")) != 0 {
		t.Fatal("curl trace written before the body was read")
	}
	resp.Body.Read(make([]byte, 10))
	resp.Body.Close()
	resp.Body.Close()
	curls := rec.records("esrt: curl")
	if len(curls) != 1 {
		t.Fatalf("%d curl records, want 1", len(curls))
	}
	if got := curls[0].attrs["response_note"]; got != "body closed by the caller after 10 bytes" || curls[0].attrs["response"] != strings.Repeat("y", 10) {
		t.Errorf("partial body trace: %v", curls[0].attrs)
	}
}

// TestLoggingCurlRuns runs the logged curl command against a cluster and
// checks that it does what the request did.
func TestLoggingCurlRuns(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl")
	}
	c := estest.New(t, estest.Config{})
	tr, rec := loggingCluster(t, c, LoggingConfig{Curl: true}, slog.LevelDebug)
	bulk := "{\"index\":{\"_index\":\"logs\",\"_id\":\"1\"}}\n{\"msg\":\"it's done\"}\n"
	req, _ := http.NewRequest("POST", "/_bulk?refresh=true", strings.NewReader(bulk))
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	curls := rec.records("esrt: curl")
	if len(curls) != 1 {
		t.Fatalf("%d curl records", len(curls))
	}
	cmd := curls[0].attrs["curl"]
	if !strings.HasPrefix(cmd, "curl -X POST '"+c.URLs()[0]+"/_bulk?refresh=true'") {
		t.Fatalf("curl command does not name the node it went to: %s", cmd)
	}
	// Replay it as document 2.
	cmd = strings.Replace(cmd, `\"_id\":\"1\"`, `\"_id\":\"2\"`, 1)
	cmd = strings.Replace(cmd, `"_id":"1"`, `"_id":"2"`, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bash, "-c", cmd+" --silent --show-error").CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	doc, ok := c.Doc("logs", "2")
	if !ok || !bytes.Contains(doc, []byte(`"it's done"`)) {
		t.Fatalf("the curl command did not index the document: %s\ncurl said: %s", doc, out)
	}
}

// TestLoggingLevels checks that work for a level the handler drops is not
// done: no body copy without Debug, nothing at all when even Error is off.
func TestLoggingLevels(t *testing.T) {
	tests := []struct {
		name         string
		level        slog.Level
		wantGetBody  bool
		wantRequests int
	}{
		{"Debug", slog.LevelDebug, true, 1},
		{"Info", slog.LevelInfo, false, 1},
		{"Warn drops the 200 line", slog.LevelWarn, false, 0},
		{"off", slog.LevelError + 1, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &loggingRecorder{level: tt.level}
			tr := Logging(LoggingConfig{Logger: slog.New(rec), Curl: true})(&loggingStub{status: 200})
			var calls atomic.Int32
			req, _ := http.NewRequest("POST", "http://es.invalid/_search", strings.NewReader("{}"))
			getBody := req.GetBody
			req.GetBody = func() (io.ReadCloser, error) { calls.Add(1); return getBody() }
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := calls.Load() > 0; got != tt.wantGetBody {
				t.Errorf("GetBody called: %v, want %v", got, tt.wantGetBody)
			}
			if got := len(rec.records("esrt: request")); got != tt.wantRequests {
				t.Errorf("%d request records, want %d", got, tt.wantRequests)
			}
		})
	}
	stub := &loggingStub{}
	if Logging(LoggingConfig{})(stub) != http.RoundTripper(stub) {
		t.Error("a nil Logger does not return next itself")
	}
}

func TestLoggingConformance(t *testing.T) {
	tests := []struct {
		name string
		cfg  LoggingConfig
	}{
		{"request lines", LoggingConfig{Logger: slog.New(&loggingRecorder{level: slog.LevelInfo})}},
		{"curl", LoggingConfig{Logger: slog.New(&loggingRecorder{level: slog.LevelDebug}), Curl: true}},
		{"curl, small bodies", LoggingConfig{Logger: slog.New(&loggingRecorder{level: slog.LevelDebug}), Curl: true, MaxBodySize: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { rttest.Run(t, Logging(tt.cfg)) })
	}
}

func BenchmarkLogging(b *testing.B) {
	body := `{"query":{"match_all":{}}}`
	for _, bc := range []struct {
		name  string
		level slog.Level
		curl  bool
	}{{"off", slog.LevelError + 1, false}, {"requests", slog.LevelInfo, false}, {"curl", slog.LevelDebug, true}} {
		b.Run(bc.name, func(b *testing.B) {
			h := slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: bc.level})
			tr := Logging(LoggingConfig{Logger: slog.New(h), Curl: bc.curl})(&loggingStub{status: 200, body: `{"took":1}`})
			b.ReportAllocs()
			for b.Loop() {
				req, _ := http.NewRequest("POST", "http://es.invalid:9200/idx/_search", strings.NewReader(body))
				resp, err := tr.RoundTrip(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}
