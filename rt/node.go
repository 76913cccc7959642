package rt

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
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
// [Node.URL]). Errors never contain the userinfo.
func NewNode(rawURL string) (*Node, error) {
	raw := strings.TrimSpace(rawURL)
	if raw == "" {
		return nil, errors.New("esrt: node address is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the whole address, userinfo included.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("esrt: node address %q: %w", RedactURL(raw), err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		if u.Scheme == "" || u.Opaque != "" || u.Host == "" {
			return nil, fmt.Errorf("esrt: node address %q: missing scheme (want http:// or https://)", RedactURL(raw))
		}
		return nil, fmt.Errorf("esrt: node address %q: scheme %q is not http or https", RedactURL(raw), u.Scheme)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("esrt: node address %q: missing host", RedactURL(raw))
	case u.RawQuery != "" || u.ForceQuery:
		return nil, fmt.Errorf("esrt: node address %q: a query is not allowed", RedactURL(raw))
	case u.Fragment != "":
		return nil, fmt.Errorf("esrt: node address %q: a fragment is not allowed", RedactURL(raw))
	}
	if port := u.Port(); port == "" && strings.HasSuffix(u.Host, ":") {
		return nil, fmt.Errorf("esrt: node address %q: empty port", RedactURL(raw))
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	return &Node{URL: u}, nil
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

// RedactURL returns raw with the userinfo of an absolute URL replaced by
// "xxxxx", whether or not raw parses as a URL. It is meant for error messages
// about addresses that may carry credentials.
func RedactURL(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	authEnd := strings.IndexAny(rest, "/?#")
	if authEnd < 0 {
		authEnd = len(rest)
	}
	at := strings.LastIndex(rest[:authEnd], "@")
	if at < 0 {
		return raw
	}
	return scheme + "://xxxxx@" + rest[at+1:]
}
