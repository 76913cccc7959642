package esrt

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/rt/rttest"
)

func mustNew(t testing.TB, cfg Config) *Transport {
	t.Helper()
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

func get(t testing.TB, tr http.RoundTripper, path string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequest("GET", "http://es"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tr.RoundTrip(req)
}

func TestNewConfigErrors(t *testing.T) {
	const secret = "hunter2"
	tests := []struct {
		name  string
		cfg   Config
		field string
	}{
		{"empty address", Config{Addresses: []string{""}}, "Addresses[0]"},
		{"no scheme", Config{Addresses: []string{"http://a:9200", "es2:9200"}}, "Addresses[1]"},
		{"bad port with secret", Config{Addresses: []string{"http://u:" + secret + "@es:x/"}}, "Addresses[0]"},
		{"cloud id and addresses", Config{CloudID: "c:YWJj", Addresses: []string{"http://a:9200"}}, "CloudID"},
		{"bad cloud id", Config{CloudID: "name:not base64!"}, "CloudID"},
		{"sniffing with cloud id", Config{CloudID: "my:" + b64("us-east-1.aws.found.io$abc$def"), DiscoverNodesOnStart: true}, "DiscoverNodesOnStart"},
		{"periodic sniffing with cloud id", Config{CloudID: "my:" + b64("us-east-1.aws.found.io$abc$def"), DiscoverNodesInterval: time.Minute}, "DiscoverNodesInterval"},
		{"negative interval", Config{DiscoverNodesInterval: -time.Second}, "DiscoverNodesInterval"},
		{"negative timeout", Config{Pool: PoolConfig{DiscoverNodesTimeout: -1}}, "Pool.DiscoverNodesTimeout"},
		{"negative retries", Config{MaxRetries: -1}, "MaxRetries"},
		{"negative retries, retries off", Config{MaxRetries: -1, DisableRetry: true}, "MaxRetries"},
		{"negative dead timeout", Config{Pool: PoolConfig{DeadTimeout: -1}}, "Pool.DeadTimeout"},
		{"negative max dead timeout", Config{Pool: PoolConfig{MaxDeadTimeout: -time.Second}}, "Pool.MaxDeadTimeout"},
		{"bad status", Config{RetryOnStatus: []int{1000}}, "RetryOnStatus"},
		{"CA with own transport", Config{CACert: []byte("x"), Transport: http.DefaultTransport}, "Transport"},
		{"bad CA", Config{CACert: []byte("nope")}, "CACert"},
		{"bad fingerprint", Config{CertificateFingerprint: "zz"}, "CertificateFingerprint"},
		{"different userinfo", Config{Addresses: []string{"http://a:" + secret + "@es1:9200", "http://b:" + secret + "@es2:9200"}}, "Addresses[1]"},
		{"bad compatibility version", Config{Protocol: ProtocolConfig{CompatibilityMode: true, CompatibilityVersion: 6}}, "Protocol.CompatibilityVersion"},
		{"bad SendGetBodyAs", Config{Protocol: ProtocolConfig{SendGetBodyAs: "PUT"}}, "Protocol.SendGetBodyAs"},
		{"negative breaker timeout", Config{Breaker: BreakerConfig{Timeout: -time.Second}}, "Breaker.Timeout"},
		{"negative breaker timeout, breakers off", Config{Breaker: BreakerConfig{Failures: -1, Timeout: -time.Second}}, "Breaker.Timeout"},
		{"negative request timeout", Config{Limits: LimitsConfig{RequestTimeout: -time.Second}}, "Limits.RequestTimeout"},
		{"negative attempt timeout", Config{Limits: LimitsConfig{AttemptTimeout: -time.Second}}, "Limits.AttemptTimeout"},
		{"bad hedge quantile", Config{Retry: RetryConfig{Hedge: HedgeConfig{Enabled: true, HedgeConfig: middleware.HedgeConfig{Quantile: 2}}}}, "Retry.Hedge.Quantile"},
		{"hedging set, not enabled", Config{Retry: RetryConfig{Hedge: HedgeConfig{HedgeConfig: middleware.HedgeConfig{Quantile: 0.99}}}}, "Retry.Hedge.Enabled"},
		{"bad budget ratio", Config{Retry: RetryConfig{Budget: middleware.BudgetConfig{Ratio: -1}}}, "Retry.Budget.Ratio"},
		{"bad budget ratio, retries off", Config{DisableRetry: true, Retry: RetryConfig{Budget: middleware.BudgetConfig{Ratio: -1}}}, "Retry.Budget.Ratio"},
		{"bad cluster breaker ratio", Config{Breaker: BreakerConfig{Cluster: ClusterBreakerConfig{Enabled: true, ClusterBreakerConfig: middleware.ClusterBreakerConfig{Ratio: 2}}}}, "Breaker.Cluster.Ratio"},
		{"cluster breaker set, not enabled", Config{Breaker: BreakerConfig{Cluster: ClusterBreakerConfig{ClusterBreakerConfig: middleware.ClusterBreakerConfig{Ratio: 0.3}}}}, "Breaker.Cluster.Enabled"},
		{"bad limiter decrease", Config{Limits: LimitsConfig{Limiter: LimiterConfig{Enabled: true, LimiterConfig: middleware.LimiterConfig{Bulk: middleware.LimiterClassConfig{Decrease: 2}}}}}, "Limits.Limiter.Bulk.Decrease"},
		{"limiter set, not enabled", Config{Limits: LimitsConfig{Limiter: LimiterConfig{LimiterConfig: middleware.LimiterConfig{IgnoreBulkItems: true}}}}, "Limits.Limiter.Enabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := New(tt.cfg)
			var ce *rt.ConfigError
			if tr != nil || !errors.As(err, &ce) || !errors.Is(err, rt.ErrInvalidConfig) {
				t.Fatalf("New = %v, %v; want a ConfigError", tr, err)
			}
			if ce.Field != tt.field {
				t.Errorf("field %q, want %q (%v)", ce.Field, tt.field, err)
			}
			if !isConfigPath(ce.Field) {
				t.Errorf("field %q is not a path of Config", ce.Field)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error reveals a secret: %v", err)
			}
		})
	}
}

// isConfigPath reports whether path names a field of Config as Go code
// writes it, such as "Addresses[1]" or "Retry.Hedge.Quantile" (a field of
// an embedded struct included, as Go promotes it).
func isConfigPath(path string) bool {
	t := reflect.TypeFor[Config]()
	for name := range strings.SplitSeq(path, ".") {
		name, _, _ = strings.Cut(name, "[")
		if t.Kind() != reflect.Struct {
			return false
		}
		f, ok := t.FieldByName(name)
		if !ok || !f.IsExported() {
			return false
		}
		t = f.Type
	}
	return true
}

func b64(s string) string {
	const enc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var out strings.Builder
	b := []byte(s)
	for len(b) > 0 {
		var chunk [3]byte
		n := copy(chunk[:], b)
		b = b[n:]
		v := uint(chunk[0])<<16 | uint(chunk[1])<<8 | uint(chunk[2])
		for i := 0; i < 4; i++ {
			if i <= n {
				out.WriteByte(enc[v>>(18-6*i)&63])
			} else {
				out.WriteByte('=')
			}
		}
	}
	return out.String()
}

func TestNewAddressDefaults(t *testing.T) {
	c := estest.New(t, estest.Config{})
	t.Setenv("ELASTICSEARCH_URL", c.URLs()[0]+"/")
	res, err := get(t, mustNew(t, Config{}), "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if len(c.Node(0).Requests()) != 1 {
		t.Fatal("ELASTICSEARCH_URL was not used")
	}

	t.Setenv("ELASTICSEARCH_URL", "http://127.0.0.1:1,not-a-url")
	if _, err := New(Config{}); err == nil || !strings.Contains(err.Error(), "ELASTICSEARCH_URL[1]") {
		t.Fatalf("error %v, want one naming ELASTICSEARCH_URL[1]", err)
	}
	t.Setenv("ELASTICSEARCH_URL", "")
	tr := mustNew(t, Config{})
	if got := tr.Pool().Status()[0].Node.String(); got != "http://localhost:9200" {
		t.Fatalf("default address %q, want http://localhost:9200", got)
	}
}

func TestFailoverWithOneNodeKilled(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 3})
	tr := mustNew(t, Config{Addresses: c.URLs()})
	c.Node(1).Kill()
	const workers, each = 8, 250
	var mu sync.Mutex
	var failures []error
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				res, err := get(t, tr, "/")
				if err == nil {
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != 200 {
						err = fmt.Errorf("status %d", res.StatusCode)
					}
				}
				if err != nil {
					mu.Lock()
					failures = append(failures, err)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d of %d GETs failed with a node killed, first: %v", len(failures), workers*each, failures[0])
	}
	served := len(c.Node(0).Requests()) + len(c.Node(2).Requests())
	if served != workers*each {
		t.Errorf("live nodes served %d requests, want %d", served, workers*each)
	}
}

func TestSniffOnStart(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 3, NodeConfigs: []estest.NodeConfig{
		{Roles: []string{"master"}}, {}, {},
	}})
	tr := mustNew(t, Config{Addresses: c.URLs()[:1], DiscoverNodesOnStart: true})
	var got []string
	for _, s := range tr.Pool().Status() {
		if !s.Seed { // seeds outside the sniffed set are only a fallback
			got = append(got, s.Node.String())
		}
	}
	want := []string{c.URLs()[1], c.URLs()[2]} // the dedicated master is skipped
	slices.Sort(got)
	slices.Sort(want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("pool after sniffing %v, want %v", got, want)
	}
}

// The sniffer's requests pass through Config.AttemptMiddleware, as every
// attempt does: a signer signs them.
func TestSniffThroughAttemptMiddleware(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 2})
	var mu sync.Mutex
	var paths []string
	mustNew(t, Config{
		Addresses:            c.URLs()[:1],
		DiscoverNodesOnStart: true,
		AttemptMiddleware: []rt.Middleware{func(next http.RoundTripper) http.RoundTripper {
			return rt.Func(func(req *http.Request) (*http.Response, error) {
				mu.Lock()
				paths = append(paths, req.URL.Path)
				mu.Unlock()
				return next.RoundTrip(req)
			})
		}},
	})
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(paths, []string{"/_nodes/http"}) {
		t.Errorf("the attempt middleware saw %q, want the sniff of /_nodes/http", paths)
	}
}

func TestCloseStopsDiscovery(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 2})
	before := runtime.NumGoroutine()
	tr, err := New(Config{Addresses: c.URLs(), DiscoverNodesOnStart: true, DiscoverNodesInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	res, err := get(t, tr, "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	tr.Close()
	tr.Close()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after Close, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
	if _, err := get(t, tr, "/"); !errors.Is(err, ErrClosed) {
		t.Fatalf("RoundTrip after Close: %v, want ErrClosed", err)
	}
}

func TestConformance(t *testing.T) {
	rttest.Run(t, func(next http.RoundTripper) http.RoundTripper {
		tr, err := New(Config{Addresses: []string{"http://127.0.0.1:9200"}, Transport: next, RetryBackoff: func(int) time.Duration { return 0 }})
		if err != nil {
			panic(err)
		}
		return tr
	})
}

func TestTLS(t *testing.T) {
	c := estest.New(t, estest.Config{TLS: true})
	url := c.URLs()[0]
	withColons := strings.ToUpper(colons(c.CAFingerprint()))
	wrong := strings.Repeat("ab", 32)
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{"no CA: verification fails", Config{}, true},
		{"CACert", Config{CACert: c.CACertPEM()}, false},
		{"CA fingerprint", Config{CertificateFingerprint: c.CAFingerprint()}, false},
		{"CA fingerprint with colons", Config{CertificateFingerprint: withColons}, false},
		{"leaf fingerprint", Config{CertificateFingerprint: c.CertFingerprint()}, false},
		{"wrong fingerprint", Config{CertificateFingerprint: wrong}, true},
		{"CACert and wrong fingerprint", Config{CACert: c.CACertPEM(), CertificateFingerprint: wrong}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Addresses = []string{url}
			tt.cfg.DisableRetry = true
			res, err := get(t, mustNew(t, tt.cfg), "/")
			if tt.wantErr {
				if err == nil {
					res.Body.Close()
					t.Fatal("request succeeded; want a TLS verification error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.TLS == nil {
				t.Fatal("response did not come over TLS")
			}
		})
	}
}

func colons(hexFP string) string {
	var parts []string
	for i := 0; i < len(hexFP); i += 2 {
		parts = append(parts, hexFP[i:i+2])
	}
	return strings.Join(parts, ":")
}

// An https:// address never produces a plaintext request: against a plain
// listener, the TLS handshake fails and the server sees no HTTP request.
func TestHTTPSNeverPlaintext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	first := make(chan []byte, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 5)
		n, _ := io.ReadFull(conn, buf)
		first <- buf[:n]
	}()
	tr := mustNew(t, Config{Addresses: []string{"https://" + ln.Addr().String()}, DisableRetry: true})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://es/_search", nil)
	if res, err := tr.RoundTrip(req); err == nil {
		res.Body.Close()
		t.Fatal("request to a plain listener succeeded over https")
	}
	got := <-first
	if len(got) == 0 || got[0] != 0x16 { // a TLS handshake record
		t.Fatalf("server received %q, want a TLS handshake", got)
	}
}

func TestAuthEndToEnd(t *testing.T) {
	c := estest.New(t, estest.Config{Username: "elastic", Password: "s3cret", APIKey: b64("id:key"), BearerToken: "tok"})
	host := strings.TrimPrefix(c.URLs()[0], "http://")
	tests := []struct {
		name string
		cfg  Config
		want int
	}{
		{"basic", Config{Username: "elastic", Password: "s3cret"}, 200},
		{"userinfo", Config{Addresses: []string{"http://elastic:s3cret@" + host}}, 200},
		{"userinfo with an empty password", Config{Addresses: []string{"http://elastic:@" + host}}, 401},
		{"api key id:key", Config{APIKey: "id:key"}, 200},
		{"service token", Config{ServiceToken: "tok"}, 200},
		{"wrong password", Config{Username: "elastic", Password: "nope"}, 401},
		{"none", Config{}, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.cfg.Addresses == nil {
				tt.cfg.Addresses = c.URLs()
			}
			res, err := get(t, mustNew(t, tt.cfg), "/")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.want)
			}
		})
	}
}

func TestGzipRetriedDecodesOnEveryAttempt(t *testing.T) {
	c := estest.New(t, estest.Config{})
	tr := mustNew(t, Config{Addresses: c.URLs(), CompressRequestBody: true, RetryBackoff: func(int) time.Duration { return 0 }})
	c.Node(0).FailNext(2, estest.Failure{Status: 503})
	body := bytes.Repeat([]byte(`{"query":{"match":{"title":"search"}}}`), 100)
	req, _ := http.NewRequest("POST", "http://es/books/_search", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	sum := sha256.Sum256(body)
	logs := c.Node(0).Requests()
	if len(logs) != 3 {
		t.Fatalf("%d attempts, want 3", len(logs))
	}
	for i, r := range logs {
		if r.Header.Get("Content-Encoding") != "gzip" || r.DecodedSHA256 != hex.EncodeToString(sum[:]) || r.BodySize >= len(body) {
			t.Errorf("attempt %d: encoding %q, %d bytes on the wire, decoded body differs: %v",
				i+1, r.Header.Get("Content-Encoding"), r.BodySize, r.DecodedSHA256 != hex.EncodeToString(sum[:]))
		}
	}
}

func TestProductCheckEndToEnd(t *testing.T) {
	es := estest.New(t, estest.Config{})
	os := estest.New(t, estest.Config{Product: estest.OpenSearch})
	tests := []struct {
		name    string
		url     string
		check   bool
		wantErr bool
	}{
		{"elasticsearch, check on", es.URLs()[0], true, false},
		{"opensearch, check on", os.URLs()[0], true, true},
		{"elasticsearch, check off", es.URLs()[0], false, false},
		{"opensearch, check off", os.URLs()[0], false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := get(t, mustNew(t, Config{Addresses: []string{tt.url}, Protocol: ProtocolConfig{ProductCheck: tt.check}}), "/")
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil {
				res.Body.Close()
			}
		})
	}
}

func TestPlaintextCredentialsWarning(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	// A non-loopback address that answers through a stub base transport.
	base := rt.Func(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}, Request: req}, nil
	})
	tr := mustNew(t, Config{Addresses: []string{"http://es.example.com:9200"}, APIKey: "id:key", Transport: base, Logger: logger})
	for range 3 {
		res, err := get(t, tr, "/")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	if n := strings.Count(logs.String(), "plain http"); n != 1 {
		t.Fatalf("%d warnings, want 1:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), b64("id:key")) {
		t.Fatal("the warning reveals the API key")
	}
}

func TestWireOptionsThroughNew(t *testing.T) {
	c := estest.New(t, estest.Config{})
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	tr := mustNew(t, Config{
		Addresses: c.URLs(),
		Logger:    logger,
		Logging:   LoggingConfig{Curl: true},
		Protocol:  ProtocolConfig{SendGetBodyAs: "post"},
		Limits:    LimitsConfig{Response: middleware.SizeLimitConfig{MaxSize: 200}},
	})

	// GET with a body goes out as POST, and the request is logged with a
	// curl command.
	req, _ := http.NewRequest("GET", "http://es/_search", strings.NewReader(`{"size":0}`))
	req.Header.Set("Content-Type", "application/json")
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	drainClose(res)
	if got := c.Node(0).Requests()[0].Method; got != "POST" {
		t.Errorf("GET with a body went out as %s", got)
	}
	for _, want := range []string{`msg="esrt: request"`, "status=200", `msg="esrt: curl"`, `{\"size\":0}`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs.String())
		}
	}

	// A body over Limits.Response.MaxSize is an error, not a truncated body.
	res, err = get(t, tr, "/_nodes/http")
	if err == nil {
		_, err = io.ReadAll(res.Body)
		res.Body.Close()
	}
	if !errors.Is(err, rt.ErrResponseTooLarge) {
		t.Fatalf("reading a large body: %v, want ErrResponseTooLarge", err)
	}
}

// recorder is a base transport that keeps what it was sent.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
}

func TestCloudIDImpliesHTTPSAndCompression(t *testing.T) {
	base := &recorder{}
	id := "prod:" + b64("eu-west-1.aws.found.io$0123abc$kibana")
	tr := mustNew(t, Config{CloudID: id, APIKey: "id:key", Transport: base})
	req, _ := http.NewRequest("POST", "http://es/logs/_search", strings.NewReader(`{"query":{"match_all":{}}}`))
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	sent := base.reqs[0]
	if got := sent.URL.Scheme + "://" + sent.URL.Host; got != "https://0123abc.eu-west-1.aws.found.io" {
		t.Errorf("sent to %s", got)
	}
	if sent.Header.Get("Content-Encoding") != "gzip" {
		t.Error("Cloud ID did not turn request compression on")
	}
}

func TestCompatibilityModeFromEnvironment(t *testing.T) {
	for _, tt := range []struct {
		env, want string
	}{
		{"true", "application/vnd.elasticsearch+json; compatible-with=8"},
		{"TRUE", "application/vnd.elasticsearch+json; compatible-with=8"},
		{"false", ""},
		{"", ""},
	} {
		t.Run("env="+tt.env, func(t *testing.T) {
			t.Setenv("ELASTIC_CLIENT_APIVERSIONING", tt.env)
			base := &recorder{}
			res, err := get(t, mustNew(t, Config{Transport: base}), "/")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if got := base.reqs[0].Header.Get("Accept"); got != tt.want {
				t.Errorf("Accept = %q, want %q", got, tt.want)
			}
		})
	}
}

// countingCtx counts the lookups that reach it, the root of a request's
// context: a lookup of a key nobody set walks the whole context to its
// root, once per layer, which costs on every request made while serving
// another (a context many layers deep).
type countingCtx struct {
	context.Context
	n atomic.Int64
}

func (c *countingCtx) Value(key any) any {
	c.n.Add(1)
	return c.Context.Value(key)
}

// TestDefaultChainContextLookups pins how often the default chain walks
// the caller's context for per-request options: once per middleware that
// reads any (internal/options.From), not once per option.
func TestDefaultChainContextLookups(t *testing.T) {
	const want = 6 // request timeout, headers, auth, retry, routing, attempt timeout
	tr := mustNew(t, Config{Addresses: []string{"http://a:9200", "http://b:9200"}, Transport: &recorder{}})
	root := &countingCtx{Context: context.Background()}
	req, err := http.NewRequestWithContext(root, "GET", "/products/_search", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := root.n.Load(); got > want {
		t.Errorf("one request looked up its context's root %d times, want at most %d", got, want)
	}
}

// sight is what a middleware saw of one request it passed on.
type sight struct {
	host, encoding string
	status         int
	err            error
}

// watch returns a middleware that appends what it sees to *log.
func watch(mu *sync.Mutex, log *[]sight) rt.Middleware {
	return func(next http.RoundTripper) http.RoundTripper {
		return rt.Func(func(req *http.Request) (*http.Response, error) {
			s := sight{host: req.URL.Host, encoding: req.Header.Get("Content-Encoding")}
			res, err := next.RoundTrip(req)
			if res != nil {
				s.status = res.StatusCode
			}
			s.err = err
			mu.Lock()
			*log = append(*log, s)
			mu.Unlock()
			return res, err
		})
	}
}

// Config.Middleware sees each call once, as the caller sent it;
// Config.AttemptMiddleware sees every attempt as it goes to a node, with
// the compressed body.
func TestCallerMiddlewarePositions(t *testing.T) {
	c := estest.New(t, estest.Config{})
	node := c.Node(0)
	var mu sync.Mutex
	var calls, attempts []sight
	tr := mustNew(t, Config{
		Addresses:           c.URLs(),
		CompressRequestBody: true,
		RetryBackoff:        func(int) time.Duration { return 0 },
		Middleware:          []rt.Middleware{nil, watch(&mu, &calls)},
		AttemptMiddleware:   []rt.Middleware{watch(&mu, &attempts), nil},
	})
	node.FailNext(1, estest.Failure{Status: 503})
	req, _ := http.NewRequest("POST", "http://es/_search", strings.NewReader(`{"query":{"match_all":{}}}`))
	req.Header.Set("Content-Type", "application/json")
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	drainClose(res)

	host := strings.TrimPrefix(c.URLs()[0], "http://")
	wantCalls := []sight{{host: "es", status: 200}}
	wantAttempts := []sight{{host: host, encoding: "gzip", status: 503}, {host: host, encoding: "gzip", status: 200}}
	if !slices.Equal(calls, wantCalls) {
		t.Errorf("Middleware saw %+v, want %+v", calls, wantCalls)
	}
	if !slices.Equal(attempts, wantAttempts) {
		t.Errorf("AttemptMiddleware saw %+v, want %+v", attempts, wantAttempts)
	}
}

// An attempt middleware's *rt.LocalError (a signer without credentials)
// fails the request after one attempt and leaves the node healthy.
func TestAttemptMiddlewareLocalError(t *testing.T) {
	c := estest.New(t, estest.Config{})
	noCreds := errors.New("no credentials")
	var sent atomic.Int32
	tr := mustNew(t, Config{
		Addresses: c.URLs(),
		AttemptMiddleware: []rt.Middleware{func(next http.RoundTripper) http.RoundTripper {
			return rt.Func(func(req *http.Request) (*http.Response, error) {
				sent.Add(1)
				if req.Body != nil {
					req.Body.Close()
				}
				return nil, &rt.LocalError{Err: noCreds}
			})
		}},
	})
	for range 10 {
		_, err := get(t, tr, "/_search")
		var le *rt.LocalError
		if !errors.As(err, &le) || !errors.Is(err, noCreds) {
			t.Fatalf("err = %v, want an *rt.LocalError wrapping %v", err, noCreds)
		}
	}
	if n := sent.Load(); n != 10 {
		t.Errorf("10 requests made %d attempts, want 10: a local error is not retried", n)
	}
	for _, s := range tr.Pool().Status() {
		if s.Dead || s.Failures != 0 {
			t.Errorf("node %s: dead %v, %d failures after local errors only", s.Node, s.Dead, s.Failures)
		}
	}
	if len(c.Node(0).Requests()) != 0 {
		t.Errorf("the node received %d requests", len(c.Node(0).Requests()))
	}
}
