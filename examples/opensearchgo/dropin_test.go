package opensearchgo_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/opensearch-project/opensearch-go/v4"
	"github.com/opensearch-project/opensearch-go/v4/opensearchapi"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/examples/internal/dropin"
	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

// newClient returns an opensearchapi client over tr, with the client's own
// retries off as recommended unless clientRetries, and closes it when the
// test ends. It turns off the client's node stats poller, as recommended,
// so that no background request is counted.
func newClient(t *testing.T, addrs []string, tr http.RoundTripper, clientRetries bool) *opensearchapi.Client {
	t.Helper()
	t.Setenv("OPENSEARCH_GO_NODE_STATS_INTERVAL", "-1")
	client, err := opensearchapi.NewClient(opensearchapi.Config{
		Client: opensearch.Config{Addresses: addrs, Transport: tr, DisableRetry: !clientRetries},
	})
	if err != nil {
		t.Fatalf("opensearchapi.NewClient: %v", err)
	}
	t.Cleanup(func() {
		if err := client.Client.Close(); err != nil {
			t.Errorf("close client: %v", err)
		}
	})
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
			cluster := estest.New(t, estest.Config{Nodes: 3, Product: estest.OpenSearch})
			// Round robin reaches the failing node within three attempts,
			// so its one attempt is certain.
			tr, attempts := dropin.Transport(t, cluster, esrt.Config{Pool: esrt.PoolConfig{Selector: selector.RoundRobin()}})
			client := newClient(t, cluster.URLs(), tr, false)
			sick := cluster.Node(1)
			f.Apply(sick)

			ctx := context.Background()
			for i := range writes {
				doc := fmt.Sprintf(`{"title":"book %d"}`, i)
				if _, err := client.Index(ctx, opensearchapi.IndexReq{Index: "books", DocumentID: fmt.Sprint(i), Body: strings.NewReader(doc)}); err != nil {
					t.Fatalf("index: %v", err)
				}
				if _, err := client.Search(ctx, &opensearchapi.SearchReq{Indices: []string{"books"}}); err != nil {
					t.Fatalf("search: %v", err)
				}
			}

			dropin.CheckFailover(t, cluster, sick, attempts, f, writes)
		})
	}
}

// The client's own retries resend what esrt decided not to: an auto-id
// index request whose connection broke after the write was applied is not
// safe to repeat, esrt returns the error, and opensearch-go (with its
// default retries, which cover any connection error) sends it again,
// creating a duplicate. DisableRetry, the recommended setting, keeps one
// document and reports the error.
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
			cluster := estest.New(t, estest.Config{Nodes: 3, Product: estest.OpenSearch})
			tr, _ := dropin.Transport(t, cluster, esrt.Config{})
			client := newClient(t, cluster.URLs(), tr, tt.clientRetries)
			dropin.ResetFirstAutoIDWrite(cluster)

			_, err := client.Index(context.Background(), opensearchapi.IndexReq{Index: "books", Body: strings.NewReader(`{"title":"once"}`)})
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
// last 503; opensearch-go's default retries repeat that 7 times (its
// default MaxRetries is 6, although its Config comment says 3): 28
// attempts for one search. Breakers are off and the retry budget generous
// here so that the count is exact; esrt's defaults cap a real storm sooner.
func TestClientRetriesMultiplyAttempts(t *testing.T) {
	tests := []struct {
		name          string
		clientRetries bool
		wantAttempts  int
	}{
		{name: "DisableRetry", clientRetries: false, wantAttempts: 4},
		{name: "client retries", clientRetries: true, wantAttempts: 28},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cluster := estest.New(t, estest.Config{Nodes: 3, Product: estest.OpenSearch})
			tr, attempts := dropin.Transport(t, cluster, esrt.Config{Breaker: esrt.BreakerConfig{Failures: -1},
				Retry: esrt.RetryConfig{Budget: middleware.BudgetConfig{MinPerSecond: 1000}}})
			client := newClient(t, cluster.URLs(), tr, tt.clientRetries)
			for _, n := range cluster.Nodes() {
				n.SetFailFunc(func(*http.Request) *estest.Failure { return &estest.Failure{Status: http.StatusServiceUnavailable} })
			}

			res, err := client.Search(context.Background(), &opensearchapi.SearchReq{Indices: []string{"books"}})
			if err == nil {
				t.Fatalf("search: got %+v, want the 503 as an error", res)
			}
			if got := attempts.Total(); got != tt.wantAttempts {
				t.Errorf("attempts = %d, want %d", got, tt.wantAttempts)
			}
		})
	}
}

// The addresses given to the client do not decide where requests go: esrt
// replaces scheme and host, so a placeholder works, even http for an https
// cluster. The client's own User-Agent arrives unchanged.
func TestClientAddresses(t *testing.T) {
	tests := []struct {
		name  string
		tls   bool
		addrs func(*estest.Cluster) []string
	}{
		{name: "cluster addresses", addrs: (*estest.Cluster).URLs},
		{name: "one placeholder", addrs: func(*estest.Cluster) []string { return []string{"http://opensearch.invalid:9200"} }},
		{name: "http placeholder, https cluster", tls: true, addrs: func(*estest.Cluster) []string { return []string{"http://opensearch.invalid:9200"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cluster := estest.New(t, estest.Config{Nodes: 3, Product: estest.OpenSearch, TLS: tt.tls})
			tr, attempts := dropin.Transport(t, cluster, esrt.Config{CACert: cluster.CACertPEM()})
			client := newClient(t, tt.addrs(cluster), tr, false)

			ctx := context.Background()
			if _, err := client.Index(ctx, opensearchapi.IndexReq{Index: "books", DocumentID: "1", Body: strings.NewReader(`{"title":"Learning Go"}`)}); err != nil {
				t.Fatalf("index: %v", err)
			}
			if _, err := client.Search(ctx, &opensearchapi.SearchReq{Indices: []string{"books"}}); err != nil {
				t.Fatalf("search: %v", err)
			}

			var logged []estest.Request
			for _, n := range cluster.Nodes() {
				logged = append(logged, n.Requests()...)
			}
			if len(logged) != 2 || attempts.Total() != 2 {
				t.Fatalf("cluster received %d requests in %d attempts, want 2 in 2", len(logged), attempts.Total())
			}
			for _, r := range logged {
				if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "opensearch-go/") {
					t.Errorf("%s %s: User-Agent %q, want the client's", r.Method, r.Path, ua)
				}
			}
		})
	}
}

// When every attempt failed, esrt's *rt.RetryError, naming each attempt
// and its node, reaches the caller through the client (inside the
// client's own message, which names the address the client chose).
func TestRetryErrorReachesCaller(t *testing.T) {
	cluster := estest.New(t, estest.Config{Nodes: 3, Product: estest.OpenSearch})
	tr, attempts := dropin.Transport(t, cluster, esrt.Config{})
	client := newClient(t, cluster.URLs(), tr, false)
	for _, n := range cluster.Nodes() {
		n.Kill()
	}

	_, err := client.Search(context.Background(), &opensearchapi.SearchReq{Indices: []string{"books"}})
	var retryErr *rt.RetryError
	if !errors.As(err, &retryErr) {
		t.Fatalf("search: error %v, want an *rt.RetryError", err)
	}
	if got, want := len(retryErr.Attempts), attempts.Total(); got != want || got != 4 {
		t.Errorf("RetryError names %d attempts, esrt made %d, want 4", got, want)
	}
}
