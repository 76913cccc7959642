package discovery

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/esrt-dev/esrt/rt"
)

// ParseCloudID returns the Elasticsearch node that an Elastic Cloud ID
// addresses.
//
// A Cloud ID is "name:payload", where payload is the base64 encoding of
// "host[:port]$es_uuid[:port][$kibana_uuid[:port]]". The node is
// https://es_uuid.host[:port]. The port is 443 unless the host part names
// one; a port after es_uuid wins over the host's (as in Beats and the .NET
// client). Port 443 is left out of the URL, so "host:443$id" and "host$id"
// give the same node. The name may be empty and may contain ':' (the payload
// starts after the last ':'); the Kibana part is ignored and may be missing
// or empty. Padded and unpadded base64, standard or URL-safe, are accepted.
//
// Errors are [*rt.ConfigError] values with Field "CloudID".
//
// Sniffing must stay off for Elastic Cloud: the nodes behind the proxy are
// not reachable from outside.
func ParseCloudID(id string) (*rt.Node, error) {
	fail := func(err error) (*rt.Node, error) {
		return nil, &rt.ConfigError{Field: "CloudID", Err: err}
	}
	id = strings.TrimSpace(id)
	if id == "" {
		return fail(errors.New("empty"))
	}
	i := strings.LastIndexByte(id, ':')
	if i < 0 {
		return fail(errors.New(`want "name:base64payload", found no ':'`))
	}
	payload := id[i+1:]
	if payload == "" {
		return fail(errors.New("empty payload after ':'"))
	}
	raw, err := decodeBase64(payload)
	if err != nil {
		return fail(fmt.Errorf("payload is not base64: %w", err))
	}
	if !utf8.Valid(raw) {
		return fail(errors.New("decoded payload is not UTF-8"))
	}
	parts := strings.Split(string(raw), "$")
	if len(parts) < 2 {
		return fail(errors.New(`decoded payload has no "$es_uuid" part`))
	}
	host, port, err := splitCloudPort(parts[0], "443")
	if err != nil {
		return fail(fmt.Errorf("host part: %w", err))
	}
	esID, port, err := splitCloudPort(parts[1], port)
	if err != nil {
		return fail(fmt.Errorf("Elasticsearch part: %w", err))
	}
	switch {
	case host == "":
		return fail(errors.New("empty host in decoded payload"))
	case esID == "":
		return fail(errors.New("empty Elasticsearch id in decoded payload"))
	case !isHostname(host):
		return fail(errors.New("host in decoded payload is not a host name"))
	case !isHostname(esID):
		return fail(errors.New("Elasticsearch id in decoded payload is not a host name label"))
	}
	hostport := esID + "." + host
	if port != "443" {
		hostport += ":" + port
	}
	return &rt.Node{URL: &url.URL{Scheme: "https", Host: hostport}}, nil
}

// decodeBase64 accepts standard and URL-safe base64, padded or not. The
// error is that of the standard, padded decoding.
func decodeBase64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err == nil {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err2 := enc.DecodeString(s); err2 == nil {
			return b, nil
		}
	}
	return nil, err
}

// splitCloudPort splits "name:port" at its last ':'; without one, the port
// is def.
func splitCloudPort(word, def string) (name, port string, err error) {
	i := strings.LastIndexByte(word, ':')
	if i < 0 {
		return word, def, nil
	}
	name, port = word[:i], word[i+1:]
	if !validPort(port) {
		return "", "", fmt.Errorf("invalid port %q", port)
	}
	return name, port, nil
}

// validPort reports whether p is a decimal port number from 1 to 65535.
func validPort(p string) bool {
	if p == "" || len(p) > 5 {
		return false
	}
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

// isHostname reports whether s is made only of the characters of DNS names
// (letters, digits, '-', '.', and '_', which Elastic Cloud ids use), so that
// it cannot carry userinfo, a path or a second host into a URL.
func isHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_':
		default:
			return false
		}
	}
	return true
}
