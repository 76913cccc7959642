package esrt

import (
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/esrt-dev/esrt/internal/secret"
	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

// Config configures [New]. Its zero value is a usable configuration: the
// nodes in ELASTICSEARCH_URL, or http://localhost:9200, with retries and the
// latency-aware selector.
//
// Fields that share a name with go-elasticsearch's elasticsearch.Config
// mean the same thing, so migrating is a rename. One difference is kept on
// purpose and said loudly: as there, MaxRetries 0 means the default of 3
// retries, not none; set DisableRetry for a single attempt.
//
// A Config prints and logs itself with its secrets redacted (see
// [Config.String]), with every fmt verb and with log/slog.
type Config struct {
	// Addresses are the cluster's node URLs, such as
	// "https://es1.example.com:9200". A path prefix is kept (for a node
	// behind a reverse proxy), a trailing slash is trimmed, and userinfo
	// becomes basic credentials (every address must then carry the same,
	// and no other credentials may be set). In userinfo, the characters
	// URLs reserve must be percent-encoded: a password "a/b#c" is written
	// "a%2Fb%23c" (url.UserPassword(user, password).String() does it). If
	// empty, the comma-separated ELASTICSEARCH_URL environment variable,
	// and if that is empty too, http://localhost:9200. Must be empty when
	// CloudID is set. Errors name the entry (Addresses[1],
	// ELASTICSEARCH_URL[0]) and never contain the address.
	Addresses []string

	// Username and Password are HTTP basic credentials. Set both or
	// neither: a Username with an empty Password is an error (to send an
	// empty password on purpose, write it as userinfo: https://user:@host).
	//
	// Static credentials come from one place: APIKey, ServiceToken,
	// Username and Password, userinfo in Addresses, or an Authorization
	// header in Header. Setting two of them is an error that names both;
	// per request, rt.WithAuth replaces them.
	Username string
	Password string

	// CloudID is an Elastic Cloud deployment's id. It implies https,
	// request compression, and no sniffing.
	CloudID string

	// APIKey is an Elasticsearch API key: the encoded key, or "id:api_key".
	APIKey string

	// ServiceToken is a bearer token, such as a service account token.
	ServiceToken string

	// CACert is PEM: the CAs to trust instead of the system roots. Needs
	// esrt's base transport: set only one of CACert and Transport.
	CACert []byte

	// CertificateFingerprint pins a certificate by its SHA-256
	// fingerprint, hex with or without colons, such as the fingerprint of
	// its HTTP CA that Elasticsearch prints at first start. The pinned
	// certificate is the node's own, or a CA that the node's chain verifies
	// up to (host name included), as its only root of trust; presenting it
	// is not enough (see [HTTPTransportConfig]). Needs esrt's base
	// transport: set only one of it and Transport.
	CertificateFingerprint string

	// Header holds default headers; they fill only keys a request does not
	// have.
	Header http.Header

	// RetryOnStatus lists the retried statuses. If nil, 429, 502, 503 and
	// 504. Only error statuses, 400 to 599, may be listed: a success or a
	// redirect is an *rt.ConfigError naming RetryOnStatus, since retrying
	// it would send a request again after it worked.
	RetryOnStatus []int

	// DisableRetry makes every request a single attempt.
	DisableRetry bool

	// MaxRetries is how many times a request may be retried. If zero, 3.
	MaxRetries int

	// RetryBackoff returns the wait before retry number attempt (from 1).
	// If nil, full-jitter exponential backoff from 200 ms to 10 s.
	RetryBackoff func(attempt int) time.Duration

	// CompressRequestBody gzips request bodies. Always on with CloudID.
	CompressRequestBody bool

	// DiscoverNodesOnStart sniffs the cluster's nodes (GET /_nodes/http)
	// in New, waiting at most DiscoverNodesTimeout. Do not sniff behind a
	// load balancer or proxy: the nodes' own addresses are rarely reachable
	// from outside.
	DiscoverNodesOnStart bool

	// DiscoverNodesInterval sniffs periodically. If zero, not
	// periodically; nodes are still re-discovered after a node failure
	// when sniffing is on.
	DiscoverNodesInterval time.Duration

	// Transport is the base transport. If nil, [NewHTTPTransport] with
	// CACert and CertificateFingerprint.
	Transport http.RoundTripper

	// Logger receives one line per request (Info; Warn for a 5xx or a
	// caller that gave up, Error for a failed request), one per retry
	// (Warn), warnings and discovery logs. Credentials are never logged. If
	// nil, nothing is logged.
	Logger *slog.Logger

	// The fields below are esrt's own.

	// DiscoverNodesTimeout bounds the sniff of DiscoverNodesOnStart. If
	// zero, 10 s.
	DiscoverNodesTimeout time.Duration

	// Selector chooses a node per attempt. If nil,
	// [selector.LatencyAware].
	Selector selector.Selector

	// NodeFilter, if not nil, keeps only the discovered nodes it accepts
	// (see [selector.Attribute] for zone-pinned routing). Dedicated
	// masters are skipped whatever it says: it narrows the other nodes.
	NodeFilter func(*rt.Node) bool

	// PreferNode, if not nil, marks nodes to prefer while any of them is
	// healthy, such as those in the caller's zone.
	PreferNode func(*rt.Node) bool

	// DeadNodeTimeout is how long a node that failed stays out of rotation
	// before one request probes it; after each failed probe the next waits
	// half the time the node has been dead, at least DeadNodeTimeout and
	// at most MaxDeadNodeTimeout, with ±20 % jitter (probes at about 1, 2,
	// 3, 4.5, 6.8 s... into an outage with the defaults), so a node that
	// returns after an outage of T is back in rotation within
	// max(DeadNodeTimeout, T/2) plus the jitter. If zero, 1 s and 60 s.
	DeadNodeTimeout    time.Duration
	MaxDeadNodeTimeout time.Duration

	// Hooks receive attempts, retries and node health changes of every
	// request.
	Hooks *rt.Hooks

	// UserAgent replaces esrt's User-Agent,
	// "esrt/<version> (<GOOS> <GOARCH>; Go <version>)".
	UserAgent string

	// EnableCompatibilityMode sends Elasticsearch's compatibility media
	// types, so that an application written for CompatibilityVersion keeps
	// working against the next major. Also on when the environment has
	// ELASTIC_CLIENT_APIVERSIONING=true.
	EnableCompatibilityMode bool

	// CompatibilityVersion is the major version asked for in compatibility
	// mode. If zero, 8, which servers of majors 8 and 9 accept.
	CompatibilityVersion int

	// ProductCheck refuses successful responses without the
	// "X-Elastic-Product: Elasticsearch" header. Off by default so that
	// OpenSearch and Amazon OpenSearch Service work.
	ProductCheck bool

	// RetryBudget caps retries at a share of first attempts. If nil, a
	// budget of 20 % plus 10 retries a second.
	RetryBudget *middleware.Budget

	// RequestTimeout bounds each request as a whole: every attempt, the
	// waits between retries and the reading of the response body. Per
	// request, rt.WithRequestTimeout replaces it. If zero, no timeout (the
	// caller's context still applies).
	RequestTimeout time.Duration

	// AttemptTimeout bounds each attempt, until its response body is read
	// or closed; a timed-out attempt counts as slow for its node and is
	// retried on another node when the operation is safe to repeat. Set it
	// well above a node's normal answer time. Per request,
	// rt.WithAttemptTimeout replaces it. If zero, no timeout.
	AttemptTimeout time.Duration

	// Hedge, if not nil, enables hedged reads: a read still unanswered
	// after a delay (by default the p95 of its operation's recent latency)
	// is also sent to a second node, and the first answer wins. Hedges
	// spend the retry budget. If nil, reads are not hedged.
	Hedge *middleware.HedgeConfig

	// BreakerFailures is how many consecutive failures of a node
	// (connection errors, 502, 503, 504, attempt timeouts; never 429 or a
	// cancelled request) open that node's circuit breaker; while it is
	// open the router sends to other nodes. Attempts that were in flight
	// together count once: a failure counts only if its attempt started
	// after the previous counted failure, so a node's death is one failure
	// however many calls it broke. With every node's breaker open requests
	// still go to the nodes, as last resorts, so that
	// the client is back as soon as one node answers: to fail fast while
	// the whole cluster fails, add ClusterBreaker. If zero, 5. A negative
	// value turns the per-node breakers off.
	BreakerFailures int

	// BreakerTimeout is how long a node's breaker stays open before one
	// probe attempt may go to the node again. A dead node's probes on the
	// DeadNodeTimeout schedule pass an open breaker, and the first that
	// succeeds closes it, so the breaker never keeps a returning node out
	// longer than that schedule. If zero, 10 s.
	BreakerTimeout time.Duration

	// ClusterBreaker, if not nil, adds a cluster-wide breaker that fails
	// every request at once with rt.ErrBreakerOpen while too many requests
	// fail: its zero value opens at a 50 % failure ratio over 10 s once 20
	// requests counted, and cools down for 10 s. Nil Hooks default to
	// Config.Hooks. If nil, there is no cluster breaker.
	ClusterBreaker *middleware.ClusterBreakerConfig

	// Limiter, if not nil, keeps the requests in flight to the cluster
	// under a limit that adapts to its 429 rejections, separately for bulk
	// (writes) and search (reads) traffic, and queues callers beyond it,
	// first come first served, until their context ends: backpressure for
	// ingest. Build it with middleware.NewLimiter; read its Stats for
	// metrics. If nil, requests are not limited.
	Limiter *middleware.Limiter

	// LogCurl adds to Logger, at Debug, each request as a curl command
	// followed by the response's status and body. The command runs as it
	// is once the environment variables it names for credentials are set
	// ($ES_PASSWORD, $ES_API_KEY, ...): it shows the headers the chain
	// adds and the uncompressed body, but never a secret, and no body of
	// an endpoint that takes or returns secrets (see package endpoint).
	LogCurl bool

	// MaxLogBodySize caps the bodies LogCurl shows. If zero, 4096 bytes;
	// if negative, bodies are not shown.
	MaxLogBodySize int

	// MaxResponseSize caps a response body as received (its compressed
	// size when gzipped); MaxDecompressedResponseSize caps it after
	// decompression. Over a cap, RoundTrip (when Content-Length declares
	// more, without reading the body) or the body's Read fails with an
	// *rt.ResponseTooLargeError; a body is never silently truncated. If
	// zero, 512 MiB each (middleware.DefaultMaxSize and
	// DefaultMaxDecompressedSize), far above any legitimate response, so
	// that an endless body or a gzip bomb stops there; if negative, no
	// cap.
	//
	// With MaxDecompressedResponseSize at or below MaxResponseSize (the
	// default), the caps leave requests as they are: net/http's Transport
	// asks for gzip and decompresses, and the decompressed body is capped.
	// That caps the bytes received too for any stream a real compressor
	// produced (gzip adds at most about 0.03 % plus a few dozen bytes),
	// but not for a hostile stream of empty deflate blocks, which holds
	// no memory and ends only with the request's deadline. With
	// MaxResponseSize below it, or the only cap, esrt asks for gzip itself
	// and counts both sizes, at the cost of a copy of each request that
	// does not set Accept-Encoding. See middleware.SizeLimit.
	MaxResponseSize             int64
	MaxDecompressedResponseSize int64

	// SendGetBodyAs "POST" sends GET requests that have a body as POST,
	// for proxies that drop GET bodies. If "" or "GET", they are sent as
	// they are.
	SendGetBodyAs string

	// Middleware wraps the whole chain, outermost first: each sees every
	// request once, as the caller sent it, before any other layer, and its
	// final response or error. This is the place of a span for the logical
	// call (OpenTelemetry). Nil entries are skipped.
	Middleware []rt.Middleware

	// AttemptMiddleware runs on every attempt, outermost first, inside
	// routing, the breakers and the attempt timeout, right above the base
	// transport: each sees the request as it is sent to one node (the
	// node's scheme, host and path prefix, the final headers, the
	// compressed body) and may be run several times for one request. This
	// is the place of request signing (contrib/aws/sigv4) and of a span
	// per attempt. The sniffer's requests pass through it too. An error
	// that is not the node's fault, such as missing credentials, should be
	// an *rt.LocalError, so that routing does not mark the node down and
	// retry does not send the request again. Nil entries are skipped.
	AttemptMiddleware []rt.Middleware
}

// String returns the configuration with its secrets redacted: the fields
// that are set, in order, with Password, APIKey and ServiceToken shown as
// "[redacted]", the userinfo of Addresses as "xxxxx" (everything before an
// address's last "@", as New reads it, whether or not it parses)
// and the values of Header keys that may hold a credential (Authorization,
// Cookie, *token*, *key*, *secret*, ...) as "[redacted]". CloudID, which
// only names the deployment, is shown. Pointers, functions and interfaces
// show their type only: what they point to may be shared state or hold
// secrets of its own.
func (c Config) String() string { return formatFields("esrt.Config", redactedFields(c)) }

// Format prints [Config.String] for every verb, %#v included, so that no
// verb reveals a secret, also when a Config is nested in another value
// that is printed.
func (c Config) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, fmt.FormatString(f, verb), c.String())
}

// GoString returns [Config.String].
func (c Config) GoString() string { return c.String() }

// LogValue logs the fields that are set as a group, redacted as
// [Config.String] says, so that log/slog handlers never reach a secret.
func (c Config) LogValue() slog.Value { return slog.GroupValue(redactedFields(c)...) }

// formatFields prints attrs as "name{key:value ...}".
func formatFields(name string, attrs []slog.Attr) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('{')
	for i, a := range attrs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(a.Key)
		b.WriteByte(':')
		b.WriteString(a.Value.String())
	}
	b.WriteByte('}')
	return b.String()
}

// redactedFields returns the fields of the struct s that are not zero,
// with secrets redacted.
func redactedFields(s any) []slog.Attr {
	v := reflect.ValueOf(s)
	var attrs []slog.Attr
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		if f.IsZero() {
			continue
		}
		attrs = append(attrs, slog.Attr{Key: name, Value: redactedField(name, f)})
	}
	return attrs
}

// redactAddress masks the userinfo of a configured address by the rule
// rt.NewNode reads it with: everything between the scheme and the last
// "@". An address New refuses, such as one whose password holds an
// unescaped "/" ("https://elastic:2024/Summer@es:9200"), parses as a URL
// with the "@" in its path, so secret.RedactURL would show it whole.
func redactAddress(s string) string {
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return s
	}
	start := 0
	if i := strings.Index(s, "://"); i >= 0 && i < at {
		start = i + len("://")
	}
	return s[:start] + "xxxxx" + s[at:]
}

// secretField reports whether the field called name holds a secret.
func secretField(name string) bool {
	return name == "Password" || name == "APIKey" || name == "ServiceToken"
}

func redactedField(name string, f reflect.Value) slog.Value {
	switch {
	case secretField(name):
		return slog.StringValue("[redacted]")
	case name == "Addresses":
		addresses := make([]string, f.Len())
		for i := range addresses {
			addresses[i] = redactAddress(f.Index(i).String())
		}
		return slog.AnyValue(addresses)
	case name == "Header":
		h := make(http.Header, f.Len())
		for k, vs := range f.Interface().(http.Header) {
			if secret.Header(k) {
				vs = slices.Repeat([]string{"[redacted]"}, len(vs))
			}
			h[k] = vs
		}
		return slog.AnyValue(h)
	}
	switch f.Kind() {
	case reflect.String:
		return slog.StringValue(f.String())
	case reflect.Bool:
		return slog.BoolValue(f.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if d, ok := f.Interface().(time.Duration); ok {
			return slog.DurationValue(d)
		}
		return slog.Int64Value(f.Int())
	case reflect.Slice:
		switch f.Type().Elem().Kind() {
		case reflect.Int:
			return slog.AnyValue(f.Interface())
		case reflect.Uint8:
			return slog.StringValue(fmt.Sprintf("(%d bytes)", f.Len()))
		}
		return slog.StringValue(fmt.Sprintf("%s(len %d)", f.Type(), f.Len()))
	case reflect.Interface:
		return slog.StringValue(f.Elem().Type().String())
	}
	return slog.StringValue(f.Type().String())
}
