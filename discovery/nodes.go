package discovery

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"github.com/esrt-dev/esrt/rt"
)

// ParseNodes parses the body of a GET /_nodes/http (or /_nodes/_all/http)
// response into the nodes that should receive requests.
//
// Each node's address comes from http.publish_address, in any of the forms
// Elasticsearch and OpenSearch use: "ip:port", "hostname/ip:port" (the
// hostname is used, the port kept), "[::1]:9200",
// "hostname/[2001:db8::1]:9200", and IPv6 zone ids ("[fe80::1%eth0]:9200";
// a zone already escaped as "%25eth0" is accepted too). Nodes without an http
// section, without a publish_address, or whose address does not parse are
// skipped, as are dedicated master nodes (see [IsDedicatedMaster]). Entries
// that are not JSON objects of the expected shape are skipped, not fatal.
//
// Discovered nodes inherit seed's scheme, userinfo and path prefix (seed is
// the node that answered; if nil, plain http without prefix). ID, Name, Roles
// and Attributes come from the body; Roles is nil when the body has no roles
// (Elasticsearch before 5.0), empty for a coordinating-only node. Attribute
// values that are not strings are kept as their JSON text.
//
// The result is sorted by [rt.Node.Key]; two entries with the same key (a
// misconfigured publish_host) yield one node, the one with the smallest id.
// An empty result is not an error. The error is non-nil only when the body is
// not a JSON object with a "nodes" object.
func ParseNodes(body []byte, seed *rt.Node) ([]*rt.Node, error) {
	return parseNodes(body, seed, nil, 0)
}

// IsDedicatedMaster reports whether n is a dedicated master node, which
// should not receive requests: it is master-eligible ("master", or
// "cluster_manager" in OpenSearch 2+) and has no role that holds data
// ("data" or any "data_*", and OpenSearch's "search" and "warm") and no
// "ingest" role. A voting-only master ("master", "voting_only") and a master
// with only "ml" or "remote_cluster_client" besides are dedicated masters; a
// coordinating-only node (no roles) is not, and neither is a node whose roles
// are unknown (nil Roles).
//
// This is the rule of the Elasticsearch Java client's
// NodeSelector.SKIP_DEDICATED_MASTERS. Some other clients skip only nodes
// whose roles are exactly ["master"].
func IsDedicatedMaster(n *rt.Node) bool {
	master := false
	for _, r := range n.Roles {
		switch {
		case r == "master" || r == "cluster_manager":
			master = true
		case r == "data" || strings.HasPrefix(r, "data_") || r == "ingest" || r == "search" || r == "warm":
			return false
		}
	}
	return master
}

// nodeInfo is the part of one entry of "nodes" that discovery reads.
type nodeInfo struct {
	Name       string                     `json:"name"`
	Roles      []string                   `json:"roles"`
	Attributes map[string]json.RawMessage `json:"attributes"`
	HTTP       *struct {
		PublishAddress string `json:"publish_address"`
	} `json:"http"`
}

// parseNodes is [ParseNodes] with a filter and a cap: keep reports whether a
// parsed node is kept, nil meaning "not a dedicated master"; a body whose
// "nodes" object has more than maxNodes entries is refused with an error
// wrapping [ErrTooManyNodes] before any entry is read (0: no cap).
func parseNodes(body []byte, seed *rt.Node, keep func(*rt.Node) bool, maxNodes int) ([]*rt.Node, error) {
	var resp struct {
		Nodes map[string]json.RawMessage `json:"nodes"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("esrt: nodes info: %w", err)
	}
	if resp.Nodes == nil {
		return nil, errors.New(`esrt: nodes info: no "nodes" object`)
	}
	if maxNodes > 0 && len(resp.Nodes) > maxNodes {
		return nil, fmt.Errorf("%w: %d nodes, MaxNodes is %d", ErrTooManyNodes, len(resp.Nodes), maxNodes)
	}
	if keep == nil {
		keep = func(n *rt.Node) bool { return !IsDedicatedMaster(n) }
	}
	nodes := make([]*rt.Node, 0, len(resp.Nodes))
	for id, raw := range resp.Nodes {
		var info nodeInfo
		if err := json.Unmarshal(raw, &info); err != nil || info.HTTP == nil {
			continue
		}
		hostport, err := publishHostPort(info.HTTP.PublishAddress)
		if err != nil {
			continue
		}
		n := &rt.Node{
			URL:        nodeURL(seed, hostport),
			ID:         id,
			Name:       info.Name,
			Roles:      info.Roles,
			Attributes: attributes(info.Attributes),
		}
		if keep(n) {
			nodes = append(nodes, n)
		}
	}
	slices.SortFunc(nodes, func(a, b *rt.Node) int {
		return cmp.Or(strings.Compare(a.Key(), b.Key()), strings.Compare(a.ID, b.ID))
	})
	return slices.CompactFunc(nodes, func(a, b *rt.Node) bool { return a.Key() == b.Key() }), nil
}

// nodeURL returns seed's URL with its host replaced by hostport.
func nodeURL(seed *rt.Node, hostport string) *url.URL {
	if seed == nil || seed.URL == nil {
		return &url.URL{Scheme: "http", Host: hostport}
	}
	return &url.URL{
		Scheme:  seed.URL.Scheme,
		User:    seed.URL.User, // *url.Userinfo is immutable
		Host:    hostport,
		Path:    seed.URL.Path,
		RawPath: seed.URL.RawPath,
	}
}

// attributes turns the attributes object into strings; nil when empty.
func attributes(raw map[string]json.RawMessage) map[string]string {
	if len(raw) == 0 {
		return nil
	}
	attrs := make(map[string]string, len(raw))
	for k, v := range raw {
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			attrs[k] = s
			continue
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, v); err == nil {
			attrs[k] = buf.String()
		}
	}
	return attrs
}

// publishHostPort turns an http.publish_address into the host:port to send
// requests to (IPv6 literals in brackets, a zone unescaped).
func publishHostPort(addr string) (string, error) {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return "", errors.New("empty publish_address")
	}
	// "hostname/ip:port": the hostname is what the node was configured to
	// publish (and what its certificate names); the ip:port part gives the
	// port.
	name, ipport, hasName := strings.Cut(addr, "/")
	if !hasName {
		name, ipport = "", addr
	}
	host, port, err := net.SplitHostPort(ipport)
	if err != nil {
		return "", fmt.Errorf("publish_address %q: %w", addr, err)
	}
	if !validPort(port) {
		return "", fmt.Errorf("publish_address %q: invalid port", addr)
	}
	if name != "" {
		host = name
	}
	host, ok := checkHost(host)
	if !ok {
		return "", fmt.Errorf("publish_address %q: invalid host", addr)
	}
	return net.JoinHostPort(host, port), nil
}

// checkHost returns host if it is an IP address (an IPv6 one possibly with a
// zone) or a DNS name, with an escaped zone ("%25eth0") unescaped.
func checkHost(host string) (string, bool) {
	if ip, zone, ok := strings.Cut(host, "%"); ok {
		// The zone may arrive escaped as in a URL ("%25eth0").
		if dec, err := url.PathUnescape("%" + zone); err == nil && strings.HasPrefix(dec, "%") {
			zone = dec[1:]
		}
		a, err := netip.ParseAddr(ip)
		if err != nil || !a.Is6() || !isHostname(zone) {
			return "", false
		}
		return ip + "%" + zone, true
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return host, true
	}
	return host, isHostname(host)
}
