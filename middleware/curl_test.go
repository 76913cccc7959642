package middleware

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/internal/secret"
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

// TestLoggingCurlSecretBodies sends a request to an endpoint of every
// family of the list of secret-bearing endpoints (package endpoint) and
// checks that the trace shows neither the request body nor, where the
// endpoint returns secrets, the response body, but says why.
func TestLoggingCurlSecretBodies(t *testing.T) {
	const reqSecret, respSecret = "req-S3cret-41", "resp-S3cret-42"
	tests := []struct {
		method, path string
		wantReq      string // the marker, or "" for a body that is shown
		wantResp     string
	}{
		{"POST", "/_nodes/reload_secure_settings", "nodes.reload_secure_settings carries secrets", ""},
		{"POST", "/_nodes/node-1/reload_secure_settings", "nodes.reload_secure_settings carries secrets", ""},
		{"PUT", "/_snapshot/backups", "snapshot.create_repository carries secrets", ""},
		{"POST", "/_snapshot/backups", "snapshot.create_repository carries secrets", ""},
		{"POST", "/_reindex", "reindex carries secrets", ""},
		{"PUT", "/_inference/my-e5", "inference.put carries secrets", ""},
		{"PUT", "/_inference/text_embedding/my-e5", "inference.put carries secrets", ""},
		{"PUT", "/_inference/my-e5/_update", "inference.update carries secrets", ""},
		{"POST", "/_connector/_secret", "connector.secret_post carries secrets", ""},
		{"PUT", "/_connector/_secret/s-1", "connector.secret_put carries secrets", ""},
		{"GET", "/_connector/_secret/s-1", "", "connector.secret_get returns secrets"},
		{"POST", "/_fleet/secret", "fleet.post_secret carries secrets", ""},
		{"GET", "/_fleet/secret/s-1", "", "fleet.get_secret returns secrets"},
		{"PUT", "/_connector/c-1/_api_key_id", "connector.update_api_key_id carries secrets", ""},
		{"PUT", "/_connector/c-1", "connector.put carries secrets", ""},
		{"PUT", "/_connector", "connector.put carries secrets", ""},
		{"POST", "/_connector", "connector.post carries secrets", ""},
		{"PUT", "/_connector/c-1/_configuration", "connector.update_configuration carries secrets", ""},
		{"PUT", "/_watcher/watch/w-1", "watcher.put_watch carries secrets", ""},
		{"POST", "/_watcher/watch/_execute", "watcher.execute_watch carries secrets", ""},
		{"PUT", "/_logstash/pipeline/p-1", "logstash.put_pipeline carries secrets", ""},
		{"GET", "/_logstash/pipeline/p-1", "", "logstash.get_pipeline returns secrets"},
		{"GET", "/_snapshot/backups", "", "snapshot.get_repository returns secrets"},
		{"GET", "/_connector/c-1", "", "connector.get returns secrets"},
		{"GET", "/_watcher/watch/w-1", "", "watcher.get_watch returns secrets"},
		{"GET", "/_inference/my-e5", "", "inference.get returns secrets"},
		{"PUT", "/_security/user/u-1", "security.put_user carries secrets", "security.put_user is a security API"},
		{"POST", "/_security/user/u-1/_password", "security.change_password carries secrets", "security.change_password is a security API"},
		{"POST", "/_security/oauth2/token", "security.get_token carries secrets", "security.get_token returns secrets"},
		{"DELETE", "/_security/oauth2/token", "security.invalidate_token carries secrets", "security.invalidate_token is a security API"},
		{"POST", "/_security/api_key/grant", "security.grant_api_key carries secrets", "security.grant_api_key returns secrets"},
		{"PUT", "/_security/api_key/clone", "security.clone_api_key carries secrets", "security.clone_api_key returns secrets"},
		{"POST", "/_security/profile/_activate", "security.activate_user_profile carries secrets", "security.activate_user_profile is a security API"},
		{"POST", "/_security/saml/authenticate", "security.saml_authenticate carries secrets", "security.saml_authenticate returns secrets"},
		{"POST", "/_security/saml/logout", "security.saml_logout carries secrets", "security.saml_logout is a security API"},
		{"POST", "/_security/saml/invalidate", "security.saml_invalidate carries secrets", "security.saml_invalidate is a security API"},
		{"POST", "/_security/oidc/authenticate", "security.oidc_authenticate carries secrets", "security.oidc_authenticate returns secrets"},
		{"POST", "/_security/oidc/logout", "security.oidc_logout carries secrets", "security.oidc_logout is a security API"},
		{"POST", "/_security/delegate_pki", "security.delegate_pki carries secrets", "security.delegate_pki returns secrets"},
		{"PUT", "/_security/api_key", "security.create_api_key is a security API", "security.create_api_key returns secrets"},
		{"POST", "/_security/cross_cluster/api_key", "security.create_cross_cluster_api_key is a security API", "security.create_cross_cluster_api_key returns secrets"},
		{"POST", "/_security/service/elastic/fleet-server/credential/token", "security.create_service_token is a security API", "security.create_service_token returns secrets"},
		{"GET", "/_security/enroll/kibana", "security.enroll_kibana is a security API", "security.enroll_kibana returns secrets"},
		{"GET", "/_security/enroll/node", "security.enroll_node is a security API", "security.enroll_node returns secrets"},
		{"POST", "/_security/oidc/prepare", "security.oidc_prepare_authentication is a security API", "security.oidc_prepare_authentication returns secrets"},
		{"GET", "/_security/user/u-1", "security.get_user is a security API", "security.get_user is a security API"},
		{"POST", "/_security/frobnicate", "security API", "security API"},
		{"POST", "/_xpack/security/user/u-1", "security API", "security API"},

		// OpenSearch.
		{"PUT", "/_plugins/_security/api/internalusers/u-1", "security.create_user carries secrets", "security.create_user is a security API"},
		{"PUT", "/_opendistro/_security/api/internalusers/u-1", "security.create_user carries secrets", "security.create_user is a security API"},
		{"PUT", "/_plugins/_security/api/user/u-1", "security.create_user_legacy carries secrets", "security.create_user_legacy is a security API"},
		{"PATCH", "/_plugins/_security/api/internalusers/u-1", "security.patch_user carries secrets", "security.patch_user is a security API"},
		{"PATCH", "/_plugins/_security/api/internalusers", "security.patch_users carries secrets", "security.patch_users is a security API"},
		{"PUT", "/_plugins/_security/api/account", "security.change_password carries secrets", "security.change_password is a security API"},
		{"PUT", "/_plugins/_security/api/securityconfig/config", "security.update_configuration carries secrets", "security.update_configuration is a security API"},
		{"PATCH", "/_plugins/_security/api/securityconfig", "security.patch_configuration carries secrets", "security.patch_configuration is a security API"},
		{"POST", "/_plugins/_security/api/authtoken", "security.authtoken is a security API", "security.authtoken returns secrets"},
		{"POST", "/_plugins/_security/api/generateonbehalfoftoken", "security.generate_obo_token is a security API", "security.generate_obo_token returns secrets"},
		{"POST", "/_plugins/_security/api/internalusers/u-1/authtoken", "security.generate_user_token is a security API", "security.generate_user_token returns secrets"},
		{"POST", "/_plugins/_security/frobnicate", "security API", "security API"},
		{"POST", "/_opendistro/_security/frobnicate", "security API", "security API"},
		{"POST", "/_plugins/_ml/connectors/_create", "ml.create_connector carries secrets", ""},
		{"PUT", "/_plugins/_ml/connectors/c-1", "ml.update_connector carries secrets", ""},
		{"POST", "/_plugins/_ml/models/_register", "ml.register_model carries secrets", ""},
		{"PUT", "/_plugins/_ml/models/m-1", "ml.update_model carries secrets", ""},
		{"POST", "/_plugins/_flow_framework/workflow", "flow_framework.create carries secrets", ""},
		{"PUT", "/_plugins/_flow_framework/workflow/w-1", "flow_framework.update carries secrets", ""},
		{"POST", "/_plugins/_query/_datasources", "query.datasources_create carries secrets", ""},
		{"PUT", "/_plugins/_query/_datasources", "query.datasources_update carries secrets", ""},
		{"PUT", "/_plugins/_ism/policies/p-1", "ism.put_policy carries secrets", ""},
		{"PUT", "/_plugins/_ism/policies", "ism.put_policies carries secrets", ""},
		{"POST", "/_plugins/_notifications/configs", "notifications.create_config carries secrets", ""},
		{"PUT", "/_plugins/_notifications/configs/c-1", "notifications.update_config carries secrets", ""},

		// Not secret: shown.
		{"POST", "/logs/_search", "", ""},
		{"PUT", "/security-audit/_doc/1", "", ""},
		{"POST", "/_plugins/_ml/models/m-1/_predict", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, "http://es.invalid:9200"+tt.path, strings.NewReader(`{"password":"`+reqSecret+`"}`))
			rec := curlTrace(t, LoggingConfig{}, req, `{"api_key":"`+respSecret+`"}`)
			cmd, resp := rec.attrs["curl"], rec.attrs["response"]
			if tt.wantReq == "" {
				if !strings.Contains(cmd, reqSecret) {
					t.Errorf("request body not shown: %s", cmd)
				}
			} else if strings.Contains(cmd, reqSecret) || !strings.HasSuffix(cmd, " # [body redacted: "+tt.wantReq+"]") {
				t.Errorf("curl command %s\nwant the body replaced by [body redacted: %s]", cmd, tt.wantReq)
			}
			if tt.wantResp == "" {
				if !strings.Contains(resp, respSecret) {
					t.Errorf("response body not shown: %q", resp)
				}
			} else if resp != "[body redacted: "+tt.wantResp+"]" {
				t.Errorf("response = %q, want [body redacted: %s]", resp, tt.wantResp)
			}
		})
	}
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

// TestLoggingErrorUsesRedactURL checks that a URL in an error message is
// redacted as secret.RedactURL redacts it, whatever surrounds it.
func TestLoggingErrorUsesRedactURL(t *testing.T) {
	for _, u := range []string{"https://u:p@es1:9200", "http://a,b:c;d@h/x", "http://tok@h", "https://h:9200/p?q=a@b"} {
		for _, msg := range []string{"%s", "attempt 1 to %s: EOF", `Get "%s/_search": refused`, "a=http://h1,b=%s"} {
			in := strings.ReplaceAll(msg, "%s", u)
			want := strings.ReplaceAll(msg, "%s", secret.RedactURL(u))
			if got := loggingError(errString(in)); got != want {
				t.Errorf("loggingError(%q) = %q, want %q", in, got, want)
			}
		}
	}
	if u, _ := url.Parse("https://elastic:pw@es.invalid/_search"); loggingURL(u) != secret.RedactURL(u.String()) {
		t.Errorf("loggingURL = %q, secret.RedactURL = %q", loggingURL(u), secret.RedactURL(u.String()))
	}
}

type errString string

func (e errString) Error() string { return string(e) }
