package middleware

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/esrt-dev/esrt/internal/edit"
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
	var static []string
	if h := cfg.Credential().Header(); h != "" {
		static = []string{h}
	}
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
	static []string // the Authorization value from the config (len == cap: shared by every request), or nil
}

var (
	_ http.RoundTripper = (*authTransport)(nil)
	_ edit.Editor       = (*authTransport)(nil)
)

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return edit.RoundTrip(t, t.next, req)
}

// Edit puts the winning credentials on r and removes userinfo from its URL
// (see [Auth]). Under the routing middleware, the router applies it to its
// copy of each attempt.
func (t *authTransport) Edit(r *edit.Request) error {
	in := r.In()
	var authorization []string
	switch {
	case headerValue(r.Header(), "Authorization") != "":
	case hasAuth(in):
		a, _ := rt.AuthFrom(in.Context())
		if !header.ValidValue(a.Header()) {
			return localOptionError("rt.WithAuth", header.ErrControl)
		}
		authorization = []string{a.Header()}
	case in.URL.User != nil:
		password, _ := in.URL.User.Password()
		authorization = []string{rt.BasicAuth(in.URL.User.Username(), password).Header()}
	default:
		authorization = t.static
	}
	if authorization != nil {
		r.SetHeader("Authorization", authorization)
	}
	if u := r.URL(); u.User != nil {
		clean := *u
		clean.User = nil
		r.SetURL(&clean)
	}
	return nil
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

// String names the layer, so that printing it shows no configuration.
func (t *authTransport) String() string { return "auth" }

// Format prints the layer's name for every verb, %#v and %d included: the
// layer holds the encoded static credential, which fmt would otherwise print field by field.
func (t *authTransport) Format(f fmt.State, _ rune) { fmt.Fprint(f, t.String()) }
