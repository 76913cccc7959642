module github.com/esrt-dev/esrt/bench

go 1.26.0

require (
	github.com/elastic/go-elasticsearch/v9 v9.5.2
	github.com/esrt-dev/esrt v0.0.0-00010101000000-000000000000
	github.com/opensearch-project/opensearch-go/v4 v4.8.1
	go.uber.org/goleak v1.3.0
)

require (
	github.com/sony/gobreaker/v2 v2.4.0 // indirect
	go.opentelemetry.io/auto/sdk v1.1.0 // indirect
	golang.org/x/sync v0.23.0 // indirect
)

require (
	github.com/elastic/elastic-transport-go/v8 v8.11.0
	github.com/go-logr/logr v1.4.3 // indirect
	github.com/go-logr/stdr v1.2.2 // indirect
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-retryablehttp v0.7.8 // indirect
	github.com/klauspost/compress v1.20.3 // indirect
	go.opentelemetry.io/otel v1.35.0 // indirect
	go.opentelemetry.io/otel/metric v1.35.0 // indirect
	go.opentelemetry.io/otel/trace v1.35.0 // indirect
)

replace github.com/esrt-dev/esrt => ../
