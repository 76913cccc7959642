package esrt

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/esrt-dev/esrt/rt"
)

// Config configures [New]. Its zero value is a usable configuration: the
// nodes in ELASTICSEARCH_URL, or http://localhost:9200, with retries and the
// latency-aware selector.
//
// The flat fields carry go-elasticsearch's names and mean what
// elasticsearch.Config's fields of the same name mean, so migrating is a
// rename. One difference is kept on purpose and said loudly: as there,
// MaxRetries 0 means the default of 3 retries, not none; set DisableRetry
// for a single attempt. esrt's own settings are grouped by concern (Pool,
// Retry, Breaker, Limits, Logging, Protocol); each group's zero value is
// its documented default.
//
// An invalid Config makes New return an [*rt.ConfigError] whose Field is
// the path of the setting as written in Go: "Addresses[1]",
// "Breaker.Timeout", "Retry.Hedge.Quantile".
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
	// have. A User-Agent in Header replaces esrt's,
	// "esrt/<version> (<GOOS> <GOARCH>; Go <version>)", on requests that
	// have none and on the sniffer's requests. If nil, esrt's User-Agent
	// only.
	Header http.Header

	// RetryOnStatus lists the retried statuses. If nil, 429, 502, 503 and
	// 504. Only error statuses, 400 to 599, may be listed: a success or a
	// redirect is an *rt.ConfigError naming RetryOnStatus, since retrying
	// it would send a request again after it worked. Hedged reads wait
	// for the other attempt after these statuses too.
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
	// in New, waiting at most Pool.DiscoverNodesTimeout. Do not sniff
	// behind a load balancer or proxy: the nodes' own addresses are rarely
	// reachable from outside.
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
	// (Warn), warnings (such as credentials sent over plain http) and
	// discovery logs. Credentials are never logged. If nil, nothing is
	// logged, and the layers that only log are left out of the chain.
	Logger *slog.Logger

	// Pool configures the node pool: the selector, which nodes to use and
	// prefer, how long a failed node stays out. If zero, see [PoolConfig].
	Pool PoolConfig

	// Retry configures the retry budget and hedged reads. If zero, see
	// [RetryConfig].
	Retry RetryConfig

	// Breaker configures the per-node circuit breakers and the cluster
	// breaker. If zero, see [BreakerConfig].
	Breaker BreakerConfig

	// Limits bounds what a request may take: time, response size, and
	// concurrency under 429 backpressure. If zero, see [LimitsConfig].
	Limits LimitsConfig

	// Logging configures what Logger receives beyond one line per request.
	// If zero, see [LoggingConfig].
	Logging LoggingConfig

	// Protocol configures how requests speak to the server: compatibility
	// mode, the product check, GET bodies. If zero, see [ProtocolConfig].
	Protocol ProtocolConfig

	// Hooks receive attempts, retries, node health and breaker changes of
	// every request. If nil, only the hooks each request carries
	// (rt.WithHooks).
	Hooks *rt.Hooks

	// Middleware wraps the whole chain, outermost first: each sees every
	// request once, as the caller sent it, before any other layer, and its
	// final response or error. This is the place of a span for the logical
	// call (OpenTelemetry). Nil entries are skipped. If empty, none.
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
	// retry does not send the request again. Nil entries are skipped. If
	// empty, none.
	AttemptMiddleware []rt.Middleware
}
