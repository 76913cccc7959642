// Package otel shows otelesrt's call span on the clients esrt works with:
// the same span, by the OpenTelemetry semantic conventions for
// Elasticsearch, whether the call goes through esrt or through the
// default transport of go-elasticsearch v9 or opensearch-go v4 wrapped by
// otelesrt.Middleware. The clients' own instrumentation (go-elasticsearch's
// Instrumentation option, on the names of semantic conventions before
// v1.26) stays off.
//
// The package has no API of its own: read its tests and examples.
package otel
