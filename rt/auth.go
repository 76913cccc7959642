package rt

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
)

// Auth is the credential of one request: the value of its Authorization
// header. Build one with [BasicAuth], [APIKeyAuth] or [BearerAuth]; the zero
// Auth means "no credential".
//
// An Auth never reveals its secret when printed, formatted with any verb, or
// logged with log/slog: only the scheme shows ("ApiKey [redacted]").
type Auth struct {
	scheme string
	secret string
}

// BasicAuth returns HTTP basic credentials. An empty password is still a
// credential and is sent.
func BasicAuth(username, password string) Auth {
	return Auth{scheme: "Basic", secret: base64.StdEncoding.EncodeToString([]byte(username + ":" + password))}
}

// APIKeyAuth returns Elasticsearch API key credentials. key is either the
// encoded key that Elasticsearch returns (base64 of "id:api_key") or the raw
// "id:api_key" pair, which is encoded here.
func APIKeyAuth(key string) Auth {
	if strings.Contains(key, ":") {
		key = base64.StdEncoding.EncodeToString([]byte(key))
	}
	return Auth{scheme: "ApiKey", secret: key}
}

// BearerAuth returns bearer-token credentials, as used for Elasticsearch
// service account tokens and OAuth2 access tokens.
func BearerAuth(token string) Auth { return Auth{scheme: "Bearer", secret: token} }

// IsZero reports whether a is the zero Auth.
func (a Auth) IsZero() bool { return a.scheme == "" }

// Scheme returns "Basic", "ApiKey", "Bearer", or "" for the zero Auth.
func (a Auth) Scheme() string { return a.scheme }

// Header returns the Authorization header value, secret included. It is the
// only way to read the secret.
func (a Auth) Header() string {
	if a.scheme == "" {
		return ""
	}
	return a.scheme + " " + a.secret
}

// String returns the scheme and "[redacted]".
func (a Auth) String() string {
	if a.scheme == "" {
		return "<none>"
	}
	return a.scheme + " [redacted]"
}

// Format prints [Auth.String] for every verb, %#v included, so no verb
// reveals the secret.
func (a Auth) Format(f fmt.State, _ rune) { fmt.Fprint(f, a.String()) }

// LogValue keeps log/slog handlers from reaching the secret.
func (a Auth) LogValue() slog.Value { return slog.StringValue(a.String()) }
