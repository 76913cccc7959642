package middleware

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/esrt-dev/esrt/internal/header"
	"github.com/esrt-dev/esrt/rt"
)

// AuthConfig configures [Auth]. The zero value sends no credentials of its
// own (per-request credentials and URL userinfo still apply).
type AuthConfig struct {
	// Username and Password are HTTP basic credentials, used when Username
	// is set. An empty Password is still sent.
	Username, Password string

	// APIKey is an Elasticsearch API key: either the encoded key that
	// Elasticsearch returns, or the raw "id:api_key" pair.
	APIKey string

	// ServiceToken is a bearer token, such as a service account token.
	ServiceToken string
}

// Auth returns a middleware that puts credentials on every request. The
// first of these that exists wins:
//
//  1. an Authorization header already on the request;
//  2. credentials set for the request with [rt.WithAuth];
//  3. userinfo in the request's URL (percent-decoded), as basic credentials;
//  4. cfg.APIKey;
//  5. cfg.ServiceToken;
//  6. cfg.Username and cfg.Password.
//
// Userinfo is always removed from the URL that goes on, so it never reaches
// the wire, a log line or an error. Auth does not know where a request will
// finally go; [WarnPlaintextCredentials], placed after routing, does.
//
// A credential set with rt.WithAuth that cannot be sent in a header (a
// control character) fails the request without sending it, with an
// [*rt.LocalError] wrapping an [*rt.ConfigError] naming rt.WithAuth: the
// request's fault, never a node's. The error never includes the secret.
func Auth(cfg AuthConfig) rt.Middleware {
	static := cfg.Credential().Header()
	return func(next http.RoundTripper) http.RoundTripper {
		return &authTransport{next: next, static: static}
	}
}

// Credential returns the configured credential that wins: APIKey, then
// ServiceToken, then Username and Password; the zero Auth if none is set.
func (cfg AuthConfig) Credential() rt.Auth {
	switch {
	case cfg.APIKey != "":
		return rt.APIKeyAuth(cfg.APIKey)
	case cfg.ServiceToken != "":
		return rt.BearerAuth(cfg.ServiceToken)
	case cfg.Username != "":
		return rt.BasicAuth(cfg.Username, cfg.Password)
	}
	return rt.Auth{}
}

type authTransport struct {
	next   http.RoundTripper
	static string // the Authorization value from the config, or ""
}

var _ http.RoundTripper = (*authTransport)(nil)

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var authorization string
	switch {
	case headerValue(req.Header, "Authorization") != "":
	case hasAuth(req):
		a, _ := rt.AuthFrom(req.Context())
		authorization = a.Header()
		if !header.ValidValue(authorization) {
			return nil, optionError(req, "rt.WithAuth", header.ErrControl)
		}
	case req.URL.User != nil:
		password, _ := req.URL.User.Password()
		authorization = rt.BasicAuth(req.URL.User.Username(), password).Header()
	default:
		authorization = t.static
	}
	if authorization == "" && req.URL.User == nil {
		return t.next.RoundTrip(req)
	}
	var out *http.Request
	if authorization != "" {
		out = withHeader(req, 1)
		out.Header["Authorization"] = []string{authorization}
	} else { // the request's own Authorization stays; only the userinfo goes
		r := *req
		out = &r
	}
	if req.URL.User != nil {
		u := *req.URL
		u.User = nil
		out.URL = &u
	}
	return t.next.RoundTrip(out)
}

func hasAuth(req *http.Request) bool {
	a, ok := rt.AuthFrom(req.Context())
	return ok && !a.IsZero()
}

// Unwrap returns the next RoundTripper.
func (t *authTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to the next RoundTripper.
func (t *authTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }

// String shows which credentials are set, never their secrets:
// "AuthConfig{Username: elastic, Password: [redacted]}". The user name is
// shown: it says which account the credentials are for.
func (c AuthConfig) String() string {
	var parts []string
	if c.Username != "" {
		parts = append(parts, "Username: "+c.Username)
	}
	for _, f := range []struct{ name, v string }{{"Password", c.Password}, {"APIKey", c.APIKey}, {"ServiceToken", c.ServiceToken}} {
		if f.v != "" {
			parts = append(parts, f.name+": [redacted]")
		}
	}
	return "AuthConfig{" + strings.Join(parts, ", ") + "}"
}

// Format prints [AuthConfig.String] for every verb, %#v included.
func (c AuthConfig) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// LogValue keeps log/slog handlers from reaching the secrets.
func (c AuthConfig) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON encodes [AuthConfig.String], so that a configuration written
// out as JSON carries no secret either.
func (c AuthConfig) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }
