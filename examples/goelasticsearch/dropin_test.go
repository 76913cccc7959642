package goelasticsearch_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/elastic/go-elasticsearch/v9"
	"github.com/elastic/go-elasticsearch/v9/esapi"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/examples/internal/dropin"
	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

// newClient returns a go-elasticsearch client over tr, with the client's
// own retries off as recommended unless clientRetries, closed at the end
// of the test.
func newClient(t *testing.T, addrs []string, tr http.RoundTripper, clientRetries bool) *elasticsearch.Client {
	t.Helper()
	es, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: addrs, Transport: tr, DisableRetry: !clientRetries})
	if err != nil {
		t.Fatalf("elasticsearch.NewClient: %v", err)
	}
	// Close stops the goroutines that resurrect the nodes a failed
	// request marked dead.
	t.Cleanup(func() { es.Close(context.Background()) })
	return es
}

// check fails t unless the request succeeded, and closes the body.
func check(t *testing.T, what string, res *esapi.Response, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	defer res.Body.Close()
	if res.IsError() {
		body, _ := io.ReadAll(res.Body)
		t.Fatalf("%s: %s %s", what, res.Status(), body)
	}
}

// With one of three nodes failing, every request through the client
// succeeds: esrt sends one attempt to the failing node, takes it out of
// rotation and retries that attempt on another node; nothing else is
// retried and the failing node gets nothing more.
func TestFailover(t *testing.T) {
	const writes = 15 // each followed by a search
	for _, f := range dropin.Faults() {
		t.Run(f.Name, func(t *testing.T) {
			cluster := estest.New(t, estest.Config{Nodes: 3, Version: "9.1.0"})
			// Round robin reaches the failing node within three attempts,
			// so its one attempt is certain.
			tr, attempts := dropin.Transport(t, cluster, esrt.Config{Pool: esrt.PoolConfig{Selector: selector.RoundRobin()}})
			es := newClient(t, cluster.URLs(), tr, false)
			sick := cluster.Node(1)
			f.Apply(sick)

			for i := range writes {
				doc := fmt.Sprintf(`{"title":"book %d"}`, i)
				res, err := es.Index("books", strings.NewReader(doc), es.Index.WithDocumentID(fmt.Sprint(i)))
				check(t, "index", res, err)
				res, err = es.Search(es.Search.WithIndex("books"))
				check(t, "search", res, err)
			}

			dropin.CheckFailover(t, cluster, sick, attempts, f, writes)
		})
	}
}

// The client's own retries resend what esrt decided not to: an auto-id
// index request whose connection broke after the write was applied is not
// safe to repeat, esrt returns the error, and go-elasticsearch (with its
// default retries) sends it again, creating a duplicate. DisableRetry, the
// recommended setting, keeps one document and reports the error.
func TestClientRetriesResendWrites(t *testing.T) {
	tests := []struct {
		name          string
		clientRetries bool
		wantDocs      int
		wantErr       bool
	}{
		{name: "DisableRetry", clientRetries: false, wantDocs: 1, wantErr: true},
		{name: "client retries", clientRetries: true, wantDocs: 2, wantErr: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cluster := estest.New(t, estest.Config{Nodes: 3, Version: "9.1.0"})
			tr, _ := dropin.Transport(t, cluster, esrt.Config{})
			es := newClient(t, cluster.URLs(), tr, tt.clientRetries)
			dropin.ResetFirstAutoIDWrite(cluster)

			res, err := es.Index("books", strings.NewReader(`{"title":"once"}`))
			if err == nil {
				res.Body.Close()
			}
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Errorf("error = %v, want error: %t", err, tt.wantErr)
			}
			if got := cluster.DocCount("books"); got != tt.wantDocs {
				t.Errorf("documents = %d, want %d", got, tt.wantDocs)
			}
		})
	}
}

// With every node answering 503, esrt makes its 4 attempts and returns the
// last 503; go-elasticsearch's default retries repeat that 4 times: 16
// attempts for one search. Breakers are off and the retry budget generous
// here so that the count is exact; esrt's defaults cap a real storm sooner.
func TestClientRetriesMultiplyAttempts(t *testing.T) {
	tests := []struct {
		name          string
		clientRetries bool
		wantAttempts  int
	}{
		{name: "DisableRetry", clientRetries: false, wantAttempts: 4},
		{name: "client retries", clientRetries: true, wantAttempts: 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cluster := estest.New(t, estest.Config{Nodes: 3, Version: "9.1.0"})
			tr, attempts := dropin.Transport(t, cluster, esrt.Config{Breaker: esrt.BreakerConfig{Failures: -1},
				Retry: esrt.RetryConfig{Budget: middleware.BudgetConfig{MinPerSecond: 1000}}})
			es := newClient(t, cluster.URLs(), tr, tt.clientRetries)
			for _, n := range cluster.Nodes() {
				n.SetFailFunc(func(*http.Request) *estest.Failure { return &estest.Failure{Status: http.StatusServiceUnavailable} })
			}

			res, err := es.Search(es.Search.WithIndex("books"))
			if err != nil {
				t.Fatalf("search: %v", err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("status = %d, want 503", res.StatusCode)
			}
			if got := attempts.Total(); got != tt.wantAttempts {
				t.Errorf("attempts = %d, want %d", got, tt.wantAttempts)
			}
		})
	}
}

// The addresses given to the client do not decide where requests go: esrt
// replaces scheme and host, so a placeholder works, even http for an https
// cluster. The client's own headers arrive unchanged.
func TestClientAddresses(t *testing.T) {
	tests := []struct {
		name  string
		tls   bool
		addrs func(*estest.Cluster) []string
	}{
		{name: "cluster addresses", addrs: (*estest.Cluster).URLs},
		{name: "one placeholder", addrs: func(*estest.Cluster) []string { return []string{"http://elasticsearch.invalid:9200"} }},
		{name: "http placeholder, https cluster", tls: true, addrs: func(*estest.Cluster) []string { return []string{"http://elasticsearch.invalid:9200"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cluster := estest.New(t, estest.Config{Nodes: 3, Version: "9.1.0", TLS: tt.tls})
			tr, attempts := dropin.Transport(t, cluster, esrt.Config{CACert: cluster.CACertPEM()})
			es := newClient(t, tt.addrs(cluster), tr, false)

			res, err := es.Index("books", strings.NewReader(`{"title":"Learning Go"}`), es.Index.WithDocumentID("1"))
			check(t, "index", res, err)
			res, err = es.Search(es.Search.WithIndex("books"))
			check(t, "search", res, err)

			var logged []estest.Request
			for _, n := range cluster.Nodes() {
				logged = append(logged, n.Requests()...)
			}
			if len(logged) != 2 || attempts.Total() != 2 {
				t.Fatalf("cluster received %d requests in %d attempts, want 2 in 2", len(logged), attempts.Total())
			}
			for _, r := range logged {
				if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "go-elasticsearch/") {
					t.Errorf("%s %s: User-Agent %q, want the client's", r.Method, r.Path, ua)
				}
				if meta := r.Header.Get(elasticsearch.HeaderClientMeta); !strings.HasPrefix(meta, "es=") {
					t.Errorf("%s %s: %s %q, want the client's", r.Method, r.Path, elasticsearch.HeaderClientMeta, meta)
				}
			}
		})
	}
}

// When every attempt failed, esrt's *rt.RetryError, naming each attempt
// and its node, reaches the caller through the client.
func TestRetryErrorReachesCaller(t *testing.T) {
	cluster := estest.New(t, estest.Config{Nodes: 3, Version: "9.1.0"})
	tr, attempts := dropin.Transport(t, cluster, esrt.Config{})
	es := newClient(t, cluster.URLs(), tr, false)
	for _, n := range cluster.Nodes() {
		n.Kill()
	}

	_, err := es.Search(es.Search.WithIndex("books"))
	var retryErr *rt.RetryError
	if !errors.As(err, &retryErr) {
		t.Fatalf("search: error %v, want an *rt.RetryError", err)
	}
	if got, want := len(retryErr.Attempts), attempts.Total(); got != want || got != 4 {
		t.Errorf("RetryError names %d attempts, esrt made %d, want 4", got, want)
	}
}
