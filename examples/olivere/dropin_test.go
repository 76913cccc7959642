package olivere_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/olivere/elastic/v7"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/examples/internal/dropin"
	"github.com/esrt-dev/esrt/examples/olivere"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

// newClient returns an olivere client over tr with the recommended
// settings, and retrier as its retrier (nil: olivere's default, which
// retries nothing).
func newClient(t *testing.T, urls []string, tr http.RoundTripper, retrier elastic.Retrier) *elastic.Client {
	t.Helper()
	opts := []elastic.ClientOptionFunc{
		elastic.SetURL(urls...),
		elastic.SetHttpClient(&http.Client{Transport: tr}),
		elastic.SetSniff(false),
		elastic.SetHealthcheck(false),
	}
	if retrier != nil {
		opts = append(opts, elastic.SetRetrier(retrier))
	}
	client, err := elastic.NewClient(opts...)
	if err != nil {
		t.Fatalf("elastic.NewClient: %v", err)
	}
	t.Cleanup(client.Stop)
	return client
}

// With one of three nodes failing, every request through the client
// succeeds: esrt sends one attempt to the failing node, takes it out of
// rotation and retries that attempt on another node; nothing else is
// retried and the failing node gets nothing more.
func TestFailover(t *testing.T) {
	const writes = 15 // each followed by a search
	for _, f := range dropin.Faults() {
		t.Run(f.Name, func(t *testing.T) {
			cluster := estest.New(t, estest.Config{Nodes: 3})
			// Round robin reaches the failing node within three attempts,
			// so its one attempt is certain.
			tr, attempts := dropin.Transport(t, cluster, esrt.Config{Pool: esrt.PoolConfig{Selector: selector.RoundRobin()}})
			client := newClient(t, cluster.URLs(), tr, olivere.Retrier())
			sick := cluster.Node(1)
			f.Apply(sick)

			ctx := context.Background()
			for i := range writes {
				doc := fmt.Sprintf(`{"title":"book %d"}`, i)
				if _, err := client.Index().Index("books").Id(fmt.Sprint(i)).BodyString(doc).Do(ctx); err != nil {
					t.Fatalf("index: %v", err)
				}
				if _, err := client.Search("books").Do(ctx); err != nil {
					t.Fatalf("search: %v", err)
				}
			}

			dropin.CheckFailover(t, cluster, sick, attempts, f, writes)
		})
	}
}

// After a total outage the first request must succeed once the cluster is
// back. olivere marks a URL dead whenever esrt reports an error; with all
// its URLs dead it refuses the next request without sending it (and only
// then revives them). olivere.Retrier lets that request go out.
func TestOutage(t *testing.T) {
	tests := []struct {
		name    string
		urls    int // how many cluster URLs olivere gets
		retrier elastic.Retrier
		wantErr error // of the first request after the outage
	}{
		{name: "olivere default, one URL", urls: 1, retrier: nil, wantErr: elastic.ErrNoClient},
		{name: "olivere default, three URLs", urls: 3, retrier: nil, wantErr: elastic.ErrNoClient},
		{name: "olivere.Retrier, one URL", urls: 1, retrier: olivere.Retrier(), wantErr: nil},
		{name: "olivere.Retrier, three URLs", urls: 3, retrier: olivere.Retrier(), wantErr: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cluster := estest.New(t, estest.Config{Nodes: 3})
			tr, _ := dropin.Transport(t, cluster, esrt.Config{})
			client := newClient(t, cluster.URLs()[:tt.urls], tr, tt.retrier)
			ctx := context.Background()

			for _, n := range cluster.Nodes() {
				n.Kill()
			}
			// Each failed request marks one of olivere's URLs dead. esrt's
			// error, naming every attempt, reaches the caller.
			for range tt.urls {
				_, err := client.Search("books").Do(ctx)
				var retryErr *rt.RetryError
				if !errors.As(err, &retryErr) {
					t.Fatalf("search during the outage: error %v, want an *rt.RetryError", err)
				}
			}
			for _, n := range cluster.Nodes() {
				if err := n.Revive(); err != nil {
					t.Fatal(err)
				}
			}

			_, err := client.Index().Index("books").Id("1").BodyString(`{"title":"back"}`).Do(ctx)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("first request after the outage: error %v, want %v", err, tt.wantErr)
			}
			if _, err := client.Index().Index("books").Id("2").BodyString(`{"title":"still back"}`).Do(ctx); err != nil {
				t.Errorf("second request after the outage: %v", err)
			}
		})
	}
}

// A retrier that retries errors resends what esrt decided not to: an
// auto-id index request whose connection broke after the write was applied
// is not safe to repeat, esrt returns the error, and such a retrier sends
// it again, creating a duplicate. olivere.Retrier keeps one document and
// reports the error.
func TestRetrierResendsWrites(t *testing.T) {
	tests := []struct {
		name     string
		retrier  elastic.Retrier
		wantDocs int
		wantErr  bool
	}{
		{name: "olivere.Retrier", retrier: olivere.Retrier(), wantDocs: 1, wantErr: true},
		// SimpleBackoff reads ticks[retry] with retry counted from 1: one
		// retry, at once.
		{name: "backoff retrier", retrier: elastic.NewBackoffRetrier(elastic.NewSimpleBackoff(0, 0)), wantDocs: 2, wantErr: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cluster := estest.New(t, estest.Config{Nodes: 3})
			tr, _ := dropin.Transport(t, cluster, esrt.Config{})
			client := newClient(t, cluster.URLs(), tr, tt.retrier)
			dropin.ResetFirstAutoIDWrite(cluster)

			_, err := client.Index().Index("books").BodyString(`{"title":"once"}`).Do(context.Background())
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Errorf("error = %v, want error: %t", err, tt.wantErr)
			}
			if got := cluster.DocCount("books"); got != tt.wantDocs {
				t.Errorf("documents = %d, want %d", got, tt.wantDocs)
			}
		})
	}
}

// olivere/elastic v7 speaks the Elasticsearch 7 API; with esrt's
// compatibility mode at version 7, an Elasticsearch 8 server answers as 7
// would, for every request, bulk included. Without it, the requests these
// endpoints need work too (estest, like Elasticsearch 8, accepts them),
// which the other tests show.
func TestCompatibilityMode(t *testing.T) {
	tests := []struct {
		name       string
		cfg        esrt.Config
		wantAccept string
	}{
		{name: "off", cfg: esrt.Config{}, wantAccept: "application/json"},
		{name: "version 7", cfg: esrt.Config{Protocol: esrt.ProtocolConfig{CompatibilityMode: true, CompatibilityVersion: 7}}, wantAccept: "application/vnd.elasticsearch+json; compatible-with=7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cluster := estest.New(t, estest.Config{Nodes: 3, Version: "8.19.0"})
			tr, _ := dropin.Transport(t, cluster, tt.cfg)
			client := newClient(t, cluster.URLs(), tr, olivere.Retrier())
			ctx := context.Background()

			res, err := client.Bulk().Index("books").
				Add(elastic.NewBulkIndexRequest().Id("1").Doc(book{"Learning Go", 2021})).
				Do(ctx)
			if err != nil || res.Errors {
				t.Fatalf("bulk: %v (item errors: %t)", err, res != nil && res.Errors)
			}
			found, err := client.Search("books").Query(elastic.NewMatchQuery("title", "go")).Do(ctx)
			if err != nil {
				t.Fatalf("search: %v", err)
			}
			if got := found.TotalHits(); got != 1 {
				t.Errorf("hits = %d, want 1", got)
			}

			for _, n := range cluster.Nodes() {
				for _, r := range n.Requests() {
					if got := r.Header.Get("Accept"); got != tt.wantAccept {
						t.Errorf("%s %s: Accept %q, want %q", r.Method, r.Path, got, tt.wantAccept)
					}
					if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "elastic/") {
						t.Errorf("%s %s: User-Agent %q, want olivere's", r.Method, r.Path, ua)
					}
				}
			}
		})
	}
}

// The URLs given to olivere do not decide where requests go: esrt
// replaces scheme and host, so a placeholder works, even http for an https
// cluster.
func TestClientAddresses(t *testing.T) {
	tests := []struct {
		name string
		tls  bool
		urls func(*estest.Cluster) []string
	}{
		{name: "cluster addresses", urls: (*estest.Cluster).URLs},
		{name: "one placeholder", urls: func(*estest.Cluster) []string { return []string{"http://elasticsearch.invalid:9200"} }},
		{name: "http placeholder, https cluster", tls: true, urls: func(*estest.Cluster) []string { return []string{"http://elasticsearch.invalid:9200"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cluster := estest.New(t, estest.Config{Nodes: 3, TLS: tt.tls})
			tr, attempts := dropin.Transport(t, cluster, esrt.Config{CACert: cluster.CACertPEM()})
			client := newClient(t, tt.urls(cluster), tr, olivere.Retrier())

			ctx := context.Background()
			if _, err := client.Index().Index("books").Id("1").BodyString(`{"title":"Learning Go"}`).Do(ctx); err != nil {
				t.Fatalf("index: %v", err)
			}
			if _, err := client.Search("books").Do(ctx); err != nil {
				t.Fatalf("search: %v", err)
			}
			logged := 0
			for _, n := range cluster.Nodes() {
				logged += len(n.Requests())
			}
			if logged != 2 || attempts.Total() != 2 {
				t.Fatalf("cluster received %d requests in %d attempts, want 2 in 2", logged, attempts.Total())
			}
		})
	}
}
