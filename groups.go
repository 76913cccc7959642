package esrt

import (
	"time"

	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

// The groups of [Config]: esrt's own settings, by concern. Each group's
// zero value is its documented default, and a field of a group is named in
// errors by its path, such as "Pool.DeadTimeout". Where a group holds a
// middleware's own configuration, the fields mean what that middleware
// documents.

// PoolConfig configures the node pool ([selector.Pool]) and discovery.
type PoolConfig struct {
	// Selector chooses a node per attempt. If nil,
	// [selector.LatencyAware].
	Selector selector.Selector

	// Filter, if not nil, keeps only the discovered nodes it accepts (see
	// [selector.Attribute] for zone-pinned routing). Dedicated masters are
	// skipped whatever it says: it narrows the other nodes. If nil, every
	// node but dedicated masters.
	Filter func(*rt.Node) bool

	// Prefer, if not nil, marks nodes to prefer while any of them is
	// healthy, such as those in the caller's zone. If nil, no preference.
	Prefer func(*rt.Node) bool

	// DeadTimeout is how long a node that failed stays out of rotation
	// before one request probes it; after each failed probe the next waits
	// half the time the node has been dead, at least DeadTimeout and at
	// most MaxDeadTimeout, with ±20 % jitter (probes at about 1, 2, 3,
	// 4.5, 6.8 s... into an outage with the defaults), so a node that
	// returns after an outage of T is back in rotation within
	// max(DeadTimeout, T/2) plus the jitter. If zero, 1 s.
	DeadTimeout time.Duration

	// MaxDeadTimeout is the longest wait between two probes of a dead
	// node. If zero, 60 s.
	MaxDeadTimeout time.Duration

	// DiscoverNodesTimeout bounds the sniff of Config.DiscoverNodesOnStart;
	// a sniff it ends is logged at Warn, and the configured addresses
	// serve. If zero, 10 s.
	DiscoverNodesTimeout time.Duration
}

// RetryConfig configures esrt's own retry settings, beside
// go-elasticsearch's MaxRetries, RetryOnStatus, RetryBackoff and
// DisableRetry in [Config].
type RetryConfig struct {
	// Budget caps retries and hedges at a share of first attempts (see
	// [middleware.Budget]). If zero, 20 % of the first attempts plus 10 a
	// second, counted over 10 s.
	Budget middleware.BudgetConfig

	// Hedge configures hedged reads. If zero, reads are not hedged.
	Hedge HedgeConfig
}

// HedgeConfig turns on hedged reads ([middleware.Hedge]): a read still
// unanswered after a delay (by default the p95 of its operation's recent
// latency) is also sent to a second node, and the first answer wins.
// Hedges spend the retry budget.
type HedgeConfig struct {
	// Enabled turns hedged reads on. If false, reads are not hedged, and
	// setting the fields below is an error naming Retry.Hedge.Enabled.
	Enabled bool

	// HedgeConfig configures the hedging middleware; its zero value is
	// the middleware's default. If its Budget is nil, hedges spend
	// Retry.Budget; if its RetryOnStatus is nil, Config.RetryOnStatus.
	middleware.HedgeConfig
}

// BreakerConfig configures the circuit breakers: one per node, on by
// default, and one for the whole cluster, off by default.
type BreakerConfig struct {
	// Failures is how many consecutive failures of a node (connection
	// errors, 502, 503, 504, attempt timeouts; never 429 or a cancelled
	// request) open that node's circuit breaker; while it is open the
	// router sends to other nodes. Attempts that were in flight together
	// count once: a failure counts only if its attempt started after the
	// previous counted failure, so a node's death is one failure however
	// many calls it broke. With every node's breaker open requests still
	// go to the nodes, as last resorts, so that the
	// client is back as soon as one node answers: to fail fast while the
	// whole cluster fails, enable Cluster. If zero, 5. A negative value
	// turns the per-node breakers off.
	Failures int

	// Timeout is how long a node's breaker stays open before one probe
	// attempt may go to the node again. A dead node's probes on the
	// Pool.DeadTimeout schedule pass an open breaker, and the first that
	// succeeds closes it, so the breaker never keeps a returning node out
	// longer than that schedule. If zero, 10 s.
	Timeout time.Duration

	// Cluster configures the cluster-wide breaker. If zero, there is none.
	Cluster ClusterBreakerConfig
}

// ClusterBreakerConfig turns on the cluster-wide breaker
// ([middleware.ClusterBreaker]), which fails every request at once with
// rt.ErrBreakerOpen while too many requests fail.
type ClusterBreakerConfig struct {
	// Enabled turns the cluster breaker on. If false, there is none, and
	// setting the fields below is an error naming
	// Breaker.Cluster.Enabled.
	Enabled bool

	// ClusterBreakerConfig configures the breaker; its zero value opens
	// at a 50 % failure ratio over 10 s once 20 requests counted, and
	// cools down for 10 s. If its Hooks are nil, Config.Hooks.
	middleware.ClusterBreakerConfig
}

// LimitsConfig bounds what a request may take.
type LimitsConfig struct {
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

	// Response caps a response body as received (MaxSize: its compressed
	// size when gzipped) and after decompression (MaxDecompressedSize).
	// Over a cap, RoundTrip (when Content-Length declares more, without
	// reading the body) or the body's Read fails with an
	// *rt.ResponseTooLargeError; a body is never silently truncated. If
	// zero, 512 MiB each (middleware.DefaultMaxSize and
	// DefaultMaxDecompressedSize), far above any legitimate response, so
	// that an endless body or a gzip bomb stops there; a negative size is
	// no cap.
	//
	// With MaxDecompressedSize at or below MaxSize (the default), the caps
	// leave requests as they are: net/http's Transport asks for gzip and
	// decompresses, and the decompressed body is capped. That caps the
	// bytes received too for any stream a real compressor produced (gzip
	// adds at most about 0.03 % plus a few dozen bytes), but not for a
	// hostile stream of empty deflate blocks, which holds no memory and
	// ends only with the request's deadline. With MaxSize below it, or the
	// only cap, esrt asks for gzip itself and counts both sizes, at the
	// cost of a copy of each request that does not set Accept-Encoding.
	// See [middleware.SizeLimit].
	Response middleware.SizeLimitConfig

	// Limiter configures the adaptive concurrency limiter for 429
	// backpressure. If zero, requests are not limited.
	Limiter LimiterConfig
}

// LimiterConfig turns on the adaptive concurrency limiter
// ([middleware.Limiter]): it keeps the requests in flight to the cluster
// under a limit that adapts to its 429 rejections, separately for bulk
// (writes) and search (reads) traffic, and queues callers beyond it, first
// come first served, until their context ends: backpressure for ingest.
// [Transport.Limiter] returns it, for its Stats.
type LimiterConfig struct {
	// Enabled turns the limiter on. If false, requests are not limited,
	// and setting the fields below is an error naming
	// Limits.Limiter.Enabled.
	Enabled bool

	// LimiterConfig configures the limiter; its zero value is the
	// limiter's default.
	middleware.LimiterConfig
}

// LoggingConfig configures what Config.Logger receives beyond one line per
// request. Without a Logger it has no effect.
type LoggingConfig struct {
	// Curl adds to Logger, at Debug, each request as a curl command
	// followed by the response's status and body. The command runs as it
	// is once the environment variables it names for credentials are set
	// ($ES_PASSWORD, $ES_API_KEY, ...): it shows the headers the chain
	// adds and the uncompressed body, but never a secret, and no body of
	// an endpoint that takes or returns secrets (see package endpoint).
	// If false, no curl commands.
	Curl bool

	// MaxBodySize caps the bodies Curl shows, in bytes. If zero, 4096; if
	// negative, bodies are not shown.
	MaxBodySize int
}

// ProtocolConfig configures how requests speak to the server.
type ProtocolConfig struct {
	// CompatibilityMode sends Elasticsearch's compatibility media types,
	// so that an application written for CompatibilityVersion keeps
	// working against the next major. Also on when the environment has
	// ELASTIC_CLIENT_APIVERSIONING=true. If false, off.
	CompatibilityMode bool

	// CompatibilityVersion is the major version asked for in compatibility
	// mode. If zero, 8, which servers of majors 8 and 9 accept.
	CompatibilityVersion int

	// ProductCheck refuses successful responses without the
	// "X-Elastic-Product: Elasticsearch" header. If false, off, so that
	// OpenSearch and Amazon OpenSearch Service work.
	ProductCheck bool

	// SendGetBodyAs "POST" sends GET requests that have a body as POST,
	// for proxies that drop GET bodies. If "" or "GET", they are sent as
	// they are.
	SendGetBodyAs string
}
