package discovery

import (
	"errors"
	"fmt"
	"strings"

	"github.com/esrt-dev/esrt/rt"
)

// Seeds parses the configured node addresses, such as
// "https://es1.example.com:9200" or "https://user:secret@proxy.example.com/es/",
// with [rt.NewNode]: the scheme must be http or https, trailing slashes are
// trimmed, and a path prefix and userinfo are kept.
//
// Two addresses that name the same node (the same [rt.Node.Key]: host, port
// and path prefix) are refused rather than collapsed: they are usually a
// mistake, and collapsing them would silently drop one of them, with its
// credentials.
//
// Every error is an [*rt.ConfigError] whose Field names the offending entry,
// such as "Addresses[1]", and says which part of it is wrong; it never
// contains the address, which may hold a password anywhere when it does
// not parse (see [rt.NewNode]). An empty list is an
// error too: the caller applies defaults (ELASTICSEARCH_URL,
// http://localhost:9200) before calling Seeds.
func Seeds(addresses []string) ([]*rt.Node, error) {
	if len(addresses) == 0 {
		return nil, &rt.ConfigError{Field: "Addresses", Err: errors.New("no address")}
	}
	nodes := make([]*rt.Node, 0, len(addresses))
	seen := make(map[string]int, len(addresses))
	for i, addr := range addresses {
		field := fmt.Sprintf("Addresses[%d]", i)
		n, err := rt.NewNode(addr)
		if err != nil {
			return nil, &rt.ConfigError{Field: field, Err: unprefixed{err}}
		}
		key := n.Key()
		if j, dup := seen[key]; dup {
			return nil, &rt.ConfigError{Field: field, Err: fmt.Errorf("same node as Addresses[%d] (%s)", j, key)}
		}
		seen[key] = i
		nodes = append(nodes, n)
	}
	return nodes, nil
}

// unprefixed drops the "esrt: " prefix of an error that is wrapped in a
// [rt.ConfigError], whose own message already starts with it.
type unprefixed struct{ err error }

func (e unprefixed) Error() string { return strings.TrimPrefix(e.err.Error(), "esrt: ") }
func (e unprefixed) Unwrap() error { return e.err }
