package otelesrt_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/contrib/otel/otelesrt"
	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

// printTrace prints each call span with its attempt spans under it,
// leaving out the calls with fewer attempts than min.
func printTrace(spans tracetest.SpanStubs, min int) {
	for _, call := range spans {
		if call.Parent.IsValid() {
			continue
		}
		var attempts []string
		for _, a := range spans {
			if a.Parent.SpanID() == call.SpanContext.SpanID() {
				attempts = append(attempts, fmt.Sprintf("  %s attempt %s %s", a.Name,
					attrValue(a.Attributes, "esrt.attempt"), attrValue(a.Attributes, "esrt.attempt.outcome")))
			}
		}
		if len(attempts) < min {
			continue
		}
		fmt.Printf("%s %s\n", call.Name, attrValue(call.Attributes, "db.response.status_code"))
		for _, a := range attempts {
			fmt.Println(a)
		}
	}
}

func attrValue(kvs []attribute.KeyValue, key string) string {
	for _, kv := range kvs {
		if string(kv.Key) == key {
			return kv.Value.Emit()
		}
	}
	return ""
}

func get(client *http.Client, method, url, body string) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
}

// Instrument adds a span per call, a span per attempt, the call's
// db.client.operation.duration, esrt's own metrics and trace context
// propagation to an esrt.Config. Here one of two nodes is down: the
// attempt that goes to it fails over to the other node, within the call.
func Example() {
	cluster, err := estest.Start(estest.Config{Nodes: 2})
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))

	cfg := esrt.Config{
		Addresses:    cluster.URLs(),
		Pool:         esrt.PoolConfig{Selector: selector.RoundRobin()},
		RetryBackoff: func(int) time.Duration { return 0 },
	}
	otelesrt.Instrument(&cfg, otelesrt.Config{TracerProvider: tp})
	tr, err := esrt.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()
	client := &http.Client{Transport: tr}

	get(client, "PUT", "http://es/books/_doc/1", `{"title":"Dune"}`)
	printTrace(exporter.GetSpans(), 1)
	exporter.Reset()

	cluster.Node(0).Kill()
	for range 2 { // round robin: one of the two goes to the dead node first
		get(client, "GET", "http://es/books/_doc/1", "")
	}
	printTrace(exporter.GetSpans(), 2)
	// Output:
	// index books 201
	//   PUT attempt 1 success
	// get books 200
	//   GET attempt 1 failure
	//   GET attempt 2 success
}

// Middleware alone gives one span per call around any RoundTripper: here
// net/http's, as go-elasticsearch and opensearch-go use by default.
func ExampleMiddleware() {
	cluster, err := estest.Start(estest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))

	base := http.DefaultTransport.(*http.Transport).Clone()
	defer base.CloseIdleConnections()
	client := &http.Client{Transport: otelesrt.Middleware(otelesrt.Config{TracerProvider: tp, CaptureQueryText: true})(base)}
	get(client, "POST", cluster.URLs()[0]+"/books/_search", `{"query":{"term":{"author":"herbert"}}}`)

	s := exporter.GetSpans()[0]
	fmt.Println(s.Name)
	for _, key := range []string{"db.system.name", "db.operation.name", "db.collection.name", "db.query.text", "db.response.status_code", "error.type"} {
		fmt.Printf("%s=%s\n", key, attrValue(s.Attributes, key))
	}
	// Output:
	// search books
	// db.system.name=elasticsearch
	// db.operation.name=search
	// db.collection.name=books
	// db.query.text={"query":{"term":{"author":?}}}
	// db.response.status_code=404
	// error.type=404
}

// The layers placed by hand: the call layer outermost, the attempt layer
// first among the attempt middlewares, the hooks composed with your own.
// Instrument does the same.
func ExampleNew() {
	in := otelesrt.New(otelesrt.Config{}) // the global providers and propagator
	mine := &rt.Hooks{OnNodeDown: func(i rt.NodeInfo) { log.Printf("%v is down", i.Node) }}
	tr, err := esrt.New(esrt.Config{
		Addresses:         []string{"http://localhost:9200"},
		Middleware:        []rt.Middleware{in.Middleware()},
		AttemptMiddleware: []rt.Middleware{in.AttemptMiddleware()},
		Hooks:             rt.ComposeHooks(mine, in.Hooks()),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()
	fmt.Println("instrumented")
	// Output: instrumented
}

// A bulk indexer reports the results of its items.
func ExampleInstrumentation_RecordBulkItems() {
	reader := sdkmetric.NewManualReader()
	in := otelesrt.New(otelesrt.Config{MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))})
	in.RecordBulkItems(context.Background(), "created", 998)
	in.RecordBulkItems(context.Background(), "429", 2)

	var rm metricdata.ResourceMetrics
	reader.Collect(context.Background(), &rm)
	m := rm.ScopeMetrics[0].Metrics[0]
	total := int64(0)
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		total += dp.Value
	}
	fmt.Println(m.Name, total)
	// Output: esrt.client.bulk.items 1000
}

// The cookbook's recipe: an esrt transport instrumented with the
// OpenTelemetry providers the application set up (otel.SetTracerProvider,
// otel.SetMeterProvider, otel.SetTextMapPropagator).
func Example_openTelemetry() {
	cfg := esrt.Config{
		Addresses: []string{"https://es1:9200", "https://es2:9200"},
		APIKey:    os.Getenv("ELASTIC_API_KEY"),
	}
	otelesrt.Instrument(&cfg, otelesrt.Config{}) // the global providers and propagator
	tr, err := esrt.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()
	client := &http.Client{Transport: tr}
	res, err := client.Get("https://es/_cluster/health") // a span "cluster.health", a child per attempt
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
}
