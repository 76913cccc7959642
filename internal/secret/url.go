package secret

import (
	"net/url"
	"strings"
)

// RedactURL returns raw with its userinfo replaced by "xxxxx", for log lines
// and error messages. It never returns userinfo, whatever raw is:
//
//   - The userinfo of a URL is what comes before the last "@" of its
//     authority, which ends at the first "/", "?" or "#" (RFC 3986, as
//     url.Parse reads it): "https://u:p@es:9200/x" becomes
//     "https://xxxxx@es:9200/x". An "@" further on, in the path, query or
//     fragment, is not userinfo and is kept: "http://es/_doc/a@b" comes
//     back as it is.
//   - A string url.Parse refuses, or one without a scheme, has everything
//     up to its last "@" replaced, after the scheme if it has one: a
//     password with an unescaped "/", "?" or "#" (which is what makes most
//     such addresses fail to parse) is hidden whole, so
//     "http://u:p/ss@es" becomes "http://xxxxx@es" and "u:p@es:9200"
//     becomes "xxxxx@es:9200".
//
// A string without "@" is returned as it is.
func RedactURL(raw string) string {
	at := strings.LastIndexByte(raw, '@')
	if at < 0 {
		return raw
	}
	start := 0
	scheme, rest, ok := strings.Cut(raw, "://")
	if ok && ValidScheme(scheme) {
		start = len(scheme) + len("://")
		if _, err := url.Parse(raw); err == nil {
			authority := rest
			if i := strings.IndexAny(rest, "/?#"); i >= 0 {
				authority = rest[:i]
			}
			at = strings.LastIndexByte(authority, '@')
			if at < 0 {
				return raw
			}
			at += start
		}
	}
	return raw[:start] + "xxxxx" + raw[at:]
}

// ValidScheme reports whether s is a URL scheme (RFC 3986: a letter, then
// letters, digits, "+", "-" or "."). rt.NewNode reads an address's scheme
// with it too, so that an address is split where [RedactURL] splits it.
func ValidScheme(s string) bool {
	for i, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}
