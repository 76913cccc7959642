package otel_test

import (
	"log"
	"net/http"
	"os"

	"github.com/elastic/go-elasticsearch/v9"
	"github.com/opensearch-project/opensearch-go/v4"
	"github.com/opensearch-project/opensearch-go/v4/opensearchapi"

	"github.com/esrt-dev/esrt/contrib/otel/otelesrt"
)

// go-elasticsearch with its own transport: otelesrt.Middleware around it
// gives every call a span by the current semantic conventions, with the
// global OpenTelemetry providers.
func Example_goElasticsearch() {
	es, err := elasticsearch.NewClient(elasticsearch.Config{
		Addresses: []string{"https://es1:9200", "https://es2:9200"},
		APIKey:    os.Getenv("ELASTIC_API_KEY"),
		Transport: otelesrt.Middleware(otelesrt.Config{})(http.DefaultTransport), // a span per call
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = es
}

// opensearch-go, likewise.
func Example_openSearchGo() {
	client, err := opensearchapi.NewClient(opensearchapi.Config{Client: opensearch.Config{
		Addresses: []string{"https://localhost:9200"},
		Transport: otelesrt.Middleware(otelesrt.Config{})(http.DefaultTransport), // a span per call
	}})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Client.Close()
}
