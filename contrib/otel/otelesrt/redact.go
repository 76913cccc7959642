package otelesrt

import (
	"net/url"
	"strings"
)

// redacted replaces a credential in url.full and in error messages, as the
// semantic conventions ask.
const redacted = "REDACTED"

// signatureParams are the query parameters whose values are credentials:
// the semantic conventions' list (presigned AWS, Azure and Google URLs).
// They are matched without regard to case.
var signatureParams = []string{
	"X-Amz-Signature",
	"X-Amz-Credential",
	"X-Amz-Security-Token",
	"AWSAccessKeyId",
	"Signature",
	"sig",
	"X-Goog-Signature",
	"X-Goog-Credential",
}

// redactURL returns u as url.full: userinfo as REDACTED:REDACTED and the
// values of the signature parameters as REDACTED. It returns "" for a nil
// URL or one without a host: that is no full URL.
func redactURL(u *url.URL) string {
	if u == nil || u.Host == "" {
		return ""
	}
	c := *u
	if c.User != nil {
		c.User = url.UserPassword(redacted, redacted)
	}
	c.RawQuery = redactQuery(c.RawQuery)
	return c.String()
}

// redactQuery replaces the value of every signature parameter of a raw
// query with REDACTED, keeping everything else as it is.
func redactQuery(q string) string {
	if q == "" {
		return q
	}
	var b strings.Builder
	for i, pair := range strings.Split(q, "&") {
		if i > 0 {
			b.WriteByte('&')
		}
		key, _, hasValue := strings.Cut(pair, "=")
		if name, err := url.QueryUnescape(key); err == nil && isSignatureParam(name) && hasValue {
			pair = key + "=" + redacted
		}
		b.WriteString(pair)
	}
	return b.String()
}

func isSignatureParam(name string) bool {
	for _, p := range signatureParams {
		if strings.EqualFold(name, p) {
			return true
		}
	}
	return false
}

// redactText returns an error message with the userinfo of every URL in
// it, and the values of the signature parameters, replaced: a transport's
// error may quote the URL it failed on.
func redactText(s string) string {
	if !strings.Contains(s, "://") && !strings.Contains(s, "=") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			break
		}
		i += len("://")
		b.WriteString(s[:i])
		s = s[i:]
		end := strings.IndexAny(s, "/?# \t\n\"'<>")
		if end < 0 {
			end = len(s)
		}
		if at := strings.LastIndexByte(s[:end], '@'); at >= 0 {
			b.WriteString(redacted + ":" + redacted)
			s = s[at:]
		}
	}
	b.WriteString(s)
	return redactParamsInText(b.String())
}

// redactParamsInText replaces the value that follows "name=" for every
// signature parameter name in s, up to the next &, space, quote or
// separator.
func redactParamsInText(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if i > 0 && !isParamBoundary(s[i-1]) {
			continue
		}
		n := signatureParamAt(s[i:])
		if n == 0 {
			continue
		}
		v := i + n
		end := v + strings.IndexAny(s[v:]+" ", "& \t\n\"'<>;,")
		b.WriteString(s[last:v])
		b.WriteString(redacted)
		last, i = end, end-1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// signatureParamAt returns the length of "name=" when s starts with a
// signature parameter's name and "=", else 0.
func signatureParamAt(s string) int {
	for _, p := range signatureParams {
		n := len(p) + 1
		if len(s) >= n && s[n-1] == '=' && strings.EqualFold(s[:n-1], p) {
			return n
		}
	}
	return 0
}

// isParamBoundary reports whether c may stand right before a query
// parameter's name.
func isParamBoundary(c byte) bool {
	switch c {
	case '?', '&', ' ', '\t', '\n', '"', '\'', ';', ',':
		return true
	}
	return false
}
