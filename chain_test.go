package esrt

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"testing"

	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
)

// layerTypes returns the type of each layer of tr's chain, outermost
// first, down to the base transport.
func layerTypes(tr *Transport) []string {
	var types []string
	for next := tr.Unwrap(); next != nil; {
		types = append(types, fmt.Sprintf("%T", next))
		u, ok := next.(interface{ Unwrap() http.RoundTripper })
		if !ok {
			break
		}
		next = u.Unwrap()
	}
	return types
}

// The warning about credentials over plain http only logs: without a
// Logger it is not in the chain at all, and neither is logging. Before,
// the warning was always there, logging to a discarding logger.
func TestLayersThatOnlyLogNeedALogger(t *testing.T) {
	cfg := Config{Addresses: []string{"http://es.example.com:9200"}, APIKey: "id:key"}
	without := layerTypes(mustNew(t, cfg))
	cfg.Logger = slog.New(slog.DiscardHandler)
	with := layerTypes(mustNew(t, cfg))
	for _, typ := range []string{"*middleware.plaintextTransport", "*middleware.loggingTransport"} {
		if slices.Contains(without, typ) {
			t.Errorf("without a Logger, the chain has %s: %v", typ, without)
		}
		if !slices.Contains(with, typ) {
			t.Errorf("with a Logger, the chain lacks %s: %v", typ, with)
		}
	}
}

// Every optional layer is absent from the default chain and present when
// its setting turns it on; the caller's middlewares are where
// Config.Middleware and Config.AttemptMiddleware say.
func TestOptionalLayersAreAbsentWhenOff(t *testing.T) {
	pass := func(next http.RoundTripper) http.RoundTripper { return next }
	def := layerTypes(mustNew(t, Config{Addresses: []string{"http://es1:9200"}, Middleware: []rt.Middleware{nil}, AttemptMiddleware: []rt.Middleware{nil}}))
	for _, tt := range []struct {
		typ string
		cfg Config
	}{
		{"*middleware.clusterBreakerTransport", Config{Breaker: BreakerConfig{Cluster: ClusterBreakerConfig{Enabled: true}}}},
		{"*middleware.compatTransport", Config{Protocol: ProtocolConfig{CompatibilityMode: true}}},
		{"*middleware.productTransport", Config{Protocol: ProtocolConfig{ProductCheck: true}}},
		{"*middleware.getAsPostTransport", Config{Protocol: ProtocolConfig{SendGetBodyAs: "POST"}}},
		{"*middleware.gzipTransport", Config{CompressRequestBody: true}},
		{"*middleware.limiterTransport", Config{Limits: LimitsConfig{Limiter: LimiterConfig{Enabled: true}}}},
		{"*middleware.hedgeTransport", Config{Retry: RetryConfig{Hedge: HedgeConfig{Enabled: true}}}},
	} {
		if slices.Contains(def, tt.typ) {
			t.Errorf("the default chain has %s: %v", tt.typ, def)
		}
		tt.cfg.Addresses = []string{"http://es1:9200"}
		tt.cfg.Middleware, tt.cfg.AttemptMiddleware = []rt.Middleware{pass}, []rt.Middleware{pass}
		if got := layerTypes(mustNew(t, tt.cfg)); len(got) != len(def)+1 || !slices.Contains(got, tt.typ) {
			t.Errorf("with %s on, the chain is %v, want the default %v and it", tt.typ, got, def)
		}
	}
	if !slices.Contains(def, "*middleware.breakersTransport") {
		t.Fatalf("the default chain lacks the node breakers: %v", def)
	}
	off := layerTypes(mustNew(t, Config{Addresses: []string{"http://es1:9200"}, Breaker: BreakerConfig{Failures: -1},
		Limits: LimitsConfig{Response: middleware.SizeLimitConfig{MaxSize: -1, MaxDecompressedSize: -1}}}))
	for _, typ := range []string{"*middleware.breakersTransport", "*middleware.sizeLimitTransport"} {
		if slices.Contains(off, typ) {
			t.Errorf("turned off, %s is in the chain: %v", typ, off)
		}
	}
}

// The caller's middlewares are in the chain: Config.Middleware outermost,
// Config.AttemptMiddleware right above the guard.
func TestCallerMiddlewareInTheChain(t *testing.T) {
	tr := mustNew(t, Config{Addresses: []string{"http://es1:9200"},
		Middleware:        []rt.Middleware{func(next http.RoundTripper) http.RoundTripper { return &outerLayer{next} }},
		AttemptMiddleware: []rt.Middleware{func(next http.RoundTripper) http.RoundTripper { return &attemptLayer{next} }},
	})
	got := layerTypes(tr)
	if len(got) < 4 || got[0] != "*esrt.outerLayer" || got[len(got)-3] != "*esrt.attemptLayer" || got[len(got)-2] != "*esrt.baseGuard" {
		t.Fatalf("chain %v: want the caller's middlewares first and right above the guard", got)
	}
}

type (
	outerLayer   struct{ next http.RoundTripper }
	attemptLayer struct{ next http.RoundTripper }
)

func (l *outerLayer) RoundTrip(r *http.Request) (*http.Response, error)   { return l.next.RoundTrip(r) }
func (l *outerLayer) Unwrap() http.RoundTripper                           { return l.next }
func (l *attemptLayer) RoundTrip(r *http.Request) (*http.Response, error) { return l.next.RoundTrip(r) }
func (l *attemptLayer) Unwrap() http.RoundTripper                         { return l.next }

// A User-Agent in Config.Header replaces esrt's, on requests and on the
// sniffer's requests, however its key is written; a request's own
// User-Agent wins. Without one, esrt's.
func TestUserAgentFromHeader(t *testing.T) {
	c := estest.New(t, estest.Config{})
	tr := mustNew(t, Config{Addresses: c.URLs(), DiscoverNodesOnStart: true, Header: http.Header{"user-agent": {"shop/2"}}})
	res, err := get(t, tr, "/")
	if err != nil {
		t.Fatal(err)
	}
	drainClose(res)
	req, _ := http.NewRequest("GET", "http://es/", nil)
	req.Header.Set("User-Agent", "own/1")
	if res, err = tr.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	drainClose(res)
	res, err = get(t, mustNew(t, Config{Addresses: c.URLs()}), "/")
	if err != nil {
		t.Fatal(err)
	}
	drainClose(res)
	var got []string
	for _, r := range c.Node(0).Requests() {
		got = append(got, r.Path+" "+r.Header.Get("User-Agent"))
	}
	want := []string{"/_nodes/http shop/2", "/ shop/2", "/ own/1", "/ " + middleware.UserAgent()}
	if !slices.Equal(got, want) {
		t.Fatalf("requests %q, want %q", got, want)
	}
}
