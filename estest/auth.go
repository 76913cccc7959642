package estest

import (
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
)

// wwwAuthenticate returns the challenges Elasticsearch 8 sends with a 401.
func wwwAuthenticate() []string {
	return []string{`Basic realm="security", charset="UTF-8"`, `Bearer realm="security"`, `ApiKey`}
}

// hasCredentials reports whether requests must authenticate.
func (c *Cluster) hasCredentials() bool {
	return c.cfg.Username != "" || c.cfg.APIKey != "" || c.cfg.BearerToken != ""
}

// checkCredentials checks the Authorization header against the configured
// credentials. A failure is Elasticsearch's 401 security_exception with the
// WWW-Authenticate challenges in the body and the headers; as OpenSearch,
// the security plugin's plain-text "Unauthorized".
func (c *Cluster) checkCredentials(r *http.Request) (response, bool) {
	if !c.hasCredentials() {
		return response{}, true
	}
	uri := r.URL.RequestURI()
	authz := r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(authz, " ")
	reason := "unable to authenticate with provided credentials and anonymous access is not allowed for this request"
	switch {
	case authz == "":
		reason = "missing authentication credentials for REST request [" + uri + "]"
	case strings.EqualFold(scheme, "Basic") && c.cfg.Username != "":
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
		user, pass, ok := strings.Cut(string(raw), ":")
		if err == nil && ok && equal(user, c.cfg.Username) && equal(pass, c.cfg.Password) {
			return response{}, true
		}
		if err == nil && ok {
			reason = "unable to authenticate user [" + user + "] for REST request [" + uri + "]"
		}
	case strings.EqualFold(scheme, "ApiKey") && c.cfg.APIKey != "":
		if equal(strings.TrimSpace(cred), c.cfg.APIKey) {
			return response{}, true
		}
	case strings.EqualFold(scheme, "Bearer") && c.cfg.BearerToken != "":
		if equal(strings.TrimSpace(cred), c.cfg.BearerToken) {
			return response{}, true
		}
	}
	if c.product == OpenSearch {
		h := http.Header{}
		h.Set("WWW-Authenticate", `Basic realm="OpenSearch Security"`)
		h.Set("Content-Type", "text/plain; charset=UTF-8")
		return response{status: http.StatusUnauthorized, header: h, body: []byte("Unauthorized")}, false
	}
	e := newError(http.StatusUnauthorized, "security_exception", reason,
		kv("header", map[string][]string{"WWW-Authenticate": wwwAuthenticate()}))
	resp := e.response()
	resp.header = http.Header{"Www-Authenticate": wwwAuthenticate()}
	return resp, false
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
