package rt

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/esrt-dev/esrt/internal/secret"
)

// Node is one member of a cluster: where to send requests, and what discovery
// learned about it.
//
// A Node is immutable once it is shared: selectors, hooks and discovery hand
// the same *Node to many goroutines, so nobody may modify it or the values it
// points to. Build a new Node to change anything.
type Node struct {
	// URL is the node's base address: scheme (http or https), host and port,
	// and an optional path prefix (for a node behind a reverse proxy) without
	// a trailing slash. It may carry userinfo, which the auth middleware turns
	// into credentials and which is never sent as part of a URL, logged or put
	// into an error.
	URL *url.URL

	// ID and Name are the node's id and name as the cluster reports them;
	// empty for nodes that were configured rather than discovered.
	ID   string
	Name string

	// Roles are the node's roles as the cluster reports them ("master",
	// "data", "ingest", ...). Nil for configured nodes.
	Roles []string

	// Attributes are the node's custom attributes (node.attr.* settings, such
	// as a zone); nil for configured nodes.
	Attributes map[string]string
}

// NewNode parses a node address such as "https://es1.example.com:9200" or
// "https://user:secret@proxy.example.com/es/" into a Node. The scheme must be
// http or https; the host must not be empty; a query or fragment is refused;
// trailing slashes are trimmed from the path prefix. Userinfo is kept (see
// [Node.URL]): it is everything before the address's last "@", and the
// characters of a user name or password that URLs reserve (such as / ? # %
// and spaces) must be percent-encoded in it.
//
// Errors say which part of the address is wrong and never contain the
// address itself: an address that does not parse may hold a password
// anywhere, so no part of it, nor url.Parse's message about it, is echoed.
func NewNode(rawURL string) (*Node, error) {
	u, err := parseNodeURL(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, fmt.Errorf("esrt: node address: %w", err)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	return &Node{URL: u}, nil
}

// errUserinfo is the error for userinfo that url.Parse would misread or
// refuse.
var errUserinfo = errors.New("the user name or password (before the last @) has a character " +
	"that must be percent-encoded: write / ? # % @ and a space as %2F %3F %23 %25 %40 %20, " +
	"or set Username and Password instead")

// parseNodeURL parses raw without ever echoing it. The userinfo is split
// off at the last "@" before anything else, so that a password with an
// unescaped "/", "?" or "#" is refused as such instead of being read as a
// host, port or path that later errors and log lines would show.
func parseNodeURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("empty")
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok || !secret.ValidScheme(scheme) {
		// 127.0.0.1:9200, localhost:9200, [::1]:9200, user:pass@es:9200.
		return nil, errors.New("missing scheme: write http:// or https:// before the host, as in https://localhost:9200")
	}
	if s := strings.ToLower(scheme); s != "http" && s != "https" {
		return nil, fmt.Errorf("scheme %q is not http or https", scheme)
	}
	var user *url.Userinfo
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		var err error
		if user, err = parseUserinfo(rest[:at]); err != nil {
			return nil, err
		}
		rest = rest[at+1:]
	}
	hostport := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		hostport = rest[:i]
	}
	if err := checkHostPort(hostport); err != nil {
		return nil, err
	}
	// What is left has no userinfo, but url.Parse's messages are still not
	// echoed: a password typed where the port goes ("http://elastic:pw")
	// would be in them.
	if _, err := url.Parse(scheme + "://" + hostport); err != nil {
		return nil, errors.New("the host is not a valid host name or IP address")
	}
	u, err := url.Parse(scheme + "://" + rest)
	if err != nil {
		return nil, errors.New("the path is not valid (a % must start an escape such as %20)")
	}
	switch {
	case u.RawQuery != "" || u.ForceQuery:
		return nil, errors.New("a query is not allowed")
	case u.Fragment != "" || strings.Contains(rest, "#"):
		return nil, errors.New("a fragment is not allowed")
	}
	u.User = user
	return u, nil
}

// parseUserinfo parses "user[:password]", percent-decoding both. Only the
// characters RFC 3986 allows unescaped in userinfo are accepted, as
// url.Parse does, and a "%" must start a valid escape.
func parseUserinfo(s string) (*url.Userinfo, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9':
		case strings.IndexByte("-._~!$&'()*+,;=:@", c) >= 0:
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			i += 2
		default:
			return nil, errUserinfo
		}
	}
	rawUser, rawPassword, hasPassword := strings.Cut(s, ":")
	username, err1 := url.PathUnescape(rawUser)
	password, err2 := url.PathUnescape(rawPassword)
	switch {
	case err1 != nil || err2 != nil:
		return nil, errUserinfo
	case username == "":
		return nil, errors.New("empty user name before @")
	case hasPassword:
		return url.UserPassword(username, password), nil
	}
	return url.User(username), nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// checkHostPort checks "host", "host:port", "[ipv6]" or "[ipv6]:port".
func checkHostPort(hp string) error {
	host, port, hasPort := hp, "", false
	if strings.HasPrefix(hp, "[") {
		end := strings.IndexByte(hp, ']')
		if end < 0 {
			return errors.New("the IPv6 address has no closing ]")
		}
		host = hp[1:end]
		if !validIPv6(host) {
			return errors.New("the IPv6 address in brackets is not valid")
		}
		switch after := hp[end+1:]; {
		case after == "":
		case after[0] == ':':
			port, hasPort = after[1:], true
		default:
			return errors.New("only :port may follow an IPv6 address in brackets")
		}
	} else if i := strings.LastIndexByte(hp, ':'); i >= 0 {
		host, port, hasPort = hp[:i], hp[i+1:], true
		if strings.Contains(host, ":") {
			return errors.New("the host is not valid (write an IPv6 address in brackets, as in http://[::1]:9200)")
		}
	}
	switch {
	case host == "":
		return errors.New("missing host")
	case hasPort && port == "":
		return errors.New("empty port")
	case hasPort:
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '+' || port[0] == '-' {
			return errors.New("the port is not a number from 1 to 65535")
		}
	}
	return nil
}

// validIPv6 reports whether host, from between brackets, is an IPv6
// address, with an optional zone escaped as in a URL ("fe80::1%25eth0")
// made of printable ASCII: url.Parse takes other bytes in a zone, but
// then prints an address that it refuses to read back.
func validIPv6(host string) bool {
	ip, zone, hasZone := strings.Cut(host, "%25")
	if a, err := netip.ParseAddr(ip); err != nil || !a.Is6() || a.Zone() != "" {
		return false
	}
	if !hasZone {
		return true
	}
	for i := 0; i < len(zone); i++ {
		if zone[i] <= ' ' || zone[i] >= 0x7f {
			return false
		}
	}
	return zone != ""
}

// String returns the node's URL with any password replaced by "xxxxx", so
// that it is safe to log. A user name without a password is replaced too:
// it is then the whole credential (basic auth with an empty password, or a
// token written as https://TOKEN@host), which [url.URL.Redacted] would show.
func (n *Node) String() string {
	if n == nil || n.URL == nil {
		return "<nil>"
	}
	if u := n.URL.User; u != nil {
		if _, ok := u.Password(); !ok {
			c := *n.URL
			c.User = url.User("xxxxx")
			return c.String()
		}
	}
	return n.URL.Redacted()
}

// Format prints the node with its userinfo redacted for every verb: %v and
// %s print [Node.String]; %+v and %#v print every field, the URL as
// [Node.String] shows it. (Without it, fmt would print a Node value's URL
// with its password.)
func (n Node) Format(f fmt.State, verb rune) {
	if verb == 'v' && (f.Flag('+') || f.Flag('#')) {
		type Node struct { // named so that %#v prints rt.Node
			URL        string
			ID, Name   string
			Roles      []string
			Attributes map[string]string
		}
		fmt.Fprintf(f, fmt.FormatString(f, verb), Node{n.String(), n.ID, n.Name, n.Roles, n.Attributes})
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), n.String())
}

// LogValue logs the node as [Node.String] shows it, so that log/slog
// handlers never reach its userinfo.
func (n *Node) LogValue() slog.Value { return slog.StringValue(n.String()) }

// HasRole reports whether the node has the role.
func (n *Node) HasRole(role string) bool { return slices.Contains(n.Roles, role) }

// Key returns the node's identity within a pool: lower-case host, port (the
// scheme's default when the URL has none) and path prefix. Two nodes with the
// same key are the same node, whatever their other fields say.
func (n *Node) Key() string {
	port := n.URL.Port()
	if port == "" {
		port = "80"
		if n.URL.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(strings.ToLower(n.URL.Hostname()), port) + n.URL.EscapedPath()
}
