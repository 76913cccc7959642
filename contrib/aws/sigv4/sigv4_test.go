package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/rt/rttest"
)

var (
	testCreds = aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	testTime  = time.Date(2026, 11, 23, 12, 36, 0, 0, time.UTC)
)

// countingProvider counts its Retrieve calls.
type countingProvider struct {
	creds aws.Credentials
	err   error
	calls atomic.Int32
}

func (p *countingProvider) Retrieve(context.Context) (aws.Credentials, error) {
	p.calls.Add(1)
	return p.creds, p.err
}

func testConfig(service string) Config {
	return Config{
		Credentials: &countingProvider{creds: testCreds},
		Region:      "eu-west-1",
		Service:     service,
		Now:         func() time.Time { return testTime },
	}
}

func mustNew(t *testing.T, cfg Config) rt.Middleware {
	t.Helper()
	mw, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return mw
}

func TestConformance(t *testing.T) {
	rttest.Run(t, mustNew(t, testConfig("")))
	rttest.Run(t, mustNew(t, testConfig(ServiceServerless)))
}

func TestConfigErrors(t *testing.T) {
	good := testConfig("")
	for _, tc := range []struct {
		name, field string
		change      func(*Config)
	}{
		{"no credentials", "Credentials", func(c *Config) { c.Credentials = nil }},
		{"no region", "Region", func(c *Config) { c.Region = "" }},
		{"bad service", "Service", func(c *Config) { c.Service = "Open Search" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.change(&cfg)
			_, err := New(cfg)
			var ce *rt.ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field || !errors.Is(err, rt.ErrInvalidConfig) {
				t.Fatalf("New: %v, want a *rt.ConfigError for %s", err, tc.field)
			}

			// Middleware has no error to return: every request fails
			// before anything is sent, and its body is closed.
			var sent atomic.Int32
			tr := Middleware(cfg)(rt.Func(func(*http.Request) (*http.Response, error) {
				sent.Add(1)
				return nil, errors.New("sent")
			}))
			body := &closeCounter{Reader: strings.NewReader("{}")}
			req, _ := http.NewRequest("POST", "https://es.example.com/_search", body)
			_, err = tr.RoundTrip(req)
			var le *rt.LocalError
			if !errors.As(err, &le) || !errors.As(err, &ce) || ce.Field != tc.field {
				t.Fatalf("RoundTrip: %v, want an *rt.LocalError wrapping the *rt.ConfigError", err)
			}
			if sent.Load() != 0 || body.closes.Load() != 1 {
				t.Errorf("sent %d requests, closed the body %d times; want 0 and 1", sent.Load(), body.closes.Load())
			}
		})
	}
}

type closeCounter struct {
	io.Reader
	closes atomic.Int32
}

func (c *closeCounter) Close() error { c.closes.Add(1); return nil }

// capture is a base that keeps the requests it was sent, with their bodies.
type capture struct {
	mu     sync.Mutex
	reqs   []*http.Request
	bodies [][]byte
}

func (c *capture) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	c.mu.Lock()
	c.reqs = append(c.reqs, req)
	c.bodies = append(c.bodies, body)
	c.mu.Unlock()
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
}

func hashOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// The payload's hash is signed, read without consuming a body that has
// GetBody, and the body sent is the caller's, byte for byte.
func TestPayload(t *testing.T) {
	const doc = `{"title":"signed"}`
	for _, tc := range []struct {
		name    string
		body    func() io.Reader
		noGet   bool // drop GetBody, as a streamed body has none
		service string
	}{
		{"no body", func() io.Reader { return nil }, false, ""},
		{"GetBody", func() io.Reader { return strings.NewReader(doc) }, false, ""},
		{"no GetBody", func() io.Reader { return strings.NewReader(doc) }, true, ""},
		{"GetBody, unknown length", func() io.Reader { return strings.NewReader(doc) }, false, ""},
		{"empty, no GetBody", func() io.Reader { return strings.NewReader("") }, true, ""},
		{"serverless", func() io.Reader { return strings.NewReader(doc) }, true, ServiceServerless},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := &capture{}
			tr := mustNew(t, testConfig(tc.service))(base)
			req, _ := http.NewRequest("PUT", "https://es.example.com/books/_doc/1", tc.body())
			if tc.noGet {
				req.GetBody = nil
				req.ContentLength = -1
			}
			if strings.Contains(tc.name, "unknown length") {
				req.ContentLength = 0 // with a body: unknown
			}
			req.Header.Set("Content-Type", "application/json")
			callerHeader := req.Header.Clone()
			res, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			sent, body := base.reqs[0], base.bodies[0]
			wantBody, _ := io.ReadAll(orEmpty(tc.body()))
			if !bytes.Equal(body, wantBody) {
				t.Errorf("sent body %q, want %q", body, wantBody)
			}
			if err := verify(sent, body, tc.service); err != nil {
				t.Error(err)
			}
			if got := sent.Header.Get("X-Amz-Content-Sha256"); got != hashOf(wantBody) {
				t.Errorf("X-Amz-Content-Sha256 = %q, want the body's hash %s", got, hashOf(wantBody))
			}
			if !strings.Contains(sent.Header.Get("Authorization"), "x-amz-content-sha256") {
				t.Errorf("X-Amz-Content-Sha256 is not signed: %s", sent.Header.Get("Authorization"))
			}
			if fmt.Sprint(req.Header) != fmt.Sprint(callerHeader) {
				t.Errorf("the caller's header changed: %v, was %v", req.Header, callerHeader)
			}
		})
	}
}

func orEmpty(r io.Reader) io.Reader {
	if r == nil {
		return strings.NewReader("")
	}
	return r
}

// verify checks the signature of r, a request as it went out (or as a
// server received it) with body: it signs again, with the SDK's signer, a
// request made of r's method, host, URI and the headers r's signature
// names, and compares the two. The signature must cover host and
// x-amz-date, and content-length when the body is not empty.
func verify(r *http.Request, body []byte, service string) error {
	if service == "" {
		service = ServiceOpenSearch
	}
	auth := r.Header.Get("Authorization")
	const algorithm = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(auth, algorithm) {
		return fmt.Errorf("Authorization %q is not a SigV4 signature", auth)
	}
	fields := map[string]string{}
	for _, f := range strings.Split(strings.TrimPrefix(auth, algorithm), ", ") {
		k, v, _ := strings.Cut(f, "=")
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 || scope[0] != testCreds.AccessKeyID || scope[3] != service || scope[4] != "aws4_request" {
		return fmt.Errorf("credential scope %q", fields["Credential"])
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	must := []string{"host", "x-amz-date"}
	if len(body) > 0 {
		must = append(must, "content-length")
	}
	for _, h := range must {
		if !slices.Contains(signed, h) {
			return fmt.Errorf("SignedHeaders %q lack %s", fields["SignedHeaders"], h)
		}
	}
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return fmt.Errorf("X-Amz-Date: %v", err)
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	uri := r.RequestURI // as received by a server
	if uri == "" {
		uri = r.URL.RequestURI()
	}
	again, err := http.NewRequest(r.Method, "http://"+host+uri, nil)
	if err != nil {
		return err
	}
	for _, h := range signed {
		switch h {
		case "host":
		case "content-length":
			again.ContentLength = int64(len(body))
		default:
			again.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), testCreds, again, hashOf(body), service, scope[2], at); err != nil {
		return err
	}
	if got := again.Header.Get("Authorization"); got != auth {
		return fmt.Errorf("signature does not match what was sent:\n sent     %s\n expected %s", auth, got)
	}
	return nil
}

// Through esrt's default chain to a loopback server that checks every
// signature against what it received: escaped paths, queries, compressed
// bodies, and a retry signed again at its own time.
func TestEndToEnd(t *testing.T) {
	for _, service := range []string{ServiceOpenSearch, ServiceServerless} {
		t.Run(service, func(t *testing.T) {
			var mu sync.Mutex
			var problems []string
			dates := map[string][]string{} // X-Amz-Date per request id
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				err := verify(r, body, service)
				if err == nil && service == ServiceServerless && r.Header.Get("X-Amz-Content-Sha256") != hashOf(body) {
					err = fmt.Errorf("X-Amz-Content-Sha256 %q is not the body's hash", r.Header.Get("X-Amz-Content-Sha256"))
				}
				id := r.Header.Get("X-Opaque-Id")
				mu.Lock()
				if err != nil {
					problems = append(problems, fmt.Sprintf("%s %s: %v", r.Method, r.RequestURI, err))
				}
				dates[id] = append(dates[id], r.Header.Get("X-Amz-Date"))
				first := len(dates[id]) == 1
				mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				if id == "retried" && first {
					w.WriteHeader(http.StatusServiceUnavailable)
				}
				io.WriteString(w, "{}")
			}))
			defer srv.Close()

			var clock atomic.Int64
			cfg := testConfig(service)
			cfg.Now = func() time.Time { return testTime.Add(time.Duration(clock.Add(1)) * time.Second) }
			tr, err := esrt.New(esrt.Config{
				Addresses:           []string{srv.URL},
				CompressRequestBody: true,
				RetryBackoff:        func(int) time.Duration { return 0 },
				AttemptMiddleware:   []rt.Middleware{mustNew(t, cfg)},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()

			search := `{"query":{"term":{"user.id":"kimchy"}}}`
			bulk := "{\"index\":{\"_index\":\"logs\",\"_id\":\"1\"}}\n{\"msg\":\"a b\"}\n"
			for _, tc := range []struct {
				id, method, path, body string
			}{
				{"health", "GET", "/_cluster/health", ""},
				{"head", "HEAD", "/books", ""},
				{"query", "GET", "/logs/_search?q=user.id:kimchy&filter_path=hits.hits._id,hits.total&size=5", search},
				{"space", "PUT", "/books/_doc/" + url.PathEscape("a b"), `{"t":1}`},
				{"slash plus star", "PUT", "/books/_doc/" + url.PathEscape("x/y+z*"), `{"t":2}`},
				{"date math", "POST", "/" + url.PathEscape("<logs-{now/d}>") + "/_search", search},
				{"unicode", "GET", "/books/_doc/" + url.PathEscape("café"), ""},
				{"bulk", "POST", "/_bulk?refresh=wait_for", bulk},
				{"retried", "POST", "/logs/_search", search},
			} {
				var body io.Reader
				if tc.body != "" {
					body = strings.NewReader(tc.body)
				}
				req, err := http.NewRequest(tc.method, "http://es"+tc.path, body)
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Opaque-Id", tc.id)
				res, err := tr.RoundTrip(req)
				if err != nil {
					t.Fatalf("%s: %v", tc.id, err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					t.Errorf("%s: status %d", tc.id, res.StatusCode)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			for _, p := range problems {
				t.Error(p)
			}
			if d := dates["retried"]; len(d) != 2 || d[0] == d[1] {
				t.Errorf("the retried request was signed at %v, want two attempts signed at different times", d)
			}
		})
	}
}

// What is sent is what is signed, for paths and queries that need care, and
// the caller's request is left as it was.
func TestPathsAndQueries(t *testing.T) {
	for _, tc := range []struct {
		name, target, wantURI string
	}{
		{"escaped slash kept", "/books/_doc/a%2Fb", "/books/_doc/a%2Fb"},
		{"date math", "/%3Clogs-%7Bnow%2Fd%7D%3E/_search", "/%3Clogs-%7Bnow%2Fd%7D%3E/_search"},
		{"dot segments sent as they are", "/books/./_search", "/books/./_search"},
		{"empty segments sent as they are", "/books//_search", "/books//_search"},
		{"query made canonical", "/_search?q=a+b&size=5&filter_path=hits.hits._id,took", "/_search?filter_path=hits.hits._id%2Ctook&q=a%20b&size=5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := &capture{}
			tr := mustNew(t, testConfig(""))(base)
			req, err := http.NewRequest("GET", "https://es.example.com"+tc.target, nil)
			if err != nil {
				t.Fatal(err)
			}
			before := req.URL.String()
			res, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			sent := base.reqs[0]
			if got := sent.URL.RequestURI(); got != tc.wantURI {
				t.Errorf("sent %s, want %s", got, tc.wantURI)
			}
			if req.URL.String() != before {
				t.Errorf("the caller's URL changed to %s", req.URL)
			}
			if err := verify(sent, nil, ""); err != nil && !strings.Contains(tc.name, "segments") {
				t.Error(err)
			}
		})
	}
}

// A path with dot or empty segments is signed normalized, as AWS computes
// it for every service but S3, and sent as it is.
func TestNormalizedSigningPath(t *testing.T) {
	sign := func(target string) string {
		base := &capture{}
		req, _ := http.NewRequest("GET", "https://es.example.com"+target, nil)
		res, err := mustNew(t, testConfig(""))(base).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return base.reqs[0].Header.Get("Authorization")
	}
	clean := sign("/books/_search/")
	for _, target := range []string{"/books//_search/", "//books/./_search/", "/books/x/../_search/", "/books/_search/."} {
		if got := sign(target); got != clean {
			t.Errorf("%s signed as %s, want it signed as /books/_search/: %s", target, got, clean)
		}
	}
	if sign("/books/_search") == clean {
		t.Error("a trailing slash made no difference to the signature")
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"/":                "/",
		"":                 "",
		"/a/b":             "/a/b",
		"//a//b//":         "/a/b/",
		"/a/./b/../c":      "/a/c",
		"/a/b/..":          "/a/",
		"/..":              "/",
		"/a/%2E%2E/b":      "/a/%2E%2E/b",
		"/a%2F../b":        "/a%2F../b", // an escaped slash separates nothing
		"/example/.":       "/example/",
		"/example/./":      "/example/",
		"/./example/../..": "/",
	} {
		if got := normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

// Temporary credentials: the session token is sent and signed; a stale
// one on the caller's request is replaced.
func TestSessionToken(t *testing.T) {
	cfg := testConfig("")
	creds := testCreds
	creds.SessionToken = "token-now"
	cfg.Credentials = &countingProvider{creds: creds}
	base := &capture{}
	req, _ := http.NewRequest("GET", "https://es.example.com/_search", nil)
	req.Header.Set("X-Amz-Security-Token", "token-before")
	res, err := mustNew(t, cfg)(base).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	sent := base.reqs[0]
	if got := sent.Header.Values("X-Amz-Security-Token"); !slices.Equal(got, []string{"token-now"}) {
		t.Errorf("X-Amz-Security-Token = %q", got)
	}
	if !strings.Contains(sent.Header.Get("Authorization"), "x-amz-security-token") {
		t.Errorf("the token is not signed: %s", sent.Header.Get("Authorization"))
	}
	if got := req.Header.Get("X-Amz-Security-Token"); got != "token-before" {
		t.Errorf("the caller's header became %q", got)
	}
}

// Credentials come from a cache, not from the provider per request, and a
// provider's failure is a local error that sends nothing and names no secret.
func TestCredentials(t *testing.T) {
	p := &countingProvider{creds: testCreds}
	cfg := testConfig("")
	cfg.Credentials = p
	base := &capture{}
	tr := mustNew(t, cfg)(base)
	for range 20 {
		req, _ := http.NewRequest("GET", "https://es.example.com/_search", nil)
		res, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	if n := p.calls.Load(); n != 1 {
		t.Errorf("20 requests retrieved credentials %d times, want 1 (cached)", n)
	}

	failing := &countingProvider{err: errors.New("no EC2 IMDS role found")}
	cfg.Credentials = failing
	base = &capture{}
	body := &closeCounter{Reader: strings.NewReader(`{"a":1}`)}
	req, _ := http.NewRequest("POST", "https://es.example.com/_search", body)
	_, err := mustNew(t, cfg)(base).RoundTrip(req)
	var le *rt.LocalError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "no EC2 IMDS role found") {
		t.Fatalf("err = %v, want an *rt.LocalError with the provider's reason", err)
	}
	if len(base.reqs) != 0 || body.closes.Load() != 1 {
		t.Errorf("sent %d requests, closed the body %d times; want 0 and 1", len(base.reqs), body.closes.Load())
	}
	if strings.Contains(err.Error(), testCreds.SecretAccessKey) {
		t.Errorf("the error shows the secret key: %v", err)
	}
}

// A request that carries its own Authorization (basic auth or an API key
// configured besides signing) is refused rather than silently re-signed.
func TestAuthorizationRefused(t *testing.T) {
	base := &capture{}
	req, _ := http.NewRequest("GET", "https://es.example.com/_search", nil)
	req.SetBasicAuth("elastic", "changeme")
	_, err := mustNew(t, testConfig(""))(base).RoundTrip(req)
	var le *rt.LocalError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "Authorization") {
		t.Fatalf("err = %v, want an *rt.LocalError about the Authorization header", err)
	}
	if strings.Contains(err.Error(), "changeme") || strings.Contains(err.Error(), "ZWxhc3RpYzpjaGFuZ2VtZQ") {
		t.Errorf("the error shows the credentials: %v", err)
	}
	if len(base.reqs) != 0 {
		t.Error("the request was sent")
	}
}

func TestInvalidQueryRefused(t *testing.T) {
	base := &capture{}
	req, _ := http.NewRequest("GET", "https://es.example.com/_search?q=a;b", nil)
	_, err := mustNew(t, testConfig(""))(base).RoundTrip(req)
	var le *rt.LocalError
	if !errors.As(err, &le) || len(base.reqs) != 0 {
		t.Fatalf("err = %v with %d requests sent; want an *rt.LocalError and nothing sent (the signer would drop q)", err, len(base.reqs))
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk gone") }

// A body that cannot be read to be hashed: a local error, nothing sent, the
// body closed once.
func TestUnreadableBody(t *testing.T) {
	base := &capture{}
	body := &closeCounter{Reader: io.MultiReader(strings.NewReader(`{"a":`), failingReader{})}
	req, _ := http.NewRequest("POST", "https://es.example.com/_bulk", body)
	_, err := mustNew(t, testConfig(""))(base).RoundTrip(req)
	var le *rt.LocalError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "disk gone") {
		t.Fatalf("err = %v, want an *rt.LocalError with the read error", err)
	}
	if len(base.reqs) != 0 || body.closes.Load() != 1 {
		t.Errorf("sent %d requests, closed the body %d times; want 0 and 1", len(base.reqs), body.closes.Load())
	}
}
