package otel_test

import (
	"context"
	"encoding/base64"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/elastic/go-elasticsearch/v9"
	"github.com/opensearch-project/opensearch-go/v4"
	"github.com/opensearch-project/opensearch-go/v4/opensearchapi"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/contrib/otel/otelesrt"
	"github.com/esrt-dev/esrt/estest"
)

const password = "s3cret-pass"

// calls are the calls every client makes: index a document, get it,
// search the index.
var calls = []struct{ name, op, method, path string }{
	{"index books", "index", "PUT", "/books/_doc/1"},
	{"get books", "get", "GET", "/books/_doc/1"},
	{"search books", "search", "POST", "/books/_search"},
}

// recorder keeps the spans of one client's calls.
type recorder struct {
	exporter *tracetest.InMemoryExporter
	cfg      otelesrt.Config
}

func newRecorder(t *testing.T) *recorder {
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	return &recorder{exporter: exporter, cfg: otelesrt.Config{TracerProvider: tp, Propagators: propagation.TraceContext{}}}
}

// callSpans returns the spans without a parent: the calls.
func (r *recorder) callSpans() tracetest.SpanStubs {
	var out tracetest.SpanStubs
	for _, s := range r.exporter.GetSpans() {
		if !s.Parent.IsValid() {
			out = append(out, s)
		}
	}
	return out
}

// baseTransport is a default net/http transport of the test's own.
func baseTransport(t *testing.T) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// withPassword returns u with the elastic user's password as userinfo.
func withPassword(t *testing.T, u string) string {
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	p.User = url.UserPassword("elastic", password)
	return p.String()
}

func readAll(t *testing.T, body io.ReadCloser) {
	t.Helper()
	io.Copy(io.Discard, body)
	body.Close()
}

// The reference: raw requests through an instrumented esrt transport.
func esrtSpans(t *testing.T, cluster *estest.Cluster) tracetest.SpanStubs {
	rec := newRecorder(t)
	cfg := esrt.Config{Addresses: cluster.URLs(), Username: "elastic", Password: password}
	otelesrt.Instrument(&cfg, rec.cfg)
	tr, err := esrt.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	client := &http.Client{Transport: tr}
	for _, r := range []struct{ method, path, body string }{
		{"PUT", "/books/_doc/1", `{"title":"Dune"}`},
		{"GET", "/books/_doc/1", ""},
		{"POST", "/books/_search", `{"query":{"match_all":{}}}`},
	} {
		req, _ := http.NewRequest(r.method, "http://es"+r.path, strings.NewReader(r.body))
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, res.Body)
	}
	return rec.callSpans()
}

// go-elasticsearch v9 over its default transport, net/http's, wrapped by
// otelesrt.Middleware; the credentials in the addresses.
func goElasticsearchSpans(t *testing.T, cluster *estest.Cluster) tracetest.SpanStubs {
	rec := newRecorder(t)
	es, err := elasticsearch.NewClient(elasticsearch.Config{
		Addresses: []string{withPassword(t, cluster.URLs()[0])},
		Transport: otelesrt.Middleware(rec.cfg)(baseTransport(t)),
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := es.Index("books", strings.NewReader(`{"title":"Dune"}`), es.Index.WithDocumentID("1"))
	if err != nil || res.IsError() {
		t.Fatalf("index: %v %v", res, err)
	}
	readAll(t, res.Body)
	if res, err = es.Get("books", "1"); err != nil || res.IsError() {
		t.Fatalf("get: %v %v", res, err)
	}
	readAll(t, res.Body)
	if res, err = es.Search(es.Search.WithIndex("books"), es.Search.WithBody(strings.NewReader(`{"query":{"match_all":{}}}`))); err != nil || res.IsError() {
		t.Fatalf("search: %v %v", res, err)
	}
	readAll(t, res.Body)
	return rec.callSpans()
}

// opensearch-go v4 over its default transport wrapped by
// otelesrt.Middleware; the credentials in the addresses.
func openSearchSpans(t *testing.T, cluster *estest.Cluster) tracetest.SpanStubs {
	rec := newRecorder(t)
	t.Setenv("OPENSEARCH_GO_NODE_STATS_INTERVAL", "-1")
	client, err := opensearchapi.NewClient(opensearchapi.Config{Client: opensearch.Config{
		Addresses: []string{withPassword(t, cluster.URLs()[0])},
		Transport: otelesrt.Middleware(rec.cfg)(baseTransport(t)),
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Client.Close() })
	ctx := context.Background()
	if _, err := client.Index(ctx, opensearchapi.IndexReq{Index: "books", DocumentID: "1", Body: strings.NewReader(`{"title":"Dune"}`)}); err != nil {
		t.Fatalf("index: %v", err)
	}
	if _, err := client.Document.Get(ctx, opensearchapi.DocumentGetReq{Index: "books", DocumentID: "1"}); err != nil {
		t.Fatalf("get: %v", err)
	}
	if _, err := client.Search(ctx, &opensearchapi.SearchReq{Indices: []string{"books"}, Body: strings.NewReader(`{"query":{"match_all":{}}}`)}); err != nil {
		t.Fatalf("search: %v", err)
	}
	return rec.callSpans()
}

// The same call span — name, kind, attributes — whether the call goes
// through esrt or through go-elasticsearch's or opensearch-go's default
// transport; no credential in any of them.
func TestSameCallSpan(t *testing.T) {
	cluster := func(p estest.Product) *estest.Cluster {
		return estest.New(t, estest.Config{Product: p, Username: "elastic", Password: password})
	}
	reference := esrtSpans(t, cluster(estest.Elasticsearch))
	checkCalls(t, "esrt", reference)
	for _, c := range []struct {
		name  string
		spans tracetest.SpanStubs
	}{
		{"go-elasticsearch", goElasticsearchSpans(t, cluster(estest.Elasticsearch))},
		{"opensearch-go", openSearchSpans(t, cluster(estest.OpenSearch))},
	} {
		checkCalls(t, c.name, c.spans)
		for i, s := range c.spans {
			if got, want := comparable(s.Attributes), comparable(reference[i].Attributes); !maps.Equal(got, want) {
				t.Errorf("%s %s:\n got %v\nwant %v (esrt's)", c.name, s.Name, got, want)
			}
		}
	}
}

// checkCalls checks the names, kinds and defining attributes of the three
// call spans of one client, and that none carries a credential.
func checkCalls(t *testing.T, client string, spans tracetest.SpanStubs) {
	t.Helper()
	if len(spans) != len(calls) {
		t.Fatalf("%s: call spans %v, want %d", client, names(spans), len(calls))
	}
	basic := base64.StdEncoding.EncodeToString([]byte("elastic:" + password))
	for i, s := range spans {
		a := attrs(s.Attributes)
		if s.Name != calls[i].name || s.SpanKind != trace.SpanKindClient || a["db.system.name"] != "elasticsearch" ||
			a["db.operation.name"] != calls[i].op || a["http.request.method"] != calls[i].method ||
			a["db.collection.name"] != "books" || a["db.operation.parameter.index"] != "books" || a["server.address"] != "127.0.0.1" {
			t.Errorf("%s: span %q %v %v, want %q", client, s.Name, s.SpanKind, a, calls[i].name)
		}
		if want := "http://127.0.0.1:" + a["server.port"] + calls[i].path; a["url.full"] != want {
			t.Errorf("%s %s: url.full %s, want %s", client, s.Name, a["url.full"], want)
		}
		for k, v := range a {
			if strings.Contains(v, password) || strings.Contains(v, basic) {
				t.Errorf("%s %s: a credential in %s=%s", client, s.Name, k, v)
			}
		}
	}
}

// comparable returns the attributes with the values that depend on the
// cluster's address and the response's size taken out: the node's port
// and URL (and its userinfo, which only some clients put there).
func comparable(kvs []attribute.KeyValue) map[string]string {
	a := attrs(kvs)
	for _, k := range []string{"server.port", "url.full"} {
		if _, ok := a[k]; ok {
			a[k] = "(set)"
		}
	}
	return a
}

func attrs(kvs []attribute.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.Emit()
	}
	return m
}

func names(spans tracetest.SpanStubs) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return slices.Clip(out)
}
