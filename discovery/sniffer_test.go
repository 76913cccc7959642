package discovery_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/esrt-dev/esrt/discovery"
	"github.com/esrt-dev/esrt/rt"
)

// spec is one node of a nodes info body.
type spec struct {
	id, addr string
	roles    []string
}

func nodesBody(specs ...spec) string {
	nodes := map[string]any{}
	for _, s := range specs {
		n := map[string]any{"name": s.id, "http": map[string]any{"publish_address": s.addr}}
		if s.roles != nil {
			n["roles"] = s.roles
		}
		nodes[s.id] = n
	}
	b, err := json.Marshal(map[string]any{"nodes": nodes})
	if err != nil {
		panic(err)
	}
	return string(b)
}

var data = []string{"data", "ingest"}

func response(req *http.Request, status int, body string) *http.Response {
	return &http.Response{
		StatusCode: status,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(body)),
		Request:    req,
	}
}

// stub is an in-memory transport: it records every request and answers with
// fn. It starts no goroutine, so it works inside a synctest bubble. count
// and hosts report the sniff requests (GET /_nodes/http), probes the checks
// of new nodes (HEAD /).
type stub struct {
	mu       sync.Mutex
	reqs     []*http.Request
	inFlight int
	maxIn    int
	fn       func(*http.Request) (*http.Response, error)
}

func (s *stub) RoundTrip(req *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	s.inFlight++
	s.maxIn = max(s.maxIn, s.inFlight)
	fn := s.fn
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()
	return fn(req)
}

func (s *stub) count() int { return len(s.hosts()) }

func (s *stub) hosts() []string { return s.hostsOf(http.MethodGet) }

func (s *stub) probes() []string { return s.hostsOf(http.MethodHead) }

func (s *stub) hostsOf(method string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.reqs {
		if r.Method == method {
			out = append(out, r.URL.Host)
		}
	}
	return out
}

func (s *stub) reset() {
	s.mu.Lock()
	s.reqs = nil
	s.mu.Unlock()
}

func (s *stub) set(fn func(*http.Request) (*http.Response, error)) {
	s.mu.Lock()
	s.fn = fn
	s.mu.Unlock()
}

// answer returns a stub function that always answers status and body.
func answer(status int, body string) func(*http.Request) (*http.Response, error) {
	return func(req *http.Request) (*http.Response, error) { return response(req, status, body), nil }
}

// recorder collects published sets.
type recorder struct {
	mu   sync.Mutex
	sets [][]*rt.Node
}

func (r *recorder) publish(nodes []*rt.Node) {
	r.mu.Lock()
	r.sets = append(r.sets, nodes)
	r.mu.Unlock()
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sets)
}

func (r *recorder) last() []*rt.Node {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.sets) == 0 {
		return nil
	}
	return r.sets[len(r.sets)-1]
}

// logBuffer is a concurrency-safe log sink.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func debugLogger(b *logBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func newSniffer(t testing.TB, cfg discovery.Config) *discovery.Sniffer {
	t.Helper()
	s, err := discovery.NewSniffer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewSnifferConfigErrors(t *testing.T) {
	seed := mustNode(t, "http://a:9200")
	tests := []struct {
		name  string
		cfg   discovery.Config
		field string
	}{
		{"no seeds", discovery.Config{}, "Seeds"},
		{"nil seed", discovery.Config{Seeds: []*rt.Node{seed, nil}}, "Seeds[1]"},
		{"seed without URL", discovery.Config{Seeds: []*rt.Node{{}}}, "Seeds[0]"},
		{"negative interval", discovery.Config{Seeds: []*rt.Node{seed}, Interval: -1}, "Interval"},
		{"negative min delay", discovery.Config{Seeds: []*rt.Node{seed}, MinDelay: -1}, "MinDelay"},
		{"negative timeout", discovery.Config{Seeds: []*rt.Node{seed}, RequestTimeout: -1}, "RequestTimeout"},
		{"negative max nodes", discovery.Config{Seeds: []*rt.Node{seed}, MaxNodes: -1}, "MaxNodes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := discovery.NewSniffer(tt.cfg)
			var ce *rt.ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field {
				t.Fatalf("err = %v, want ConfigError for %s", err, tt.field)
			}
		})
	}
}

// The constructor sends nothing and starts nothing: a goroutine left in the
// bubble would make synctest.Test fail.
func TestNewSnifferNoIO(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := &stub{fn: answer(200, nodesBody(spec{"a", "10.0.0.1:9200", data}))}
		s := newSniffer(t, discovery.Config{Seeds: []*rt.Node{mustNode(t, "http://seed:9200")}, Transport: tr, Interval: time.Second})
		s.NodeFailed(nil) // without Run: recorded only
		time.Sleep(time.Hour)
		synctest.Wait()
		if n := tr.count(); n != 0 {
			t.Fatalf("%d requests without Sniff or Run", n)
		}
		if got := s.Nodes(); got != nil {
			t.Fatalf("Nodes() = %v before any sniff", got)
		}
	})
}

// Sniff on start over loopback: the path prefix and userinfo of the seed are
// used for the request and inherited by the discovered nodes; credentials
// never reach the logs.
func TestSniffLoopbackInheritsSeed(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []*http.Request
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Clone(context.Background()))
		mu.Unlock()
		if user, pass, ok := r.BasicAuth(); !ok || user != "elastic" || pass != "s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.URL.Path != "/es/_nodes/http" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		host := strings.TrimPrefix(r.Host, "127.0.0.1:")
		io.WriteString(w, nodesBody(
			spec{"self", "127.0.0.1:" + host, data},
			spec{"other", "localhost/127.0.0.1:9299", []string{"data_hot"}},
			spec{"master", "127.0.0.1:9300", []string{"master", "voting_only"}},
		))
	}))
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()

	u, _ := url.Parse(srv.URL)
	seed := mustNode(t, "http://elastic:s3cret@"+u.Host+"/es/")
	var logs logBuffer
	var rec recorder
	s := newSniffer(t, discovery.Config{
		Seeds:     []*rt.Node{seed},
		Transport: tr,
		Publish:   rec.publish,
		Header:    http.Header{"User-Agent": {"esrt-test"}, "Authorization": {"ApiKey overridden"}},
		Logger:    debugLogger(&logs),
	})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := s.Sniff(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"http://elastic:s3cret@" + u.Host + "/es",
		"http://elastic:s3cret@localhost:9299/es",
	}
	slices.Sort(want)
	if got := urls(rec.last()); rec.count() != 1 || !slices.Equal(got, want) {
		t.Fatalf("published %d sets, last %q; want one, %q", rec.count(), got, want)
	}
	if got := urls(s.Nodes()); !slices.Equal(got, want) {
		t.Errorf("Nodes() = %q, want %q", got, want)
	}
	mu.Lock()
	r := seen[0]
	mu.Unlock()
	if got := r.Header.Get("User-Agent"); got != "esrt-test" {
		t.Errorf("User-Agent = %q", got)
	}
	if got := r.Method; got != http.MethodGet {
		t.Errorf("method = %q", got)
	}
	for _, secret := range []string{"s3cret", "elastic:", "ZWxhc3RpYzpzM2NyZXQ"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs.String())
		}
	}
	if !strings.Contains(logs.String(), "discovered nodes") {
		t.Errorf("no publish log line:\n%s", logs.String())
	}
}

func TestSniffAuthorization(t *testing.T) {
	apiKey := rt.APIKeyAuth("id:key")
	tests := []struct {
		name   string
		seed   string
		auth   rt.Auth
		header http.Header
		want   string
	}{
		{"none", "http://seed:9200", rt.Auth{}, nil, ""},
		{"header", "http://seed:9200", rt.Auth{}, http.Header{"Authorization": {"Bearer h"}}, "Bearer h"},
		{"auth over header", "http://seed:9200", apiKey, http.Header{"Authorization": {"Bearer h"}}, apiKey.Header()},
		{"userinfo over auth", "http://u:p@seed:9200", apiKey, nil, rt.BasicAuth("u", "p").Header()},
		{"userinfo with empty password", "http://u@seed:9200", rt.Auth{}, nil, rt.BasicAuth("u", "").Header()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &stub{fn: answer(200, nodesBody(spec{"a", "10.0.0.1:9200", data}))}
			s := newSniffer(t, discovery.Config{Seeds: []*rt.Node{mustNode(t, tt.seed)}, Transport: tr, Auth: tt.auth, Header: tt.header})
			if err := s.Sniff(t.Context()); err != nil {
				t.Fatal(err)
			}
			req := tr.reqs[0]
			if got := req.Header.Get("Authorization"); got != tt.want {
				t.Errorf("Authorization = %q, want %q", got, tt.want)
			}
			if req.URL.User != nil || req.URL.String() != "http://seed:9200/_nodes/http" {
				t.Errorf("request URL = %q", req.URL.Redacted())
			}
		})
	}
}

// When no published node can be reached, the sniff asks the seeds.
func TestSniffFallsBackToSeeds(t *testing.T) {
	// Two nodes that answer the check before they are published, then die.
	srvA, srvB := httptest.NewServer(http.NotFoundHandler()), httptest.NewServer(http.NotFoundHandler())
	defer srvA.Close()
	defer srvB.Close()
	addrA, addrB := srvA.Listener.Addr().String(), srvB.Listener.Addr().String()
	var seedHits atomic.Int32
	seedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seedHits.Add(1)
		io.WriteString(w, nodesBody(spec{"a", addrA, data}, spec{"b", addrB, data}))
	}))
	defer seedSrv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()

	var rec recorder
	s := newSniffer(t, discovery.Config{Seeds: []*rt.Node{mustNode(t, seedSrv.URL)}, Transport: tr, Publish: rec.publish, RequestTimeout: 5 * time.Second})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := s.Sniff(ctx); err != nil {
		t.Fatal(err)
	}
	first := urls(s.Nodes())
	if len(first) != 2 {
		t.Fatalf("Nodes() = %q", first)
	}
	srvA.Close()
	srvB.Close()
	// Both published nodes refuse connections: the seed answers.
	if err := s.Sniff(ctx); err != nil {
		t.Fatalf("second sniff: %v", err)
	}
	if got := seedHits.Load(); got != 2 {
		t.Errorf("seed asked %d times, want 2", got)
	}
	if got := urls(s.Nodes()); !slices.Equal(got, first) {
		t.Errorf("Nodes() = %q, want %q", got, first)
	}
	if got := rec.count(); got != 1 {
		t.Errorf("published %d times, want 1 (the second answer was the same)", got)
	}
}

// A sniff asks at most three published nodes, those reported failed last,
// then the seeds it has not asked.
func TestSniffCandidates(t *testing.T) {
	specs := []spec{}
	for _, h := range []string{"n1", "n2", "n3", "n4", "n5"} {
		specs = append(specs, spec{h, h + ":9200", data})
	}
	body := nodesBody(specs...)
	tr := &stub{}
	tr.set(func(req *http.Request) (*http.Response, error) {
		switch {
		case strings.HasPrefix(req.URL.Host, "seed"):
			return response(req, 200, body), nil
		case req.Method == http.MethodHead: // the check before publishing
			return response(req, 200, ""), nil
		}
		return nil, errors.New("connection refused")
	})
	seeds := []*rt.Node{mustNode(t, "http://seed1:9200"), mustNode(t, "http://n4:9200"), mustNode(t, "http://seed2:9200")}
	s := newSniffer(t, discovery.Config{Seeds: seeds, Transport: tr})
	if err := s.Sniff(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := tr.hosts(); !slices.Equal(got, []string{"seed1:9200"}) {
		t.Fatalf("first sniff asked %q", got)
	}
	for _, n := range s.Nodes() {
		if n.URL.Hostname() != "n1" && n.URL.Hostname() != "n2" {
			s.NodeFailed(n)
		}
	}
	tr.reset()
	if err := s.Sniff(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := tr.hosts()
	if len(got) != 4 {
		t.Fatalf("second sniff asked %q, want 3 published nodes and seed1", got)
	}
	if healthy := slices.Sorted(slices.Values(got[:2])); !slices.Equal(healthy, []string{"n1:9200", "n2:9200"}) {
		t.Errorf("asked %q first, want the nodes not reported failed", got[:2])
	}
	if got[3] != "seed1:9200" {
		t.Errorf("asked %q last, want seed1", got[3])
	}
	// If n4 was among the published nodes asked, the seed n4 is not asked
	// again; either way seed2 is not reached because seed1 answered.
	if slices.Contains(got, "seed2:9200") {
		t.Errorf("asked %q after seed1 answered", got)
	}
}

// Every failure moves to the next node; the error joins them.
func TestSniffAllFail(t *testing.T) {
	boom := errors.New("boom")
	tr := &stub{}
	tr.set(func(req *http.Request) (*http.Response, error) {
		switch req.URL.Host {
		case "a:9200":
			return nil, boom
		case "b:9200":
			return response(req, 200, "<html>proxy</html>"), nil
		default:
			return response(req, 502, "bad gateway"), nil
		}
	})
	var logs logBuffer
	s := newSniffer(t, discovery.Config{
		Seeds:     []*rt.Node{mustNode(t, "http://a:9200"), mustNode(t, "http://b:9200"), mustNode(t, "http://c:9200")},
		Transport: tr,
		Logger:    debugLogger(&logs),
	})
	err := s.Sniff(t.Context())
	if err == nil || !errors.Is(err, boom) {
		t.Fatalf("err = %v, want one wrapping boom", err)
	}
	for _, part := range []string{"http://a:9200", "http://b:9200", "http://c:9200", "HTTP 502"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not mention %q", err, part)
		}
	}
	if errors.Is(err, discovery.ErrStopped) || s.Stopped() {
		t.Error("a failed sniff stopped discovery")
	}
	if got := tr.count(); got != 3 {
		t.Errorf("%d requests, want 3", got)
	}
	if !strings.Contains(logs.String(), "sniff failed") {
		t.Errorf("failure not logged:\n%s", logs.String())
	}
}

// A node that answers with something else than a nodes body does not end the
// sniff: the next one is asked.
func TestSniffNextAfterBadBody(t *testing.T) {
	tr := &stub{}
	tr.set(func(req *http.Request) (*http.Response, error) {
		if req.URL.Host == "a:9200" {
			return response(req, 200, `{"oops":true}`), nil
		}
		return response(req, 200, nodesBody(spec{"x", "10.0.0.1:9200", data})), nil
	})
	s := newSniffer(t, discovery.Config{Seeds: []*rt.Node{mustNode(t, "http://a:9200"), mustNode(t, "http://b:9200")}, Transport: tr})
	if err := s.Sniff(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := urls(s.Nodes()); !slices.Equal(got, []string{"http://10.0.0.1:9200"}) {
		t.Errorf("Nodes() = %q", got)
	}
}

func TestSniffRequestTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := &stub{}
		tr.set(func(req *http.Request) (*http.Response, error) {
			if req.URL.Host == "hang:9200" {
				<-req.Context().Done()
				return nil, req.Context().Err()
			}
			return response(req, 200, nodesBody(spec{"x", "10.0.0.1:9200", data})), nil
		})
		s := newSniffer(t, discovery.Config{
			Seeds:          []*rt.Node{mustNode(t, "http://hang:9200"), mustNode(t, "http://ok:9200")},
			Transport:      tr,
			RequestTimeout: 2 * time.Second,
		})
		start := time.Now()
		if err := s.Sniff(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 2*time.Second {
			t.Errorf("sniff took %v, want the 2s request timeout", got)
		}
		// The caller's deadline bounds the whole sniff.
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		tr.set(func(req *http.Request) (*http.Response, error) {
			<-req.Context().Done()
			return nil, req.Context().Err()
		})
		if err := s.Sniff(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want deadline exceeded", err)
		}
	})
}

// An empty result leaves the published set untouched.
func TestSniffEmptyResultKeepsSet(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"no nodes", `{"nodes":{}}`},
		{"only masters", nodesBody(spec{"m", "10.0.0.9:9200", []string{"master"}}, spec{"v", "10.0.0.8:9200", []string{"master", "voting_only"}})},
		{"no http sections", `{"nodes":{"a":{"roles":["data"]}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &stub{fn: answer(200, nodesBody(spec{"a", "10.0.0.1:9200", data}))}
			var rec recorder
			s := newSniffer(t, discovery.Config{Seeds: []*rt.Node{mustNode(t, "http://seed:9200")}, Transport: tr, Publish: rec.publish})
			if err := s.Sniff(t.Context()); err != nil {
				t.Fatal(err)
			}
			tr.set(answer(200, tt.body))
			if err := s.Sniff(t.Context()); !errors.Is(err, discovery.ErrNoNodes) {
				t.Fatalf("err = %v, want ErrNoNodes", err)
			}
			if got := urls(s.Nodes()); !slices.Equal(got, []string{"http://10.0.0.1:9200"}) {
				t.Errorf("Nodes() = %q", got)
			}
			if rec.count() != 1 {
				t.Errorf("published %d times, want 1", rec.count())
			}
			// The published node answered the empty result: no other node
			// was asked.
			if got := tr.hosts(); !slices.Equal(got, []string{"seed:9200", "10.0.0.1:9200"}) {
				t.Errorf("asked %q", got)
			}
		})
	}
}

// A changed set is published again; an unchanged one is not.
func TestSniffPublishesChanges(t *testing.T) {
	tr := &stub{fn: answer(200, nodesBody(spec{"a", "10.0.0.1:9200", data}))}
	var rec recorder
	s := newSniffer(t, discovery.Config{Seeds: []*rt.Node{mustNode(t, "http://seed:9200")}, Transport: tr, Publish: rec.publish})
	for range 2 {
		if err := s.Sniff(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	tr.set(answer(200, nodesBody(spec{"a", "10.0.0.1:9200", []string{"data", "ml"}})))
	if err := s.Sniff(t.Context()); err != nil {
		t.Fatal(err)
	}
	tr.set(answer(200, nodesBody(spec{"a", "10.0.0.1:9200", []string{"data", "ml"}}, spec{"b", "10.0.0.2:9200", nil})))
	if err := s.Sniff(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := rec.count(); got != 3 {
		t.Fatalf("published %d times, want 3", got)
	}
	if got := urls(rec.last()); !slices.Equal(got, []string{"http://10.0.0.1:9200", "http://10.0.0.2:9200"}) {
		t.Errorf("last set %q", got)
	}
	// The published slice belongs to the receiver.
	rec.last()[0] = nil
	if s.Nodes()[0] == nil {
		t.Error("Publish's slice aliases the Sniffer's")
	}
}

// Filter narrows the nodes kept; dedicated masters stay out whatever it
// says.
func TestSniffFilter(t *testing.T) {
	tr := &stub{fn: answer(200, nodesBody(
		spec{"m", "10.0.0.1:9200", []string{"master"}},
		spec{"d", "10.0.0.2:9200", data},
		spec{"e", "10.0.0.3:9200", data},
		spec{"v", "10.0.0.4:9200", []string{"master", "voting_only"}},
	))}
	s := newSniffer(t, discovery.Config{
		Seeds:     []*rt.Node{mustNode(t, "http://seed:9200")},
		Transport: tr,
		Filter:    func(n *rt.Node) bool { return n.Name != "e" },
	})
	if err := s.Sniff(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := urls(s.Nodes()); !slices.Equal(got, []string{"http://10.0.0.2:9200"}) {
		t.Errorf("Nodes() = %q, want only d", got)
	}
	// A filter that accepts everything does not bring the masters back.
	s = newSniffer(t, discovery.Config{
		Seeds:     []*rt.Node{mustNode(t, "http://seed:9200")},
		Transport: tr,
		Filter:    func(*rt.Node) bool { return true },
	})
	if err := s.Sniff(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := urls(s.Nodes()); !slices.Equal(got, []string{"http://10.0.0.2:9200", "http://10.0.0.3:9200"}) {
		t.Errorf("Nodes() = %q, want d and e", got)
	}
}

// 401, 403 and 404 leave the set untouched, are logged once, and stop
// discovery: no request to /_nodes follows, periodic or on failure.
func TestSniffRefusedStopsDiscovery(t *testing.T) {
	for _, status := range []int{401, 403, 404} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				tr := &stub{fn: answer(200, nodesBody(spec{"a", "10.0.0.1:9200", data}))}
				var rec recorder
				var logs logBuffer
				s := newSniffer(t, discovery.Config{
					Seeds:     []*rt.Node{mustNode(t, "http://seed:9200")},
					Transport: tr,
					Publish:   rec.publish,
					Interval:  time.Minute,
					Logger:    debugLogger(&logs),
				})
				if err := s.Sniff(t.Context()); err != nil {
					t.Fatal(err)
				}
				tr.set(answer(status, `{"error":"no"}`))
				done := make(chan error, 1)
				go func() { done <- s.Run(t.Context()) }()
				time.Sleep(66 * time.Second) // past the first jittered interval
				synctest.Wait()
				select {
				case err := <-done:
					if !errors.Is(err, discovery.ErrStopped) {
						t.Fatalf("Run = %v, want ErrStopped", err)
					}
				default:
					t.Fatal("Run still running after the refusal")
				}
				if got := tr.count(); got != 2 {
					t.Fatalf("%d requests, want 2", got)
				}
				s.NodeFailed(s.Nodes()[0])
				if err := s.Sniff(t.Context()); !errors.Is(err, discovery.ErrStopped) {
					t.Errorf("Sniff after stop = %v", err)
				}
				if err := s.Run(t.Context()); !errors.Is(err, discovery.ErrStopped) {
					t.Errorf("Run after stop = %v", err)
				}
				time.Sleep(time.Hour)
				synctest.Wait()
				if got := tr.count(); got != 2 {
					t.Errorf("%d requests after the stop, want none", got-2)
				}
				if !s.Stopped() {
					t.Error("Stopped() = false")
				}
				if got := urls(s.Nodes()); !slices.Equal(got, []string{"http://10.0.0.1:9200"}) || rec.count() != 1 {
					t.Errorf("Nodes() = %q after %d publishes", got, rec.count())
				}
				if n := strings.Count(logs.String(), "discovery stopped"); n != 1 {
					t.Errorf("stop logged %d times, want once:\n%s", n, logs.String())
				}
			})
		})
	}
}

// Other errors are retried at the next trigger.
func TestRunRetriesAfterFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := &stub{fn: answer(500, `{"error":"x"}`)}
		var rec recorder
		s := newSniffer(t, discovery.Config{Seeds: []*rt.Node{mustNode(t, "http://seed:9200")}, Transport: tr, Publish: rec.publish, Interval: time.Minute})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		time.Sleep(66 * time.Second)
		synctest.Wait()
		if tr.count() != 1 || rec.count() != 0 || s.Stopped() {
			t.Fatalf("after 1 interval: %d requests, %d publishes, stopped %v", tr.count(), rec.count(), s.Stopped())
		}
		tr.set(answer(200, nodesBody(spec{"a", "10.0.0.1:9200", data})))
		time.Sleep(66 * time.Second)
		synctest.Wait()
		if tr.count() != 2 || rec.count() != 1 {
			t.Fatalf("after 2 intervals: %d requests, %d publishes", tr.count(), rec.count())
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v", err)
		}
	})
}

func TestRunPeriodic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := &stub{fn: answer(200, nodesBody(spec{"a", "10.0.0.1:9200", data}))}
		const interval = 30 * time.Second
		s := newSniffer(t, discovery.Config{Seeds: []*rt.Node{mustNode(t, "http://seed:9200")}, Transport: tr, Interval: interval})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()

		time.Sleep(interval * 9 / 10)
		synctest.Wait()
		if got := tr.count(); got != 0 {
			t.Fatalf("%d sniffs before 0.9 interval", got)
		}
		time.Sleep(interval*11/10 - interval*9/10)
		synctest.Wait()
		if got := tr.count(); got != 1 {
			t.Fatalf("%d sniffs after 1.1 interval, want 1", got)
		}
		time.Sleep(10*interval*11/10 - interval*11/10)
		synctest.Wait()
		// 10 jittered intervals of 0.9..1.1 fit between 10 and 12 times in
		// 11 intervals.
		if got := tr.count(); got < 10 || got > 12 {
			t.Fatalf("%d sniffs after 11 intervals, want 10..12", got)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v", err)
		}
	})
}

func TestRunWithoutInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := &stub{fn: answer(200, nodesBody(spec{"a", "10.0.0.1:9200", data}))}
		s := newSniffer(t, discovery.Config{Seeds: []*rt.Node{mustNode(t, "http://seed:9200")}, Transport: tr})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		time.Sleep(24 * time.Hour)
		synctest.Wait()
		if got := tr.count(); got != 0 {
			t.Errorf("%d sniffs without Interval or NodeFailed", got)
		}
		cancel()
		<-done
	})
}

// NodeFailed triggers one sniff for a burst of failures, and no sniff sooner
// than MinDelay after the previous one started.
func TestNodeFailedSingleFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := &stub{fn: answer(200, nodesBody(spec{"a", "10.0.0.1:9200", data}))}
		s := newSniffer(t, discovery.Config{Seeds: []*rt.Node{mustNode(t, "http://seed:9200")}, Transport: tr})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		synctest.Wait()

		failed := mustNode(t, "http://10.0.0.1:9200")
		for range 5 {
			s.NodeFailed(failed)
		}
		synctest.Wait()
		if got := tr.count(); got != 1 {
			t.Fatalf("%d sniffs after a burst of failures, want 1", got)
		}
		for range 5 {
			s.NodeFailed(failed)
		}
		time.Sleep(discovery.DefaultMinDelay - time.Millisecond)
		synctest.Wait()
		if got := tr.count(); got != 1 {
			t.Fatalf("%d sniffs before the minimum delay, want 1", got)
		}
		time.Sleep(time.Millisecond)
		synctest.Wait()
		if got := tr.count(); got != 2 {
			t.Fatalf("%d sniffs at the minimum delay, want 2", got)
		}
		// Failures reported while a sniff waits are served by it.
		time.Sleep(time.Second)
		s.NodeFailed(failed)
		time.Sleep(time.Second)
		s.NodeFailed(failed)
		time.Sleep(discovery.DefaultMinDelay)
		synctest.Wait()
		if got := tr.count(); got != 3 {
			t.Fatalf("%d sniffs, want 3", got)
		}
		time.Sleep(time.Hour)
		synctest.Wait()
		if got := tr.count(); got != 3 {
			t.Fatalf("%d sniffs without new failures, want 3", got)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v", err)
		}
	})
}

// The minimum delay also counts from a sniff on start, and is configurable.
func TestNodeFailedMinDelayAfterStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := &stub{fn: answer(200, nodesBody(spec{"a", "10.0.0.1:9200", data}))}
		s := newSniffer(t, discovery.Config{Seeds: []*rt.Node{mustNode(t, "http://seed:9200")}, Transport: tr, MinDelay: 3 * time.Second})
		if err := s.Sniff(t.Context()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		s.NodeFailed(nil)
		time.Sleep(3*time.Second - time.Millisecond)
		synctest.Wait()
		if got := tr.count(); got != 1 {
			t.Fatalf("%d requests, want 1", got)
		}
		time.Sleep(time.Millisecond)
		synctest.Wait()
		if got := tr.count(); got != 2 {
			t.Fatalf("%d requests, want 2", got)
		}
		cancel()
		<-done
	})
}

// Sniffs never overlap.
func TestSniffSerialized(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := &stub{}
		tr.set(func(req *http.Request) (*http.Response, error) {
			time.Sleep(time.Second)
			return response(req, 200, nodesBody(spec{"a", "10.0.0.1:9200", data})), nil
		})
		s := newSniffer(t, discovery.Config{Seeds: []*rt.Node{mustNode(t, "http://seed:9200")}, Transport: tr, Interval: 100 * time.Millisecond})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		var wg sync.WaitGroup
		for range 5 {
			wg.Go(func() { _ = s.Sniff(ctx) })
		}
		wg.Wait()
		cancel()
		<-done
		if tr.maxIn != 1 {
			t.Errorf("%d sniffs in flight at once, want 1", tr.maxIn)
		}
	})
}

// Run returns when its context is cancelled, also while it waits for the
// minimum delay, and leaves no goroutine (synctest.Test checks).
func TestRunCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := &stub{fn: answer(200, nodesBody(spec{"a", "10.0.0.1:9200", data}))}
		s := newSniffer(t, discovery.Config{Seeds: []*rt.Node{mustNode(t, "http://seed:9200")}, Transport: tr, Interval: time.Minute})
		if err := s.Sniff(t.Context()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		synctest.Wait()
		if err := s.Run(ctx); err == nil || errors.Is(err, context.Canceled) {
			t.Errorf("second Run = %v, want an error", err)
		}
		s.NodeFailed(nil) // Run now waits for the minimum delay
		synctest.Wait()
		start := time.Now()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v", err)
		}
		if time.Since(start) != 0 {
			t.Errorf("Run took %v to return", time.Since(start))
		}
		// Run can be started again.
		ctx2, cancel2 := context.WithTimeout(t.Context(), time.Second)
		defer cancel2()
		if err := s.Run(ctx2); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Run again = %v", err)
		}
	})
}
