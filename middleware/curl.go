package middleware

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/esrt-dev/esrt/internal/options"
	"github.com/esrt-dev/esrt/internal/secret"
	"github.com/esrt-dev/esrt/rt"
)

// CurlAuth describes, without its secret, the static credential that the
// chain adds to requests after [Logging] saw them ([Auth] sits inside
// Logging), so that the curl trace prints a placeholder for it. The zero
// value means none.
//
// The curl trace prints each request as a command that runs in a POSIX
// shell once the environment variables that stand for its secrets are
// exported:
//
//	ES_USERNAME, ES_PASSWORD  basic credentials (a configured user name
//	                          with a password is printed as it is)
//	ES_API_KEY                an API key, as sent after "ApiKey "
//	ES_SERVICE_TOKEN          the configured service token ("Bearer ")
//	ES_BEARER_TOKEN           a per-request or caller's bearer token
//	ES_CREDENTIALS            the credentials of another Authorization scheme
//	ES_AUTHORIZATION          an Authorization value without a scheme
//	ES_HEADER_<NAME>          another header whose value may be a secret
//	                          (Cookie: ES_HEADER_COOKIE)
//	ES_CA_CERT                the path of the CA certificate file
//
// Values with a variable are double-quoted so that the shell expands it
// (-u "elastic:$ES_PASSWORD"); everything else is single-quoted, or $'...'
// when it holds control characters (NDJSON's newlines), which bash, zsh
// and ksh read.
type CurlAuth struct {
	// Scheme is "Basic", "ApiKey" or "Bearer", as [rt.Auth.Scheme]
	// returns it; "" means no static credential.
	Scheme string

	// Username is the user name of basic credentials; the trace prints it.
	// If empty, the trace prints $ES_USERNAME.
	Username string
}

// CurlAuth describes the credential that cfg makes [Auth] send
// ([AuthConfig.Credential]), for [LoggingConfig.Auth]. The user name of
// basic credentials is given only with a password: a user name alone may
// itself be a token.
func (cfg AuthConfig) CurlAuth() CurlAuth {
	a := CurlAuth{Scheme: cfg.Credential().Scheme()}
	if a.Scheme == "Basic" && cfg.Password != "" {
		a.Username = cfg.Username
	}
	return a
}

// command renders the request as a curl command to u: the headers it
// has once the middlewares inside Logging added theirs (per-request and
// default headers, the credential), with placeholders for every secret, and
// the body as captured.
func (c *loggedRequest) command(u *url.URL) string {
	var b strings.Builder
	b.WriteString("curl")
	switch m := methodOrGet(c.req.Method); m {
	case http.MethodHead:
		b.WriteString(" --head")
	default:
		b.WriteString(" -X ")
		b.WriteString(m)
	}
	hadUser := u.User != nil || c.req.URL.User != nil
	if u.User != nil {
		plain := *u
		plain.User = nil // the credential goes in -u
		u = &plain
	}
	b.WriteByte(' ')
	b.WriteString(shellQuote(redactedURL(u)))
	if c.t.caCert && u.Scheme == "https" {
		b.WriteString(` --cacert "$ES_CA_CERT"`)
	}
	h := c.sentHeaders()
	if arg := c.authArg(h, hadUser); arg != "" {
		b.WriteByte(' ')
		b.WriteString(arg)
	}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range h {
			if !yield(k) {
				return
			}
		}
	}) {
		switch http.CanonicalHeaderKey(k) {
		case "Content-Length", "Authorization":
			continue
		}
		for _, v := range h[k] {
			b.WriteString(" -H ")
			if secret.Header(k) {
				b.WriteString(quoteWithVar(k+": ", "ES_HEADER_"+envName(k)))
			} else {
				b.WriteString(shellQuote(k + ": " + v))
			}
		}
	}
	if c.reqBody != nil {
		b.WriteString(" --data-binary ")
		b.WriteString(shellQuote(string(c.reqBody)))
	}
	if c.reqNote != "" {
		b.WriteString(" # ")
		b.WriteString(c.reqNote)
	}
	return b.String()
}

// sentHeaders returns the request's headers with those that [Headers]
// adds further in, by its rules: per-request headers ([rt.WithHeader]) and
// then the defaults fill only keys the request lacks, and the opaque id
// ([rt.WithOpaqueID]) comes in when the request has none. User-Agent is
// left to curl.
func (c *loggedRequest) sentHeaders() http.Header {
	h := make(http.Header, len(c.req.Header)+len(c.t.header)+1)
	for k, v := range c.req.Header {
		h[k] = v
	}
	o := options.From(c.ctx)
	if o.HasHeader {
		fill(h, o.Header)
	}
	if id := o.OpaqueID; id != "" && headerValue(h, "X-Opaque-Id") == "" {
		h["X-Opaque-Id"] = []string{id}
	}
	fill(h, c.t.header)
	return h
}

// authArg returns the curl argument for the credential the request will
// carry, in [Auth]'s order: an Authorization header, a per-request
// credential, URL userinfo, the configured credential.
func (c *loggedRequest) authArg(h http.Header, hadUser bool) string {
	for k, vs := range h {
		if http.CanonicalHeaderKey(k) == "Authorization" && len(vs) > 0 && vs[0] != "" {
			scheme, _, ok := strings.Cut(strings.TrimSpace(vs[0]), " ")
			if !ok {
				return `-H "Authorization: $ES_AUTHORIZATION"` // no scheme: all of it may be secret
			}
			return credentialArg(scheme, "", false)
		}
	}
	if a, ok := rt.AuthFrom(c.ctx); ok && !a.IsZero() {
		return credentialArg(a.Scheme(), "", false)
	}
	if hadUser {
		return credentialArg("Basic", "", false)
	}
	return credentialArg(c.t.auth.Scheme, c.t.auth.Username, true)
}

// credentialArg returns the curl argument for a credential of scheme: "-u"
// with the user name, if known, and $ES_PASSWORD for basic credentials, an
// Authorization header with a placeholder otherwise; "" for no scheme.
// static says the credential is the configured one, whose bearer token is
// the service token.
func credentialArg(scheme, username string, static bool) string {
	switch {
	case scheme == "":
		return ""
	case strings.EqualFold(scheme, "Basic"):
		if username == "" {
			return `-u "$ES_USERNAME:$ES_PASSWORD"`
		}
		return "-u " + quoteWithVar(username+":", "ES_PASSWORD")
	case strings.EqualFold(scheme, "ApiKey"):
		return `-H "Authorization: ApiKey $ES_API_KEY"`
	case strings.EqualFold(scheme, "Bearer") && static:
		return `-H "Authorization: Bearer $ES_SERVICE_TOKEN"`
	case strings.EqualFold(scheme, "Bearer"):
		return `-H "Authorization: Bearer $ES_BEARER_TOKEN"`
	case isAuthScheme(scheme):
		return `-H "Authorization: ` + scheme + ` $ES_CREDENTIALS"`
	}
	return `-H "Authorization: $ES_AUTHORIZATION"`
}

// quoteWithVar quotes literal followed by the value of the environment
// variable name for a POSIX shell: "literal$NAME" when nothing in literal
// is special in double quotes, else 'literal'"$NAME".
func quoteWithVar(literal, name string) string {
	plain := !strings.ContainsFunc(literal, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(" :._@+-/=,", r))
	})
	if plain {
		return `"` + literal + `$` + name + `"`
	}
	return shellQuote(literal) + `"$` + name + `"`
}

// envName turns a header name into the suffix of an environment
// variable: upper case, with "_" for anything but letters and digits.
func envName(header string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, header)
}

// shellQuote quotes s for a POSIX shell: in single quotes, or as $'...'
// with escapes when it holds control characters (NDJSON's newlines), so
// that a command stays on one line.
func shellQuote(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; ch {
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if ch < 0x20 || ch == 0x7f {
				fmt.Fprintf(&b, `\x%02x`, ch)
			} else {
				b.WriteByte(ch)
			}
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// isAuthScheme reports whether s looks like an HTTP auth scheme name
// ("Basic", "ApiKey", "AWS4-HMAC-SHA256"), not part of a secret.
func isAuthScheme(s string) bool {
	if s == "" || len(s) > 24 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
