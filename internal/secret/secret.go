// Package secret holds esrt's rules for what must never be shown: which
// header values may be credentials, so that logs, traces and formatted
// configurations redact the same headers, and where the userinfo of a URL
// is ([RedactURL]), so that log lines and errors redact URLs alike.
package secret

import "strings"

// Header reports whether the value of the header called name may be a
// credential: its name, in any case, contains auth, cookie, token, secret,
// pass (password, passwd, passphrase, passcode), key, session, credential,
// signature, jwt, assertion or bearer. The rule errs on the side of
// redacting.
func Header(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"auth", "cookie", "token", "secret", "pass", "key", "session", "credential", "signature", "jwt", "assertion", "bearer"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}
