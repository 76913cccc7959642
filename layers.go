package esrt

import (
	"fmt"
	"os"
	"strings"

	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

// parts are the stateful pieces New builds before the layers, which share
// them: the pool with routing and discovery, the breakers with the pool,
// the limiter with retry and [Transport.Limiter].
type parts struct {
	creds    middleware.AuthConfig
	pool     *selector.Pool
	breakers *middleware.Breakers // nil when off
	limiter  *middleware.Limiter  // nil when off
}

// buildLayers builds every layer of the chain from cfg but the guard, each
// nil when it is off.
func buildLayers(cfg Config, p parts) (*layers, error) {
	l := &layers{
		middleware:   stack(cfg.Middleware),
		logging:      logging(cfg, p.creds),
		headers:      middleware.Headers(middleware.HeadersConfig{UserAgent: userAgent(cfg), Header: cfg.Header}),
		productCheck: productCheck(cfg),
		auth:         middleware.Auth(p.creds),
		routing:      selector.Middleware(p.pool),
		attempt:      stack(cfg.AttemptMiddleware),
	}
	if p.breakers != nil {
		l.nodeBreakers = p.breakers.Middleware()
	}
	if p.limiter != nil {
		l.admission = p.limiter.Middleware()
	}
	if cfg.Logger != nil {
		l.plaintext = middleware.WarnPlaintextCredentials(cfg.Logger)
	}
	var err error
	if l.clusterBreaker, err = clusterBreaker(cfg); err != nil {
		return nil, err
	}
	if l.gzip, err = gzip(cfg); err != nil {
		return nil, err
	}
	if l.compatibility, err = compatibility(cfg); err != nil {
		return nil, err
	}
	if l.getAsPost, err = getAsPost(cfg); err != nil {
		return nil, err
	}
	if err := l.addLimits(cfg); err != nil {
		return nil, err
	}
	if err := l.addRetries(cfg, p.pool, p.limiter); err != nil {
		return nil, err
	}
	return l, nil
}

// userAgent returns the User-Agent of cfg.Header, or esrt's.
func userAgent(cfg Config) string {
	if ua := headerValue(cfg.Header, "User-Agent"); ua != "" {
		return ua
	}
	return middleware.UserAgent()
}

// logging returns the logging layer, or nil without a Logger. It is told
// what the layers inside add (credentials, default headers, a CA), for the
// curl commands.
func logging(cfg Config, creds middleware.AuthConfig) rt.Middleware {
	if cfg.Logger == nil {
		return nil
	}
	return middleware.Logging(middleware.LoggingConfig{
		Logger:      cfg.Logger,
		Curl:        cfg.Logging.Curl,
		MaxBodySize: cfg.Logging.MaxBodySize,
		Auth:        creds.CurlAuth(),
		Header:      cfg.Header,
		CACert:      len(cfg.CACert) > 0 || cfg.CertificateFingerprint != "",
	})
}

// compatibility returns the compatibility layer of cfg.Protocol, also on
// with ELASTIC_CLIENT_APIVERSIONING=true, or nil when it is off.
func compatibility(cfg Config) (rt.Middleware, error) {
	if !cfg.Protocol.CompatibilityMode && !strings.EqualFold(os.Getenv("ELASTIC_CLIENT_APIVERSIONING"), "true") {
		return nil, nil
	}
	major := cfg.Protocol.CompatibilityVersion
	if major == 0 {
		major = 8
	}
	m, err := middleware.Compatibility(major)
	return m, inGroup("Protocol", err)
}

// gzip returns the request compression layer, on with CompressRequestBody
// or a Cloud ID, or nil.
func gzip(cfg Config) (rt.Middleware, error) {
	if !cfg.CompressRequestBody && cfg.CloudID == "" {
		return nil, nil
	}
	return middleware.Gzip(middleware.GzipConfig{})
}

func productCheck(cfg Config) rt.Middleware {
	if !cfg.Protocol.ProductCheck {
		return nil
	}
	return middleware.ProductCheck()
}

func getAsPost(cfg Config) (rt.Middleware, error) {
	switch strings.ToUpper(cfg.Protocol.SendGetBodyAs) {
	case "", "GET":
		return nil, nil
	case "POST":
		return middleware.GetBodyAsPost(), nil
	}
	return nil, &rt.ConfigError{Field: "Protocol.SendGetBodyAs", Err: fmt.Errorf("%q: want GET or POST", cfg.Protocol.SendGetBodyAs)}
}
