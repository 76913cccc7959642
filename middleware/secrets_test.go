package middleware

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

// secretsCredential is one way a credential reaches the chain, and the
// strings that must never be written because of it.
type secretsCredential struct {
	name     string
	auth     AuthConfig    // static credentials of the Auth middleware
	seedUser *url.Userinfo // userinfo of the pool's nodes, as esrt.New keeps it from Addresses
	userinfo *url.Userinfo // userinfo of the request URL
	ctxAuth  rt.Auth       // rt.WithAuth
	header   string        // the caller's own Authorization header
	wantAuth string        // the Authorization header the node must get
	secrets  []string      // never in a log line or an error string
}

func secretsB64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func secretsBasic(user, password string) []string {
	return []string{secretsB64(user + ":" + password), user + ":" + password}
}

func secretsCredentials() []secretsCredential {
	encoded := secretsB64("kid-Enc:key-Enc-55aa")
	creds := []secretsCredential{
		{name: "basic", auth: AuthConfig{Username: "user-basic", Password: "pw-Basic-7f3a"},
			wantAuth: "Basic " + secretsB64("user-basic:pw-Basic-7f3a"),
			secrets:  append(secretsBasic("user-basic", "pw-Basic-7f3a"), "pw-Basic-7f3a")},
		{name: "basic, empty password", auth: AuthConfig{Username: "tok-EmptyPw-91c2"},
			wantAuth: "Basic " + secretsB64("tok-EmptyPw-91c2:"),
			secrets:  secretsBasic("tok-EmptyPw-91c2", "")},
		{name: "API key, encoded", auth: AuthConfig{APIKey: encoded},
			wantAuth: "ApiKey " + encoded,
			secrets:  []string{encoded, "key-Enc-55aa"}},
		{name: "API key, id:key", auth: AuthConfig{APIKey: "kid-Raw:key-Raw-66bb"},
			wantAuth: "ApiKey " + secretsB64("kid-Raw:key-Raw-66bb"),
			secrets:  []string{secretsB64("kid-Raw:key-Raw-66bb"), "key-Raw-66bb"}},
		{name: "service token", auth: AuthConfig{ServiceToken: "svc-Token-77cc"},
			wantAuth: "Bearer svc-Token-77cc",
			secrets:  []string{"svc-Token-77cc"}},
		{name: "request URL userinfo", userinfo: url.UserPassword("url-user", "pw-Url-88dd"),
			wantAuth: "Basic " + secretsB64("url-user:pw-Url-88dd"),
			secrets:  append(secretsBasic("url-user", "pw-Url-88dd"), "pw-Url-88dd", "url-user@")},
		{name: "request URL userinfo, user only", userinfo: url.User("tok-UrlOnly-99ee"),
			wantAuth: "Basic " + secretsB64("tok-UrlOnly-99ee:"),
			secrets:  append(secretsBasic("tok-UrlOnly-99ee", ""), "tok-UrlOnly-99ee@")},
		{name: "node userinfo", seedUser: url.UserPassword("seed-user", "pw-Seed-bb22"),
			wantAuth: "Basic " + secretsB64("seed-user:pw-Seed-bb22"),
			secrets:  append(secretsBasic("seed-user", "pw-Seed-bb22"), "pw-Seed-bb22")},
		{name: "node userinfo, user only", seedUser: url.User("tok-SeedOnly-cc33"),
			wantAuth: "Basic " + secretsB64("tok-SeedOnly-cc33:"),
			secrets:  append(secretsBasic("tok-SeedOnly-cc33", ""), "tok-SeedOnly-cc33@")},
		{name: "per-request basic", ctxAuth: rt.BasicAuth("ctx-user", "pw-Ctx-dd44"),
			wantAuth: "Basic " + secretsB64("ctx-user:pw-Ctx-dd44"),
			secrets:  append(secretsBasic("ctx-user", "pw-Ctx-dd44"), "pw-Ctx-dd44")},
		{name: "per-request API key", ctxAuth: rt.APIKeyAuth("kid-Ctx:key-Ctx-ee55"),
			wantAuth: "ApiKey " + secretsB64("kid-Ctx:key-Ctx-ee55"),
			secrets:  []string{secretsB64("kid-Ctx:key-Ctx-ee55"), "key-Ctx-ee55"}},
		{name: "per-request bearer", ctxAuth: rt.BearerAuth("bearer-Ctx-ff66"),
			wantAuth: "Bearer bearer-Ctx-ff66",
			secrets:  []string{"bearer-Ctx-ff66"}},
		{name: "caller's Authorization header", header: "Bearer hdr-Token-aa11",
			wantAuth: "Bearer hdr-Token-aa11",
			secrets:  []string{"hdr-Token-aa11"}},
	}
	// Where the credential under test wins over static ones, the chain
	// has static credentials too (see secretsChain): they must not leak
	// either.
	for i := range creds {
		creds[i].secrets = append(creds[i].secrets, "pw-Static-0000", secretsB64("static:pw-Static-0000"))
	}
	return creds
}

// secretsScenario is how the cluster answers.
type secretsScenario struct {
	name    string
	cfg     estest.Config
	setup   func(*estest.Cluster)
	wantErr bool // a *rt.RetryError
	status  int
}

func secretsScenarios() []secretsScenario {
	return []secretsScenario{
		{name: "ok", status: 200},
		{name: "401", cfg: estest.Config{Username: "someone-else", Password: "x"}, status: 401},
		{name: "503 retried", status: 503, setup: func(c *estest.Cluster) {
			for _, n := range c.Nodes() {
				n.SetFailFunc(func(*http.Request) *estest.Failure { return &estest.Failure{Status: 503} })
			}
		}},
		{name: "connection refused", wantErr: true, setup: func(c *estest.Cluster) {
			for _, n := range c.Nodes() {
				n.Kill()
			}
		}},
		{name: "connection reset", wantErr: true, setup: func(c *estest.Cluster) {
			for _, n := range c.Nodes() {
				n.SetResetFunc(func(*http.Request) estest.ResetMode { return estest.ResetBeforeApply })
			}
		}},
	}
}

// secretsMode is a way of logging.
type secretsMode struct {
	name    string
	curl    bool
	handler func(io.Writer) slog.Handler
}

var secretsModes = []secretsMode{
	{"request lines, text", false, func(w io.Writer) slog.Handler {
		return slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo})
	}},
	{"request lines, JSON", false, func(w io.Writer) slog.Handler {
		return slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo})
	}},
	{"curl, text", true, func(w io.Writer) slog.Handler {
		return slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})
	}},
	{"curl, JSON", true, func(w io.Writer) slog.Handler {
		return slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})
	}},
}

// secretsLog is a concurrency-safe log sink.
type secretsLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *secretsLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *secretsLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// secretsChain builds the chain esrt.New builds, less what does not touch
// credentials, plus this package's logging, size limit and GetBodyAsPost
// where the wiring proposes them: Logging, Headers, SizeLimit, Auth, Retry,
// GetBodyAsPost, routing over the cluster's nodes, the plaintext-credentials
// warning.
func secretsChain(t *testing.T, c *estest.Cluster, cred secretsCredential, logger *slog.Logger, curl bool) http.RoundTripper {
	t.Helper()
	var seeds []*rt.Node
	for _, u := range c.URLs() {
		n, err := rt.NewNode(u)
		if err != nil {
			t.Fatal(err)
		}
		n.URL.User = cred.seedUser
		seeds = append(seeds, n)
	}
	pool, err := selector.NewPool(selector.PoolConfig{Seeds: seeds, Selector: selector.RoundRobin()})
	if err != nil {
		t.Fatal(err)
	}
	retry, err := Retry(RetryConfig{MaxRetries: 2, Backoff: func(int) time.Duration { return 0 }})
	if err != nil {
		t.Fatal(err)
	}
	auth := cred.auth
	if auth == (AuthConfig{}) && cred.seedUser == nil {
		auth = AuthConfig{Username: "static", Password: "pw-Static-0000"} // loses to the credential under test
	}
	limit, err := SizeLimit(SizeLimitConfig{MaxSize: 1 << 20, MaxDecompressedSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	return rt.Chain(base,
		Logging(LoggingConfig{Logger: logger, Curl: curl, Auth: auth.CurlAuth(), Header: http.Header{"X-App": {"shop"}}}),
		Headers(HeadersConfig{Header: http.Header{"X-App": {"shop"}}}),
		limit,
		Auth(auth),
		retry,
		GetBodyAsPost(),
		selector.Middleware(pool),
		WarnPlaintextCredentials(logger),
	)
}

// TestSecretsNeverWritten sends requests with every kind of credential
// through every log mode and every kind of failure, and checks that no
// password, API key or token, nor its base64 form, appears in a log line
// or in the error the caller gets.
func TestSecretsNeverWritten(t *testing.T) {
	for _, sc := range secretsScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			cfg := sc.cfg
			cfg.Nodes = 2
			c := estest.New(t, cfg)
			if sc.setup != nil {
				sc.setup(c)
			}
			for _, cred := range secretsCredentials() {
				for _, mode := range secretsModes {
					t.Run(cred.name+"/"+mode.name, func(t *testing.T) {
						var sink secretsLog
						logger := slog.New(mode.handler(&sink))
						tr := secretsChain(t, c, cred, logger, mode.curl)

						u, _ := url.Parse("http://placeholder.invalid/_search?size=1")
						u.User = cred.userinfo
						ctx := context.Background()
						if !cred.ctxAuth.IsZero() {
							ctx = rt.WithAuth(ctx, cred.ctxAuth)
						}
						req, _ := http.NewRequestWithContext(ctx, "POST", u.String(), strings.NewReader(`{"query":{"match_all":{}}}`))
						req.Header.Set("Content-Type", "application/json")
						if cred.header != "" {
							req.Header.Set("Authorization", cred.header)
						}
						var written []string
						resp, err := tr.RoundTrip(req)
						switch {
						case sc.wantErr:
							var re *rt.RetryError
							if !errors.As(err, &re) || len(re.Attempts) != 3 {
								t.Fatalf("err = %v, want an *rt.RetryError of 3 attempts", err)
							}
							written = append(written, err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%q", err))
							for e := error(re); e != nil; e = errors.Unwrap(e) {
								written = append(written, e.Error())
							}
							for _, e := range re.Attempts {
								written = append(written, e.Error())
							}
						case err != nil:
							t.Fatal(err)
						default:
							io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
							if resp.StatusCode != sc.status {
								t.Fatalf("status %d, want %d", resp.StatusCode, sc.status)
							}
						}
						if sc.name == "ok" {
							// The credential was really sent: the check is not vacuous.
							var got []string
							for _, n := range c.Nodes() {
								for _, r := range n.Requests() {
									got = append(got, r.Header.Get("Authorization"))
								}
								n.ClearRequests()
							}
							if len(got) != 1 || got[0] != cred.wantAuth {
								t.Fatalf("the node got Authorization %q, want [%q]", got, cred.wantAuth)
							}
						}
						logs := sink.String()
						if !strings.Contains(logs, "esrt: request") || mode.curl && !strings.Contains(logs, "esrt: curl") {
							t.Fatalf("missing records:\n%s", logs)
						}
						if (sc.name == "503 retried" || sc.wantErr) && !strings.Contains(logs, "esrt: retry") {
							t.Fatalf("no retry records:\n%s", logs)
						}
						written = append(written, logs)
						for _, w := range written {
							for _, s := range cred.secrets {
								if strings.Contains(w, s) {
									t.Errorf("%q written:\n%s", s, w)
								}
							}
						}
					})
				}
			}
		})
	}
}
