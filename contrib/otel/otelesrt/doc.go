// Package otelesrt records every Elasticsearch and OpenSearch call made
// through an esrt transport, or through any http.RoundTripper, with
// OpenTelemetry, following the semantic conventions for Elasticsearch
// (v1.44).
package otelesrt
