package secrets_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/internal/secret/secrettest"
	"github.com/esrt-dev/esrt/rt"
)

// A credential is one way users give esrt a secret.
type credential struct {
	name string
	// configure puts the credential, or the static part of it, in cfg for
	// nodes at addrs.
	configure func(t *testing.T, cfg *esrt.Config, addrs []string)
	// request, if set, puts the per-request credential on req.
	request func(req *http.Request) *http.Request
	// auth is the per-request credential, printed as a surface.
	auth rt.Auth
	// wantAuth is the Authorization header the node must get.
	wantAuth string
	// secrets must never be written.
	secrets []string
}

// withUserinfo writes userinfo into each address, as users write it.
func withUserinfo(addrs []string, userinfo string) []string {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		scheme, rest, _ := strings.Cut(a, "://")
		out[i] = scheme + "://" + userinfo + "@" + rest
	}
	return out
}

func basicHeader(user, password string) string { return rt.BasicAuth(user, password).Header() }

// perRequest returns a credential sent with rt.WithAuth on top of static
// Username and Password, which lose to it and must not leak either.
func perRequest(name string, a rt.Auth, secrets []string) credential {
	return credential{
		name: name,
		configure: func(_ *testing.T, cfg *esrt.Config, addrs []string) {
			cfg.Addresses, cfg.Username, cfg.Password = addrs, secrettest.User, secrettest.Password
		},
		request: func(req *http.Request) *http.Request {
			return req.WithContext(rt.WithAuth(req.Context(), a))
		},
		auth:     a,
		wantAuth: a.Header(),
		secrets:  append(secrets, secrettest.Basic(secrettest.User, secrettest.Password)...),
	}
}

func credentials() []credential {
	basic := secrettest.Basic(secrettest.User, secrettest.Password)
	apiKey := append(secrettest.Forms(secrettest.APIKeySecret, secrettest.EncodedAPIKey()), secrettest.APIKeyID+":"+secrettest.APIKeySecret)
	token := append(secrettest.Forms(secrettest.UserToken), secrettest.Basic(secrettest.UserToken, "")...)
	static := func(f func(*esrt.Config)) func(*testing.T, *esrt.Config, []string) {
		return func(_ *testing.T, cfg *esrt.Config, addrs []string) { cfg.Addresses = addrs; f(cfg) }
	}
	return []credential{
		{name: "Username and Password", configure: static(func(cfg *esrt.Config) {
			cfg.Username, cfg.Password = secrettest.User, secrettest.Password
		}), wantAuth: basicHeader(secrettest.User, secrettest.Password), secrets: basic},
		{name: "userinfo in Addresses", configure: func(_ *testing.T, cfg *esrt.Config, addrs []string) {
			cfg.Addresses = withUserinfo(addrs, secrettest.Userinfo())
		}, wantAuth: basicHeader(secrettest.User, secrettest.Password), secrets: basic},
		{name: "token as the user in Addresses", configure: func(_ *testing.T, cfg *esrt.Config, addrs []string) {
			cfg.Addresses = withUserinfo(addrs, url.User(secrettest.UserToken).String())
		}, wantAuth: basicHeader(secrettest.UserToken, ""), secrets: token},
		{name: "userinfo in ELASTICSEARCH_URL", configure: func(t *testing.T, _ *esrt.Config, addrs []string) {
			t.Setenv("ELASTICSEARCH_URL", strings.Join(withUserinfo(addrs, secrettest.Userinfo()), ","))
		}, wantAuth: basicHeader(secrettest.User, secrettest.Password), secrets: basic},
		{name: "APIKey, encoded", configure: static(func(cfg *esrt.Config) {
			cfg.APIKey = secrettest.EncodedAPIKey()
		}), wantAuth: "ApiKey " + secrettest.EncodedAPIKey(), secrets: apiKey},
		{name: "APIKey, id:key", configure: static(func(cfg *esrt.Config) {
			cfg.APIKey = secrettest.APIKeyID + ":" + secrettest.APIKeySecret
		}), wantAuth: "ApiKey " + secrettest.EncodedAPIKey(), secrets: apiKey},
		{name: "ServiceToken", configure: static(func(cfg *esrt.Config) {
			cfg.ServiceToken = secrettest.ServiceToken
		}), wantAuth: "Bearer " + secrettest.ServiceToken, secrets: secrettest.Forms(secrettest.ServiceToken)},
		{name: "Authorization in Header", configure: static(func(cfg *esrt.Config) {
			cfg.Header = http.Header{"Authorization": {"Bearer " + secrettest.Bearer}}
		}), wantAuth: "Bearer " + secrettest.Bearer, secrets: secrettest.Forms(secrettest.Bearer)},
		perRequest("rt.WithAuth basic", rt.BasicAuth("per-request-user", secrettest.UserToken),
			secrettest.Basic("per-request-user", secrettest.UserToken)),
		perRequest("rt.WithAuth API key", rt.APIKeyAuth(secrettest.APIKeyID+":"+secrettest.APIKeySecret), apiKey),
		perRequest("rt.WithAuth bearer", rt.BearerAuth(secrettest.Bearer), secrettest.Forms(secrettest.Bearer)),
		{name: "userinfo in the request URL", configure: static(func(*esrt.Config) {}),
			request: func(req *http.Request) *http.Request {
				req.URL.User = url.UserPassword(secrettest.User, secrettest.Password)
				return req
			}, wantAuth: basicHeader(secrettest.User, secrettest.Password), secrets: basic},
		{name: "the caller's Authorization header", configure: static(func(*esrt.Config) {}),
			request: func(req *http.Request) *http.Request {
				req.Header.Set("Authorization", "Bearer "+secrettest.Bearer)
				return req
			}, wantAuth: "Bearer " + secrettest.Bearer, secrets: secrettest.Forms(secrettest.Bearer)},
		{name: "an API key header in Header", configure: static(func(cfg *esrt.Config) {
			cfg.Header = http.Header{"X-Api-Key": {secrettest.ServiceToken}}
		}), secrets: secrettest.Forms(secrettest.ServiceToken)},
		{name: "token as the user in the request URL", configure: static(func(*esrt.Config) {}),
			request: func(req *http.Request) *http.Request {
				req.URL.User = url.User(secrettest.UserToken)
				return req
			}, wantAuth: basicHeader(secrettest.UserToken, ""), secrets: token},
	}
}

// newRequest returns the request every cell sends: a search with a body,
// with cred's per-request credential.
func newRequest(t *testing.T, ctx context.Context, cred credential) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://placeholder.invalid/logs-*/_search?size=1",
		strings.NewReader(`{"query":{"match":{"message":"login failed"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if cred.request != nil {
		req = cred.request(req)
	}
	return req
}
