package middleware

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

// curlTrace sends req through Logging with cfg (Curl on, at Debug) to a
// stub that answers respBody, reads the response, and returns the one curl
// record.
func curlTrace(t *testing.T, cfg LoggingConfig, req *http.Request, respBody string) loggingRecord {
	t.Helper()
	rec := &loggingRecorder{level: slog.LevelDebug}
	cfg.Logger, cfg.Curl, cfg.Now = slog.New(rec), true, loggingClock()
	resp, err := Logging(cfg)(&loggingStub{status: 200, body: respBody}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	curls := rec.records("esrt: curl")
	if len(curls) != 1 {
		t.Fatalf("%d curl records, want 1", len(curls))
	}
	return curls[0]
}

// curlCredentialCase is a credential the chain adds, as Logging learns of
// it, and what the trace must print for it.
type curlCredentialCase struct {
	name    string
	cfg     LoggingConfig
	url     string
	ctxAuth rt.Auth
	header  string // the caller's Authorization
	want    string // the curl argument
	secrets []string
}

func curlCredentialCases() []curlCredentialCase {
	return []curlCredentialCase{
		{name: "basic", cfg: LoggingConfig{Auth: AuthConfig{Username: "elastic", Password: "pw-Basic-1"}.CurlAuth()},
			want: `-u "elastic:$ES_PASSWORD"`, secrets: []string{"pw-Basic-1", secretsB64("elastic:pw-Basic-1")}},
		{name: "basic, odd user name", cfg: LoggingConfig{Auth: AuthConfig{Username: `o'neil "$x"`, Password: "pw-Odd-2"}.CurlAuth()},
			want: `-u 'o'\''neil "$x":'"$ES_PASSWORD"`, secrets: []string{"pw-Odd-2"}},
		{name: "basic, user name alone", cfg: LoggingConfig{Auth: AuthConfig{Username: "tok-Alone-3"}.CurlAuth()},
			want: `-u "$ES_USERNAME:$ES_PASSWORD"`, secrets: []string{"tok-Alone-3"}},
		{name: "API key", cfg: LoggingConfig{Auth: AuthConfig{APIKey: "kid:key-Api-4", Username: "ignored"}.CurlAuth()},
			want: `-H "Authorization: ApiKey $ES_API_KEY"`, secrets: []string{"key-Api-4", "ignored"}},
		{name: "service token", cfg: LoggingConfig{Auth: AuthConfig{ServiceToken: "svc-Token-5"}.CurlAuth()},
			want: `-H "Authorization: Bearer $ES_SERVICE_TOKEN"`, secrets: []string{"svc-Token-5"}},
		{name: "per-request basic", cfg: LoggingConfig{Auth: CurlAuth{Scheme: "ApiKey"}}, ctxAuth: rt.BasicAuth("ctx-user", "pw-Ctx-6"),
			want: `-u "$ES_USERNAME:$ES_PASSWORD"`, secrets: []string{"pw-Ctx-6", secretsB64("ctx-user:pw-Ctx-6")}},
		{name: "per-request API key", ctxAuth: rt.APIKeyAuth("kid:key-Ctx-7"),
			want: `-H "Authorization: ApiKey $ES_API_KEY"`, secrets: []string{"key-Ctx-7", secretsB64("kid:key-Ctx-7")}},
		{name: "per-request bearer", cfg: LoggingConfig{Auth: CurlAuth{Scheme: "Bearer"}}, ctxAuth: rt.BearerAuth("bearer-Ctx-8"),
			want: `-H "Authorization: Bearer $ES_BEARER_TOKEN"`, secrets: []string{"bearer-Ctx-8"}},
		{name: "caller's bearer", cfg: LoggingConfig{Auth: CurlAuth{Scheme: "Basic", Username: "elastic"}}, header: "Bearer hdr-Token-9",
			want: `-H "Authorization: Bearer $ES_BEARER_TOKEN"`, secrets: []string{"hdr-Token-9"}},
		{name: "caller's basic", header: "Basic " + secretsB64("u:pw-Hdr-10"),
			want: `-u "$ES_USERNAME:$ES_PASSWORD"`, secrets: []string{secretsB64("u:pw-Hdr-10")}},
		{name: "caller's other scheme", header: "Negotiate tok-Neg-11",
			want: `-H "Authorization: Negotiate $ES_CREDENTIALS"`, secrets: []string{"tok-Neg-11"}},
		{name: "caller's value without a scheme", header: "tok-Bare-12",
			want: `-H "Authorization: $ES_AUTHORIZATION"`, secrets: []string{"tok-Bare-12"}},
		{name: "default Authorization header", cfg: LoggingConfig{Auth: CurlAuth{Scheme: "Basic"}, Header: http.Header{"authorization": {"ApiKey key-Default-13"}}},
			want: `-H "Authorization: ApiKey $ES_API_KEY"`, secrets: []string{"key-Default-13"}},
		{name: "URL userinfo", cfg: LoggingConfig{Auth: CurlAuth{Scheme: "ApiKey"}}, url: "http://url-user:pw-Url-14@es.invalid:9200/_search",
			want: `-u "$ES_USERNAME:$ES_PASSWORD"`, secrets: []string{"pw-Url-14", "url-user"}},
		{name: "none", want: "", secrets: nil},
	}
}

// TestLoggingCurlCredentials checks that the trace prints a placeholder
// for the credential each source adds, and never the secret.
func TestLoggingCurlCredentials(t *testing.T) {
	for _, tt := range curlCredentialCases() {
		t.Run(tt.name, func(t *testing.T) {
			cmd := curlTraceFor(t, tt)
			if tt.want != "" && !strings.Contains(cmd, " "+tt.want) {
				t.Errorf("curl command %s\nlacks %s", cmd, tt.want)
			}
			if strings.Count(cmd, "Authorization")+strings.Count(cmd, " -u ") > 1 || tt.want == "" && strings.ContainsAny(cmd, "$") {
				t.Errorf("more than one credential: %s", cmd)
			}
			for _, s := range tt.secrets {
				if strings.Contains(cmd, s) {
					t.Errorf("%q written: %s", s, cmd)
				}
			}
		})
	}
}

// curlTraceFor returns the curl command for a search sent as tt says.
func curlTraceFor(t *testing.T, tt curlCredentialCase) string {
	t.Helper()
	u := tt.url
	if u == "" {
		u = "http://es.invalid:9200/_search"
	}
	ctx := context.Background()
	if !tt.ctxAuth.IsZero() {
		ctx = rt.WithAuth(ctx, tt.ctxAuth)
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	if tt.header != "" {
		req.Header.Set("Authorization", tt.header)
	}
	return curlTrace(t, tt.cfg, req, "{}").attrs["curl"]
}

// TestLoggingCurlHeaders checks that the trace adds the headers that the
// headers middleware adds, by its rules, and the CA certificate hint.
func TestLoggingCurlHeaders(t *testing.T) {
	cfg := LoggingConfig{
		Header: http.Header{"x-app": {"shop"}, "X-Env": {"prod"}, "X-Session-Token": {"tok-Default-15"}},
		CACert: true,
	}
	ctx := rt.WithOpaqueID(rt.WithHeader(context.Background(), http.Header{"X-Env": {"staging"}, "x-team": {"search"}}), "op-16")
	req, _ := http.NewRequestWithContext(ctx, "POST", "https://es.invalid:9200/logs/_search", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-App", "checkout")
	cmd := curlTrace(t, cfg, req, "{}").attrs["curl"]
	want := `curl -X POST 'https://es.invalid:9200/logs/_search' --cacert "$ES_CA_CERT" -H 'Content-Type: application/json'` +
		` -H 'X-App: checkout' -H 'X-Env: staging' -H 'X-Opaque-Id: op-16' -H "X-Session-Token: $ES_HEADER_X_SESSION_TOKEN"` +
		` -H 'X-Team: search' --data-binary '{}'`
	if cmd != want {
		t.Errorf("curl command\n%s\nwant\n%s", cmd, want)
	}

	// No --cacert for http, nor without a configured CA.
	req, _ = http.NewRequest("GET", "http://es.invalid:9200/", nil)
	if cmd := curlTrace(t, cfg, req, "{}").attrs["curl"]; strings.Contains(cmd, "cacert") {
		t.Errorf("--cacert for http: %s", cmd)
	}
	req, _ = http.NewRequest("GET", "https://es.invalid:9200/", nil)
	if cmd := curlTrace(t, LoggingConfig{}, req, "{}").attrs["curl"]; strings.Contains(cmd, "cacert") {
		t.Errorf("--cacert without a CA: %s", cmd)
	}
}

// TestLoggingCurlShellWords runs each credential's command through a shell
// that prints its words instead of calling curl, with the placeholders'
// variables exported, to show that they expand and that everything else
// arrives as written.
func TestLoggingCurlShellWords(t *testing.T) {
	env := []string{"ES_USERNAME=env-user", "ES_PASSWORD=env pass'\"$x", "ES_API_KEY=env-key", "ES_SERVICE_TOKEN=env-svc",
		"ES_BEARER_TOKEN=env-bearer", "ES_CREDENTIALS=env-cred", "ES_AUTHORIZATION=env-authz", "ES_CA_CERT=/tmp/ca dir/ca.crt"}
	want := map[string][]string{
		"basic":                           {"-u", `elastic:env pass'"$x`},
		"basic, odd user name":            {"-u", `o'neil "$x":env pass'"$x`},
		"basic, user name alone":          {"-u", `env-user:env pass'"$x`},
		"API key":                         {"-H", "Authorization: ApiKey env-key"},
		"service token":                   {"-H", "Authorization: Bearer env-svc"},
		"per-request basic":               {"-u", `env-user:env pass'"$x`},
		"per-request API key":             {"-H", "Authorization: ApiKey env-key"},
		"per-request bearer":              {"-H", "Authorization: Bearer env-bearer"},
		"caller's bearer":                 {"-H", "Authorization: Bearer env-bearer"},
		"caller's basic":                  {"-u", `env-user:env pass'"$x`},
		"caller's other scheme":           {"-H", "Authorization: Negotiate env-cred"},
		"caller's value without a scheme": {"-H", "Authorization: env-authz"},
		"default Authorization header":    {"-H", "Authorization: ApiKey env-key"},
		"URL userinfo":                    {"-u", `env-user:env pass'"$x`},
		"none":                            nil,
	}
	for _, shell := range []string{"sh", "bash"} {
		path, err := exec.LookPath(shell)
		if err != nil {
			t.Logf("no %s: not checked with it", shell)
			continue
		}
		for _, tt := range curlCredentialCases() {
			t.Run(shell+"/"+tt.name, func(t *testing.T) {
				cmd := curlTraceFor(t, tt)
				words := curlShellWords(t, path, env, cmd)
				wantURL := "http://es.invalid:9200/_search"
				if got := words[:3]; !slices.Equal(got, []string{"-X", "GET", wantURL}) {
					t.Fatalf("%s split %s into %q", shell, cmd, words)
				}
				if got := words[3:]; !slices.Equal(got, want[tt.name]) {
					t.Errorf("%s: %s\ngives %q, want %q", shell, cmd, got, want[tt.name])
				}
			})
		}
	}

	// A body with newlines is quoted $'...', which bash reads (and dash
	// from 0.5.12); the CA path expands with its blank.
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to read $'...' quoting")
	}
	req, _ := http.NewRequest("POST", "https://es.invalid:9200/_bulk", strings.NewReader("{\"index\":{\"_id\":\"it's\"}}\n{\"a\":\"\\\\\"}\n"))
	cmd := curlTrace(t, LoggingConfig{CACert: true, Auth: CurlAuth{Scheme: "ApiKey"}}, req, "{}").attrs["curl"]
	got := curlShellWords(t, bash, env, cmd)
	wantWords := []string{"-X", "POST", "https://es.invalid:9200/_bulk", "--cacert", "/tmp/ca dir/ca.crt",
		"-H", "Authorization: ApiKey env-key", "--data-binary", "{\"index\":{\"_id\":\"it's\"}}\n{\"a\":\"\\\\\"}\n"}
	if !slices.Equal(got, wantWords) {
		t.Errorf("bash: %s\ngives %q\nwant  %q", cmd, got, wantWords)
	}
}

// curlShellWords runs cmd in shell with printf in place of curl and
// returns the words curl would get.
func curlShellWords(t *testing.T, shell string, env []string, cmd string) []string {
	t.Helper()
	args, ok := strings.CutPrefix(cmd, "curl ")
	if !ok {
		t.Fatalf("not a curl command: %s", cmd)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, shell, "-c", `printf '%s\0' `+args)
	c.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	out, err := c.Output()
	if err != nil {
		t.Fatalf("%s -c %s: %v", shell, cmd, err)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
}

// TestLoggingCurlRunsWithCredentials runs the logged command with curl
// against a TLS cluster that requires each kind of credential, with the
// placeholders' variables exported: the command works as printed.
func TestLoggingCurlRunsWithCredentials(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to run the command")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl to run the command")
	}
	tests := []struct {
		name    string
		cluster estest.Config
		auth    AuthConfig
		env     []string
	}{
		{"basic", estest.Config{Username: "elastic", Password: "pw-Run-1"}, AuthConfig{Username: "elastic", Password: "pw-Run-1"},
			[]string{"ES_PASSWORD=pw-Run-1"}},
		{"API key", estest.Config{APIKey: "a2lkOmtleS1SdW4tMg=="}, AuthConfig{APIKey: "a2lkOmtleS1SdW4tMg=="},
			[]string{"ES_API_KEY=a2lkOmtleS1SdW4tMg=="}},
		{"service token", estest.Config{BearerToken: "svc-Run-3"}, AuthConfig{ServiceToken: "svc-Run-3"},
			[]string{"ES_SERVICE_TOKEN=svc-Run-3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cluster
			cfg.TLS = true
			c := estest.New(t, cfg)
			caFile := filepath.Join(t.TempDir(), "ca.crt")
			if err := os.WriteFile(caFile, c.CACertPEM(), 0o600); err != nil {
				t.Fatal(err)
			}
			node, err := rt.NewNode(c.URLs()[0])
			if err != nil {
				t.Fatal(err)
			}
			pool, err := selector.NewPool(selector.PoolConfig{Seeds: []*rt.Node{node}})
			if err != nil {
				t.Fatal(err)
			}
			base := &http.Transport{TLSClientConfig: c.TLSConfig()}
			t.Cleanup(base.CloseIdleConnections)
			rec := &loggingRecorder{level: slog.LevelDebug}
			header := http.Header{"X-App": {"shop"}}
			tr := rt.Chain(base,
				Logging(LoggingConfig{Logger: slog.New(rec), Curl: true, Auth: tt.auth.CurlAuth(), Header: header, CACert: true}),
				Headers(HeadersConfig{Header: header}),
				Auth(tt.auth),
				selector.Middleware(pool),
			)
			req, _ := http.NewRequest("PUT", "/logs/_doc/1?refresh=true", strings.NewReader(`{"msg":"sent"}`))
			req.Header.Set("Content-Type", "application/json")
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode/100 != 2 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			curls := rec.records("esrt: curl")
			if len(curls) != 1 {
				t.Fatalf("%d curl records", len(curls))
			}
			cmd := curls[0].attrs["curl"]
			for _, e := range tt.env {
				_, secret, _ := strings.Cut(e, "=")
				if strings.Contains(cmd, secret) {
					t.Fatalf("the secret is in the command: %s", cmd)
				}
			}
			// Replay it as document 2.
			cmd = strings.Replace(cmd, "/logs/_doc/1", "/logs/_doc/2", 1)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			run := exec.CommandContext(ctx, bash, "-c", cmd+" --silent --show-error --fail")
			run.Env = append([]string{"PATH=" + os.Getenv("PATH"), "ES_CA_CERT=" + caFile}, tt.env...)
			out, err := run.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", cmd, err, out)
			}
			if doc, ok := c.Doc("logs", "2"); !ok || !strings.Contains(string(doc), `"sent"`) {
				t.Fatalf("the command did not index the document: %s\ncurl said: %s", doc, out)
			}
			got := c.Node(0).Requests()
			if last := got[len(got)-1]; last.Header.Get("X-App") != "shop" {
				t.Errorf("the command did not send the default header: %v", last.Header)
			}
		})
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func secretsB64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
