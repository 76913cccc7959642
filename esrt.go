package esrt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/esrt-dev/esrt/discovery"
	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

// ErrClosed is returned by RoundTrip after [Transport.Close]. An attempt
// of a request that was in flight at Close and is retried or hedged after
// it fails with an [*rt.LocalError] wrapping ErrClosed: match it with
// [errors.Is].
var ErrClosed = errors.New("esrt: transport closed")

// Transport is esrt's default transport: the middleware chain built by [New]
// in front of a node pool. It is an [http.RoundTripper], safe for concurrent
// use; build it once and share it. Close it when done: that stops discovery,
// stops new attempts and closes every connection.
type Transport struct {
	chain  http.RoundTripper
	base   http.RoundTripper // cfg.Transport or esrt's, under the guard
	pool   *selector.Pool
	closed chan struct{}

	closeOnce sync.Once
	stop      context.CancelFunc // stops discovery; nil without it
	done      chan struct{}      // closed when discovery has stopped
}

var _ http.RoundTripper = (*Transport)(nil)

// New builds a transport from cfg. The chain, outermost first:
//
//	cfg.Middleware → cluster breaker → logging → request timeout
//	→ headers (User-Agent, defaults, opaque id) → compatibility media
//	types → product check → response size limits → auth → gzip
//	→ admission (429 backpressure) → retry (with budget) → hedged reads
//	→ GET body as POST → routing → per-node breakers → attempt timeout
//	→ plaintext-credentials warning → cfg.AttemptMiddleware
//	→ guard (no attempt after Close; no unasked 101; unsendable requests
//	blame no node; TLS error hints)
//	→ base *http.Transport
//
// Parts that are off in cfg are left out.
//
// Invalid configuration is an error wrapping [rt.ErrInvalidConfig] (a
// [*rt.ConfigError] naming the field), never a panic or a silent default.
// With DiscoverNodesOnStart, New sniffs the cluster before it returns
// (bounded by DiscoverNodesTimeout; a failed sniff is logged and the
// configured addresses are used). With sniffing on, New starts one
// goroutine for discovery, which Close stops; otherwise it starts none.
func New(cfg Config) (*Transport, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	seeds, field, err := seedNodes(cfg)
	if err != nil {
		return nil, err
	}
	creds, err := staticCredentials(cfg, seeds, field)
	if err != nil {
		return nil, err
	}
	if err := checkDurations(cfg); err != nil {
		return nil, err
	}
	if err := checkHeaderValues(cfg); err != nil {
		return nil, err
	}
	sniff := cfg.DiscoverNodesOnStart || cfg.DiscoverNodesInterval > 0
	if sniff && cfg.CloudID != "" {
		field := "DiscoverNodesOnStart"
		if !cfg.DiscoverNodesOnStart {
			field = "DiscoverNodesInterval"
		}
		return nil, &rt.ConfigError{Field: field, Err: errors.New("sniffing is not available for Elastic Cloud (CloudID): its nodes are behind a proxy")}
	}

	base := cfg.Transport
	if base == nil {
		if base, err = NewHTTPTransport(HTTPTransportConfig{CACert: cfg.CACert, CertificateFingerprint: cfg.CertificateFingerprint}); err != nil {
			return nil, err
		}
	} else if len(cfg.CACert) > 0 || cfg.CertificateFingerprint != "" {
		return nil, &rt.ConfigError{Field: "Transport", Err: errors.New("CACert and CertificateFingerprint configure esrt's own base transport; set TLS on your Transport instead")}
	}

	var breakers *middleware.Breakers
	var exclude func(*rt.Node) bool
	if cfg.BreakerFailures >= 0 {
		breakers, err = middleware.NewBreakers(middleware.BreakerConfig{Failures: cfg.BreakerFailures, Timeout: cfg.BreakerTimeout, Hooks: cfg.Hooks})
		if err != nil {
			return nil, renameField(err, "Timeout", "BreakerTimeout")
		}
		exclude = breakers.Open
	}

	t := &Transport{base: base, closed: make(chan struct{})}
	var sniffer *discovery.Sniffer
	hooks := cfg.Hooks
	if sniff {
		// Hooks are fixed when the pool is built, so the sniffer they call
		// is read through a variable set just below.
		hooks = rt.ComposeHooks(cfg.Hooks, &rt.Hooks{OnNodeDown: func(i rt.NodeInfo) { sniffer.NodeFailed(i.Node) }})
	}
	pool, err := selector.NewPool(selector.PoolConfig{
		Seeds:    seeds,
		Selector: cfg.Selector,
		Filter:   cfg.NodeFilter,
		Prefer:   cfg.PreferNode,
		Exclude:  exclude,
		Hooks:    hooks,

		DeadTimeout:    cfg.DeadNodeTimeout,
		MaxDeadTimeout: cfg.MaxDeadNodeTimeout,
	})
	if err != nil {
		return nil, err
	}
	t.pool = pool

	// The caller's attempt middlewares sit right above the guard, for the
	// sniffer's requests too: a signer must see the final host, headers
	// and body, and nothing may change them after it.
	base = rt.Chain(&baseGuard{next: base, closed: t.closed, ownBase: cfg.Transport == nil}, cfg.AttemptMiddleware...)
	chain, err := buildChain(cfg, creds, pool, breakers, base, logger)
	if err != nil {
		return nil, err
	}
	t.chain = chain

	if sniff {
		sniffer, err = discovery.NewSniffer(discovery.Config{
			Seeds:     seeds,
			Transport: base,
			Publish:   pool.Update,
			Interval:  cfg.DiscoverNodesInterval,
			Header:    http.Header{"User-Agent": {userAgent(cfg)}},
			Auth:      creds.Credential(),
			Filter:    cfg.NodeFilter,
			Logger:    logger,
		})
		if err != nil {
			return nil, err
		}
		if cfg.DiscoverNodesOnStart {
			ctx, cancel := context.WithTimeout(context.Background(), orDefault(cfg.DiscoverNodesTimeout, 10*time.Second))
			sniffer.Sniff(ctx) // logs its own outcome; the seeds serve if it fails
			cancel()
		}
		ctx, stop := context.WithCancel(context.Background())
		t.stop, t.done = stop, make(chan struct{})
		go func() {
			defer close(t.done)
			sniffer.Run(ctx)
		}()
	}
	return t, nil
}

// buildChain assembles the middlewares in esrt's canonical order.
func buildChain(cfg Config, creds middleware.AuthConfig, pool *selector.Pool, breakers *middleware.Breakers, base http.RoundTripper, logger *slog.Logger) (http.RoundTripper, error) {
	var compat, gzip rt.Middleware
	var err error
	if cfg.EnableCompatibilityMode || strings.EqualFold(os.Getenv("ELASTIC_CLIENT_APIVERSIONING"), "true") {
		major := cfg.CompatibilityVersion
		if major == 0 {
			major = 8
		}
		if compat, err = middleware.Compatibility(major); err != nil {
			return nil, err
		}
	}
	if cfg.CompressRequestBody || cfg.CloudID != "" {
		if gzip, err = middleware.Gzip(middleware.GzipConfig{}); err != nil {
			return nil, err
		}
	}
	var productCheck, logging, getAsPost rt.Middleware
	if cfg.ProductCheck {
		productCheck = middleware.ProductCheck()
	}
	if cfg.Logger != nil {
		logging = middleware.Logging(middleware.LoggingConfig{Logger: cfg.Logger, Curl: cfg.LogCurl, MaxBodySize: cfg.MaxLogBodySize,
			Auth: creds.CurlAuth(), Header: cfg.Header, CACert: len(cfg.CACert) > 0 || cfg.CertificateFingerprint != ""})
	}
	switch strings.ToUpper(cfg.SendGetBodyAs) {
	case "", "GET":
	case "POST":
		getAsPost = middleware.GetBodyAsPost()
	default:
		return nil, &rt.ConfigError{Field: "SendGetBodyAs", Err: fmt.Errorf("%q: want GET or POST", cfg.SendGetBodyAs)}
	}
	sizeLimit, err := middleware.SizeLimit(middleware.SizeLimitConfig{MaxSize: cfg.MaxResponseSize, MaxDecompressedSize: cfg.MaxDecompressedResponseSize})
	if err != nil {
		return nil, renameField(renameField(err, "MaxSize", "MaxResponseSize"), "MaxDecompressedSize", "MaxDecompressedResponseSize")
	}
	var clusterBreaker, nodeBreakers rt.Middleware
	if cfg.ClusterBreaker != nil {
		cb := *cfg.ClusterBreaker
		if cb.Hooks == nil {
			cb.Hooks = cfg.Hooks
		}
		if clusterBreaker, err = middleware.ClusterBreaker(cb); err != nil {
			return nil, prefixField(err, "ClusterBreaker.")
		}
	}
	if breakers != nil {
		nodeBreakers = breakers.Middleware()
	}
	// The timeout middlewares are always in the chain, so that the
	// per-request options work even without a configured default.
	requestTimeout, err := middleware.RequestTimeout(cfg.RequestTimeout)
	if err != nil {
		return nil, err
	}
	attemptTimeout, err := middleware.AttemptTimeout(cfg.AttemptTimeout)
	if err != nil {
		return nil, err
	}
	budget := cfg.RetryBudget
	if budget == nil && !cfg.DisableRetry {
		if budget, err = middleware.NewBudget(middleware.BudgetConfig{}); err != nil {
			return nil, err
		}
	}
	var admit rt.Middleware
	retryHooks := cfg.Hooks
	if cfg.Limiter != nil {
		admit = cfg.Limiter.Middleware()
		// From outside retry the limiter sees only each request's last
		// response; the 429s that retry absorbs reach it through hooks.
		retryHooks = rt.ComposeHooks(cfg.Hooks, cfg.Limiter.Hooks())
	}
	retry, err := middleware.Retry(middleware.RetryConfig{
		MaxRetries:    cfg.MaxRetries,
		Disable:       cfg.DisableRetry,
		RetryOnStatus: cfg.RetryOnStatus,
		Backoff:       cfg.RetryBackoff,
		Budget:        budget,
		NodeCount:     pool.Len,
		Hooks:         retryHooks,
	})
	if err != nil {
		return nil, err
	}
	var hedge rt.Middleware
	if cfg.Hedge != nil {
		hc := *cfg.Hedge
		if hc.Budget == nil {
			hc.Budget = budget // shared with retry; nil when retries are off
		}
		if hc.RetryOnStatus == nil {
			hc.RetryOnStatus = cfg.RetryOnStatus
		}
		if hedge, err = middleware.Hedge(hc); err != nil {
			return nil, prefixField(err, "Hedge.")
		}
	}
	chain := rt.Chain(base,
		clusterBreaker, // first: failing fast does no other work
		logging,
		requestTimeout,
		productCheck,
		sizeLimit, // outside retry and routing: a large body is no node's fault
		gzip,
		admit,
		retry,
		hedge,
		getAsPost, // inside retry, which judges safety by the caller's method
		selector.Middleware(pool),
		middleware.Headers(middleware.HeadersConfig{UserAgent: cfg.UserAgent, Header: cfg.Header}),
		compat,
		middleware.Auth(creds),
		nodeBreakers,   // directly inside routing: it sees the attempt's node
		attemptTimeout, // inside the breakers: a timed-out attempt counts
		middleware.WarnPlaintextCredentials(logger),
	)
	return rt.Chain(chain, cfg.Middleware...), nil
}

// seedNodes parses the configured addresses or Cloud ID. It returns the
// name of the setting the addresses came from: "Addresses",
// "ELASTICSEARCH_URL", or "" for the default address or a Cloud ID.
func seedNodes(cfg Config) ([]*rt.Node, string, error) {
	switch {
	case cfg.CloudID != "" && len(cfg.Addresses) > 0:
		return nil, "", &rt.ConfigError{Field: "CloudID", Err: errors.New("set either Addresses or CloudID, not both")}
	case cfg.CloudID != "":
		node, err := discovery.ParseCloudID(cfg.CloudID)
		if err != nil {
			return nil, "", err
		}
		return []*rt.Node{node}, "", nil
	case len(cfg.Addresses) > 0:
		seeds, err := discovery.Seeds(cfg.Addresses)
		return seeds, "Addresses", err
	}
	env := os.Getenv("ELASTICSEARCH_URL")
	if env == "" {
		seeds, err := discovery.Seeds([]string{"http://localhost:9200"})
		return seeds, "", err
	}
	seeds, err := discovery.Seeds(strings.Split(env, ","))
	var ce *rt.ConfigError
	if errors.As(err, &ce) {
		ce.Field = strings.Replace(ce.Field, "Addresses", "ELASTICSEARCH_URL", 1)
	}
	return seeds, "ELASTICSEARCH_URL", err
}

// staticCredentials resolves the credentials that go on every request.
// They come from one place: APIKey, ServiceToken, Username and Password,
// the userinfo of the addresses, or an Authorization header in
// Config.Header. Two of them together are a *rt.ConfigError naming both:
// one would silently win, and a wrong one would only show as a 401.
// Username and Password go together: one without the other is an error
// (an empty password is almost always a missing environment variable;
// userinfo such as https://user:@host says it on purpose).
func staticCredentials(cfg Config, seeds []*rt.Node, field string) (middleware.AuthConfig, error) {
	var userinfo *url.Userinfo
	for i, n := range seeds {
		u := n.URL.User
		if i > 0 && u.String() != userinfo.String() {
			return middleware.AuthConfig{}, &rt.ConfigError{Field: fmt.Sprintf("%s[%d]", field, i), Err: errors.New("every address must carry the same userinfo credentials")}
		}
		userinfo = u
	}
	switch {
	case cfg.Username == "" && cfg.Password != "":
		return middleware.AuthConfig{}, &rt.ConfigError{Field: "Password", Err: errors.New("set without Username")}
	case cfg.Username != "" && cfg.Password == "":
		return middleware.AuthConfig{}, &rt.ConfigError{Field: "Password", Err: errors.New("empty while Username is set " +
			"(to send an empty password on purpose, put it in the address: https://user:@host)")}
	}
	type source struct{ field, what string }
	var set []source
	for _, s := range []struct {
		source
		on bool
	}{
		{source{field + "[0]", "userinfo"}, userinfo != nil},
		{source{"APIKey", "APIKey"}, cfg.APIKey != ""},
		{source{"ServiceToken", "ServiceToken"}, cfg.ServiceToken != ""},
		{source{"Username", "Username"}, cfg.Username != ""},
		{source{"Header", "an Authorization header"}, headerHas(cfg.Header, "Authorization")},
	} {
		if s.on {
			set = append(set, s.source)
		}
	}
	if len(set) > 1 {
		what := ""
		if set[0].what == "userinfo" {
			what = "userinfo "
		}
		return middleware.AuthConfig{}, &rt.ConfigError{Field: set[0].field, Err: fmt.Errorf(
			"%sset together with %s: set credentials in one place only (APIKey, ServiceToken, Username and Password, "+
				"userinfo in the addresses, or an Authorization header in Header)", what, set[1].what)}
	}
	if userinfo != nil {
		password, _ := userinfo.Password()
		return middleware.AuthConfig{Username: userinfo.Username(), Password: password}, nil
	}
	return middleware.AuthConfig{Username: cfg.Username, Password: cfg.Password, APIKey: cfg.APIKey, ServiceToken: cfg.ServiceToken}, nil
}

// headerHas reports whether h has a non-empty value for key, however the
// key is written.
func headerHas(h http.Header, key string) bool {
	for k, vs := range h {
		if strings.EqualFold(k, key) && slices.ContainsFunc(vs, func(v string) bool { return v != "" }) {
			return true
		}
	}
	return false
}

// renameField renames the field of a *rt.ConfigError from a middleware's
// name to the Config name.
func renameField(err error, from, to string) error {
	var ce *rt.ConfigError
	if errors.As(err, &ce) && ce.Field == from {
		ce.Field = to
	}
	return err
}

// prefixField puts prefix before the field of a *rt.ConfigError.
func prefixField(err error, prefix string) error {
	var ce *rt.ConfigError
	if errors.As(err, &ce) {
		ce.Field = prefix + ce.Field
	}
	return err
}

func checkDurations(cfg Config) error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"DiscoverNodesInterval", cfg.DiscoverNodesInterval},
		{"DiscoverNodesTimeout", cfg.DiscoverNodesTimeout},
		{"DeadNodeTimeout", cfg.DeadNodeTimeout},
		{"MaxDeadNodeTimeout", cfg.MaxDeadNodeTimeout},
		{"BreakerTimeout", cfg.BreakerTimeout},
	} {
		if d.v < 0 {
			return &rt.ConfigError{Field: d.name, Err: fmt.Errorf("negative duration %v", d.v)}
		}
	}
	if cfg.MaxRetries < 0 {
		return &rt.ConfigError{Field: "MaxRetries", Err: fmt.Errorf("negative value %d", cfg.MaxRetries)}
	}
	return nil
}

func userAgent(cfg Config) string {
	if cfg.UserAgent != "" {
		return cfg.UserAgent
	}
	return middleware.UserAgent()
}

// RoundTrip sends req through the chain. Per-request options ride in req's
// context (see package rt).
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	select {
	case <-t.closed:
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, ErrClosed
	default:
	}
	return t.chain.RoundTrip(req)
}

// Pool returns the node pool, for its status ([selector.Pool.Status]).
func (t *Transport) Pool() *selector.Pool { return t.pool }

// CloseIdleConnections closes the idle connections of the base transport,
// and of any middleware in the chain that forwards the call. It reaches
// the base transport even through a middleware that does not forward it,
// such as an [rt.Func] in Config.Middleware.
func (t *Transport) CloseIdleConnections() {
	rt.CloseIdleConnections(t.chain)
	rt.CloseIdleConnections(t.base)
}

// Close stops discovery, waits for its goroutine to end, and closes every
// connection of the base transport. Requests after Close fail with
// [ErrClosed]. Requests in flight finish their current attempt, but start
// no other (no retry, no hedge): such an attempt fails with an
// [*rt.LocalError] wrapping ErrClosed. The connection of an attempt in
// flight at Close is closed when the attempt ends: when its response body
// has been read to the end or closed. It always returns nil and may be
// called more than once.
func (t *Transport) Close() error {
	t.closeOnce.Do(func() {
		close(t.closed)
		if t.stop != nil {
			t.stop()
			<-t.done
		}
		t.CloseIdleConnections()
	})
	return nil
}
