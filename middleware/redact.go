package middleware

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/esrt-dev/esrt/endpoint"
	"github.com/esrt-dev/esrt/internal/secret"
)

// What Logging writes never holds a secret: URLs lose their userinfo, and
// bodies that may carry credentials are replaced by a marker. The curl
// command's placeholders for credentials and secret headers are in curl.go.

// redactedURL renders u redacted as esrt's errors redact URLs
// ([secret.RedactURL]): userinfo becomes "xxxxx".
func redactedURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	return secret.RedactURL(u.String())
}

// secretBodyMarkers returns the markers that replace req's request and
// response bodies in the curl trace, or "" where a body may be shown: the
// endpoint ([endpoint.Of]) takes or returns secrets (SecretRequest,
// SecretResponse), or req calls a security API, where any body may hold
// one.
func secretBodyMarkers(req *http.Request) (request, response string) {
	e := endpoint.Of(req)
	if e.SecretRequest {
		request = "[body redacted: " + e.ID + " carries secrets]"
	}
	if e.SecretResponse {
		response = "[body redacted: " + e.ID + " returns secrets]"
	}
	var marker string
	switch {
	case strings.HasPrefix(e.ID, "security."):
		marker = "[body redacted: " + e.ID + " is a security API]"
	case underSecurityAPI(req.URL.EscapedPath()):
		marker = "[body redacted: security API]"
	}
	if marker != "" {
		if request == "" {
			request = marker
		}
		if response == "" {
			response = marker
		}
	}
	return request, response
}

// underSecurityAPI reports whether path is under a security API:
// Elasticsearch's /_security (/_xpack/security in 6.x), OpenSearch's
// /_plugins/_security and /_opendistro/_security. Over the endpoint table
// it agrees with the "security." namespace of endpoint ids; it stays for
// what the table cannot know (older and newer servers' security endpoints,
// such as GET /_opendistro/_security/api/internalusers), and so that an
// endpoint carried by the context can hide more, never less.
func underSecurityAPI(path string) bool {
	segs := strings.FieldsFunc(path, func(r rune) bool { return r == '/' })
	switch {
	case len(segs) == 0:
		return false
	case segs[0] == "_security":
		return true
	case len(segs) == 1:
		return false
	case segs[0] == "_plugins" || segs[0] == "_opendistro":
		return segs[1] == "_security"
	}
	return segs[0] == "_xpack" && segs[1] == "security"
}

// redactedError renders err with every URL in its message redacted by
// [secret.RedactURL], the redaction of esrt's own errors. A URL runs from its
// scheme to the end of its authority: the first "/", "?", "#", blank, or
// the next "://".
func redactedError(err error) string {
	s := err.Error()
	if !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			break
		}
		start := i
		for start > 0 && isSchemeChar(s[start-1]) {
			start--
		}
		end := i + 3
		for end < len(s) && !strings.ContainsRune("/?# \t\r\n", rune(s[end])) && !strings.HasPrefix(s[end:], "://") {
			end++
		}
		if strings.HasPrefix(s[end:], "://") {
			// Another URL follows without a separator: its scheme is not
			// part of this one.
			for end > i+3 && isSchemeChar(s[end-1]) {
				end--
			}
		}
		b.WriteString(s[:start])
		b.WriteString(secret.RedactURL(s[start:end]))
		s = s[end:]
	}
	b.WriteString(s)
	return b.String()
}

func isSchemeChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'
}
