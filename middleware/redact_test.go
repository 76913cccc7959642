package middleware

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/endpoint"
	"github.com/esrt-dev/esrt/internal/secret"
)

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
		{"GET", "/_opendistro/_security/api/internalusers", "security API", "security API"}, // not in the endpoint table
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

// TestLoggingSecretBodiesFromContext checks that the endpoint a request's
// context carries decides which bodies the trace hides, and that a path
// under a security API hides them whatever the context says.
func TestLoggingSecretBodiesFromContext(t *testing.T) {
	const reqSecret, respSecret = "req-S3cret-43", "resp-S3cret-44"
	tests := []struct {
		name, method, path string
		call               endpoint.Call
		wantReq, wantResp  string // markers, or "" for a body that is shown
	}{
		{"API key at a search path", "POST", "/logs/_search", endpoint.Parse("POST", "/_security/api_key"),
			"security.create_api_key is a security API", "security.create_api_key returns secrets"},
		{"reload at a document path", "PUT", "/logs/_doc/1", endpoint.Parse("POST", "/_nodes/reload_secure_settings"),
			"nodes.reload_secure_settings carries secrets", ""},
		{"search at a security path", "POST", "/_security/user/u-1", endpoint.Parse("POST", "/logs/_search"),
			"security API", "security API"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := endpoint.NewContext(context.Background(), tt.call)
			req, _ := http.NewRequestWithContext(ctx, tt.method, "http://es.invalid:9200"+tt.path, strings.NewReader(`{"password":"`+reqSecret+`"}`))
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

func TestLoggingError(t *testing.T) {
	tests := []struct{ in, want string }{
		{"attempt 1 to https://u:xxxxx@es1:9200: EOF", "attempt 1 to https://xxxxx@es1:9200: EOF"},
		{"attempt 1 to https://TOKEN@es1:9200/p: EOF; attempt 2 to http://es2: EOF", "attempt 1 to https://xxxxx@es1:9200/p: EOF; attempt 2 to http://es2: EOF"},
		{`Get "http://a:b@h/x@y": refused`, `Get "http://xxxxx@h/x@y": refused`},
		{"user@example.com said no", "user@example.com said no"},
		{"no url here", "no url here"},
	}
	for _, tt := range tests {
		if got := redactedError(errors.New(tt.in)); got != tt.want {
			t.Errorf("redactedError(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestLoggingErrorUsesRedactURL checks that a URL in an error message is
// redacted as secret.RedactURL redacts it, whatever surrounds it.
func TestLoggingErrorUsesRedactURL(t *testing.T) {
	for _, u := range []string{"https://u:p@es1:9200", "http://a,b:c;d@h/x", "http://tok@h", "https://h:9200/p?q=a@b"} {
		for _, msg := range []string{"%s", "attempt 1 to %s: EOF", `Get "%s/_search": refused`, "a=http://h1,b=%s"} {
			in := strings.ReplaceAll(msg, "%s", u)
			want := strings.ReplaceAll(msg, "%s", secret.RedactURL(u))
			if got := redactedError(errString(in)); got != want {
				t.Errorf("redactedError(%q) = %q, want %q", in, got, want)
			}
		}
	}
	if u, _ := url.Parse("https://elastic:pw@es.invalid/_search"); redactedURL(u) != secret.RedactURL(u.String()) {
		t.Errorf("redactedURL = %q, secret.RedactURL = %q", redactedURL(u), secret.RedactURL(u.String()))
	}
}
