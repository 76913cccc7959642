package esrt_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"testing"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/client"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/rt/rttest"
)

// The Go blocks of README.md, docs/client.md and docs/middleware.md, here
// so that the compiler checks them; TestDocBlocksCompile checks that each
// block of the documents is found in a test file.

type Product struct {
	Title string `json:"title"`
}

type Order struct {
	Status string `json:"status"`
	Total  int    `json:"total"`
}

func process(Order) {}

func readmeQuickStart(ctx context.Context) error {
	tr, err := esrt.New(esrt.Config{
		Addresses: []string{"https://es1:9200", "https://es2:9200"},
		APIKey:    os.Getenv("ES_API_KEY"),
	})
	if err != nil {
		log.Fatal(err) // a *rt.ConfigError naming the field; never a panic
	}
	defer tr.Close()
	es := client.New(&http.Client{Transport: tr}) // package github.com/esrt-dev/esrt/client

	_, err = es.Index(ctx, client.IndexRequest{Index: "products", ID: "42", Document: Product{Title: "Go"}})
	res, err := client.Search[Product](ctx, es, client.SearchRequest{Index: []string{"products"}, Body: `{"query":{"match":{"title":"go"}}}`})
	for _, hit := range res.Hits.Hits {
		fmt.Println(hit.ID, hit.Source.Title) // hit.Source is a Product
	}

	var e *client.Error
	if errors.As(err, &e) { // every error answer: status, type, reason, root causes, the raw body
		log.Print(e.Status, e.Type, e.Reason)
	}
	return err
}

func readmeHTTPClient(tr http.RoundTripper) (*http.Response, error) {
	hc := &http.Client{Transport: tr}
	res, err := hc.Get("http://es/products/_search?q=title:go") // host is replaced per node
	return res, err
}

func readmePerRequest(ctx context.Context, client *http.Client, req *http.Request, tenantKey string) (*http.Response, error) {
	{
		ctx := rt.WithOpaqueID(ctx, "checkout-42")
		ctx = rt.WithAuth(ctx, rt.APIKeyAuth(tenantKey)) // fmt and slog print "ApiKey [redacted]"
		ctx = rt.WithIdempotent(ctx, true)               // this _bulk may be retried
		res, err := client.Do(req.WithContext(ctx))
		return res, err
	}
}

func Tenant(name string) rt.Middleware {
	return func(next http.RoundTripper) http.RoundTripper {
		return rt.Func(func(req *http.Request) (*http.Response, error) {
			clone := req.Clone(req.Context())
			clone.Header.Set("X-Tenant", name)
			return next.RoundTrip(clone)
		})
	}
}

func readmeChain(other rt.Middleware) http.RoundTripper {
	tr := rt.Chain(http.DefaultTransport, Tenant("blue"), other) // first is outermost
	return tr
}

// The README shows what rttest says of Tenant.
func TestTenant(t *testing.T) {
	err := rttest.Check(Tenant("blue"))
	fmt.Println(err) // rttest: CloseIdleConnections forwarded: the RoundTripper (rt.Func) has no CloseIdleConnections method
	if err == nil || err.Error() != "rttest: CloseIdleConnections forwarded: the RoundTripper (rt.Func) has no CloseIdleConnections method" {
		t.Errorf("rttest.Check(Tenant) = %v, want the one violation the README shows", err)
	}
}

func clientDocSearch(ctx context.Context) error {
	tr, err := esrt.New(esrt.Config{Addresses: []string{"https://es1:9200", "https://es2:9200"}})
	if err != nil {
		return err
	}
	defer tr.Close()
	es := client.New(&http.Client{Transport: tr})

	res, err := client.Search[Order](ctx, es, client.SearchRequest{
		Index: []string{"orders"},
		Body:  `{"query":{"term":{"status":"paid"}},"sort":[{"total":"desc"}]}`,
	})
	for _, hit := range res.Hits.Hits {
		fmt.Println(hit.ID, hit.Source.Total) // hit.Source is an Order
	}

	type terms struct {
		Buckets []struct {
			Key      string `json:"key"`
			DocCount int64  `json:"doc_count"`
		} `json:"buckets"`
	}
	byStatus, err := client.Aggregation[terms](res.Aggregations, "by_status")
	_ = byStatus

	var e *client.Error
	if errors.As(err, &e) {
		log.Printf("%d %s: %s", e.Status, e.Type, e.Reason) // 404 index_not_found_exception: no such index [orders]
	}

	for hit, err := range client.Scan[Order](ctx, es, client.ScanRequest{
		Index: []string{"orders"},
		Body:  `{"query":{"range":{"total":{"gte":100}}}}`,
	}) {
		if err != nil {
			return err
		}
		process(hit.Source)
	}
	return nil
}

// userAgent sets the User-Agent header of every request.
type userAgent struct {
	next http.RoundTripper
	ua   string
}

func (u *userAgent) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context()) // never modify the caller's request
	req.Header.Set("User-Agent", u.ua)
	return u.next.RoundTrip(req)
}

func (u *userAgent) CloseIdleConnections() { rt.CloseIdleConnections(u.next) }

// Unwrap lets tools walk the chain.
func (u *userAgent) Unwrap() http.RoundTripper { return u.next }

// UserAgent returns the middleware.
func UserAgent(ua string) rt.Middleware {
	return func(next http.RoundTripper) http.RoundTripper {
		return &userAgent{next: next, ua: ua}
	}
}

func TestUserAgent(t *testing.T) {
	rttest.Run(t, UserAgent("my-app/1.0"))
}

// The functions above are compiled, not run: they need a cluster at the
// addresses they name.
var _ = []any{readmeQuickStart, readmeHTTPClient, readmePerRequest, readmeChain, clientDocSearch}
