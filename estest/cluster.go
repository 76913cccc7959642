package estest

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ErrClosed is returned by [Node.Revive] after the cluster was closed.
var ErrClosed = errors.New("estest: cluster closed")

// Product is the server product a cluster answers as.
type Product int

const (
	// Elasticsearch answers as Elasticsearch: X-Elastic-Product header (from
	// 7.14), build_flavor "default", tagline "You Know, for Search".
	Elasticsearch Product = iota
	// OpenSearch answers as OpenSearch: no X-Elastic-Product header,
	// version.distribution "opensearch" and the OpenSearch tagline.
	OpenSearch
)

// String returns "Elasticsearch" or "OpenSearch".
func (p Product) String() string {
	if p == OpenSearch {
		return "OpenSearch"
	}
	return "Elasticsearch"
}

// DefaultVersion is the Elasticsearch version a cluster reports when
// Config.Version is empty: the current major, so that clients of that major
// (go-elasticsearch v9 sends compatible-with=9, which an 8.x refuses) work
// against a zero Config. Set Version for an older server.
const DefaultVersion = "9.1.0"

// Config describes a cluster. The zero Config is a one-node Elasticsearch
// 9.x cluster ([DefaultVersion]) over plain http without security.
type Config struct {
	// Nodes is the number of nodes. If zero, it is len(NodeConfigs), and at
	// least 1.
	Nodes int

	// NodeConfigs configures node i with NodeConfigs[i]; nodes beyond the
	// slice get the defaults.
	NodeConfigs []NodeConfig

	// Product is the product to answer as. The zero value is Elasticsearch.
	Product Product

	// Version is the version number reported, "major.minor.patch". If empty,
	// it is [DefaultVersion] (9.1.0, the current major) for Elasticsearch and
	// 2.19.0 for OpenSearch. Its major
	// decides which compatible-with media types are accepted (major and
	// major-1), whether X-Elastic-Product is sent (7.14 and later), whether
	// responses carry "_type": "_doc" (Elasticsearch 7, OpenSearch 1) and
	// the master role's name for OpenSearch ("cluster_manager" from 2).
	Version string

	// ClusterName is reported by GET / and the cluster APIs. If empty, it
	// is "elasticsearch" or "opensearch".
	ClusterName string

	// TLS serves https with a certificate for 127.0.0.1, ::1 and localhost,
	// signed by an ECDSA CA generated at Start; see [Cluster.CACertPEM],
	// [Cluster.CAFingerprint] and [Cluster.TLSConfig].
	TLS bool

	// PublishHostname publishes http addresses in the "hostname/ip:port"
	// form ("localhost/127.0.0.1:9200") in GET /_nodes/http, as nodes with
	// a configured network.publish_host do. If false, "127.0.0.1:port".
	PublishHostname bool

	// Username and Password enable HTTP basic authentication; an empty
	// Password is a valid password. APIKey is the encoded key a client sends
	// after "ApiKey "; BearerToken the token sent after "Bearer ". When any
	// of Username, APIKey or BearerToken is set, every request must carry
	// one of the configured credentials or is answered 401 with a
	// security_exception and WWW-Authenticate headers.
	Username    string
	Password    string
	APIKey      string
	BearerToken string

	// CompressResponses gzips response bodies for requests that accept
	// gzip, as Elasticsearch's http.compression does. Off by default so
	// that raw response bytes are easy to inspect.
	CompressResponses bool

	// RequestLogSize is the number of requests each node's log keeps (the
	// oldest are dropped). If zero, 10000.
	RequestLogSize int

	// Now is the clock that points in time and scrolls expire by (their
	// keep alive counts from their last use, and they are checked lazily
	// when used), and that OpenSearch's creation_time reports. If nil,
	// time.Now. A test sets it to a clock it advances to expire them
	// without waiting; it must be safe for concurrent use.
	Now func() time.Time
}

// NodeConfig configures one node. The zero value is a node with the
// default name, all roles and no attributes beyond the defaults.
type NodeConfig struct {
	// Name is the node name. If empty, "node-<i>".
	Name string

	// Roles are the node roles reported by GET /_nodes/http. If nil, the
	// default roles of the product (master and data among them); an empty
	// non-nil slice is a coordinating-only node. A dedicated master is
	// []string{"master"} ("cluster_manager" for OpenSearch 2+). Roles only
	// change what the node reports: every node answers every request.
	Roles []string

	// Attributes are the node attributes (for example "zone"). If nil,
	// "xpack.installed": "true" for Elasticsearch and none for OpenSearch.
	Attributes map[string]string
}

// Cluster is a running in-process cluster: its nodes listen on loopback
// ports and share one in-memory store. All methods are safe for concurrent
// use. Close it when done.
type Cluster struct {
	product     Product
	version     string
	major       int
	minor       int
	clusterName string
	uuid        string
	cfg         Config
	now         func() time.Time
	tls         *certificates
	store       *store
	nodes       []*Node
	routeTable  []route

	closed    chan struct{} // closed by Close; releases hung requests
	mu        sync.Mutex    // guards isClosed and active.Add
	isClosed  bool
	active    sync.WaitGroup // running handlers
	closeOnce sync.Once
}

// Start starts a cluster on loopback ports chosen by the system. It starts
// one serving goroutine per node; [Cluster.Close] stops them. The error
// reports an invalid Config or a failure to listen.
func Start(cfg Config) (*Cluster, error) {
	c := &Cluster{cfg: cfg, product: cfg.Product, closed: make(chan struct{})}
	c.version = cfg.Version
	if c.version == "" {
		c.version = DefaultVersion
		if c.product == OpenSearch {
			c.version = "2.19.0"
		}
	}
	var err error
	if c.major, c.minor, err = parseVersion(c.version); err != nil {
		return nil, err
	}
	c.clusterName = cfg.ClusterName
	if c.clusterName == "" {
		c.clusterName = strings.ToLower(c.product.String())
	}
	if c.cfg.RequestLogSize <= 0 {
		c.cfg.RequestLogSize = 10000
	}
	c.now = cfg.Now
	if c.now == nil {
		c.now = time.Now
	}
	c.uuid = randomID(16)
	c.routeTable = c.routes()
	c.store = newStore()
	if cfg.TLS {
		if c.tls, err = newCertificates(); err != nil {
			return nil, fmt.Errorf("estest: generate certificates: %w", err)
		}
	}
	n := cfg.Nodes
	if n <= 0 {
		n = max(1, len(cfg.NodeConfigs))
	}
	for i := range n {
		var nc NodeConfig
		if i < len(cfg.NodeConfigs) {
			nc = cfg.NodeConfigs[i]
		}
		node, err := c.newNode(i, nc)
		if err != nil {
			c.Close()
			return nil, err
		}
		c.nodes = append(c.nodes, node)
	}
	return c, nil
}

// New starts a cluster for a test or benchmark: it fails tb at once if the
// cluster cannot start, and closes the cluster when tb and its subtests
// finish.
func New(tb testing.TB, cfg Config) *Cluster {
	tb.Helper()
	c, err := Start(cfg)
	if err != nil {
		tb.Fatalf("estest: start cluster: %v", err)
	}
	tb.Cleanup(func() {
		if err := c.Close(); err != nil {
			tb.Errorf("estest: close cluster: %v", err)
		}
	})
	return c
}

// Close stops every node: listeners and connections are closed, hung and
// delayed requests are released, and Close returns once every goroutine the
// cluster started has returned. It is safe to call more than once.
func (c *Cluster) Close() error {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.isClosed = true
		close(c.closed)
		c.mu.Unlock()
		for _, n := range c.nodes {
			n.Kill()
		}
		c.active.Wait()
	})
	return nil
}

// enter registers a running handler; it reports false once the cluster is
// closed, so Close's Wait never races with Add.
func (c *Cluster) enter() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.isClosed {
		return false
	}
	c.active.Add(1)
	return true
}

// Nodes returns the nodes, in configuration order.
func (c *Cluster) Nodes() []*Node { return append([]*Node(nil), c.nodes...) }

// Node returns node i; it panics if i is out of range, like a slice index.
func (c *Cluster) Node(i int) *Node { return c.nodes[i] }

// URLs returns every node's base URL ("http://127.0.0.1:port" or https),
// killed nodes included.
func (c *Cluster) URLs() []string {
	urls := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		urls[i] = n.URL()
	}
	return urls
}

// CACertPEM returns the PEM-encoded CA certificate that signed the nodes'
// certificate, or nil without TLS.
func (c *Cluster) CACertPEM() []byte {
	if c.tls == nil {
		return nil
	}
	return append([]byte(nil), c.tls.caPEM...)
}

// CAFingerprint returns the lowercase hex SHA-256 of the CA certificate's
// DER bytes (what Elasticsearch prints as the CA fingerprint), or "".
func (c *Cluster) CAFingerprint() string {
	if c.tls == nil {
		return ""
	}
	return c.tls.caFingerprint
}

// CertFingerprint returns the lowercase hex SHA-256 of the nodes' leaf
// certificate, or "". The nodes present the chain [leaf, CA].
func (c *Cluster) CertFingerprint() string {
	if c.tls == nil {
		return ""
	}
	return c.tls.leafFingerprint
}

// TLSConfig returns a new client configuration that trusts the cluster's
// CA, or nil without TLS.
func (c *Cluster) TLSConfig() *tls.Config {
	if c.tls == nil {
		return nil
	}
	return &tls.Config{RootCAs: c.tls.pool, MinVersion: tls.VersionTLS12}
}

// Doc returns the _source of a stored document and whether it exists. It
// reads the store directly, bypassing every node and fault.
func (c *Cluster) Doc(index, id string) ([]byte, bool) {
	return c.store.source(index, id)
}

// DocCount returns the number of documents stored in index, or in every
// index when index is "".
func (c *Cluster) DocCount(index string) int { return c.store.count(index) }

func parseVersion(v string) (major, minor int, err error) {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) != 3 {
		return 0, 0, fmt.Errorf("estest: version %q: want major.minor.patch", v)
	}
	if major, err = strconv.Atoi(parts[0]); err != nil {
		return 0, 0, fmt.Errorf("estest: version %q: %w", v, err)
	}
	if minor, err = strconv.Atoi(parts[1]); err != nil {
		return 0, 0, fmt.Errorf("estest: version %q: %w", v, err)
	}
	return major, minor, nil
}

// randomID returns n random bytes as unpadded base64url, the alphabet of
// Elasticsearch's node ids, UUIDs and auto-generated document ids.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// listen opens a loopback listener; addr "" picks a free port.
func listen(addr string) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	return net.Listen("tcp", addr)
}
