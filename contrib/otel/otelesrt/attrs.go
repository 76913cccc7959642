package otelesrt

import "go.opentelemetry.io/otel/attribute"

// The attribute keys of the OpenTelemetry semantic conventions (v1.44) that
// esrt records, and esrt's own in the esrt. namespace.
const (
	keyDBSystemName      = attribute.Key("db.system.name")
	keyDBOperationName   = attribute.Key("db.operation.name")
	keyDBCollectionName  = attribute.Key("db.collection.name")
	keyDBNamespace       = attribute.Key("db.namespace")
	keyDBQueryText       = attribute.Key("db.query.text")
	keyDBBatchSize       = attribute.Key("db.operation.batch.size")
	keyDBResponseStatus  = attribute.Key("db.response.status_code")
	keyErrorType         = attribute.Key("error.type")
	keyServerAddress     = attribute.Key("server.address")
	keyServerPort        = attribute.Key("server.port")
	keyURLFull           = attribute.Key("url.full")
	keyHTTPMethod        = attribute.Key("http.request.method")
	keyHTTPMethodOrig    = attribute.Key("http.request.method_original")
	keyHTTPStatus        = attribute.Key("http.response.status_code")
	keyHTTPResendCount   = attribute.Key("http.request.resend_count")
	keyESNodeName        = attribute.Key("elasticsearch.node.name")
	keyExceptionType     = attribute.Key("exception.type")
	keyExceptionMessage  = attribute.Key("exception.message")
	paramPrefix          = "db.operation.parameter."
	keyAttempt           = attribute.Key("esrt.attempt")
	keyAttemptHedge      = attribute.Key("esrt.attempt.hedge")
	keyAttemptOutcome    = attribute.Key("esrt.attempt.outcome")
	keyRetryReason       = attribute.Key("esrt.retry.reason")
	keyRetryDelay        = attribute.Key("esrt.retry.delay")
	keyNodeState         = attribute.Key("esrt.node.state")
	keyBreakerName       = attribute.Key("esrt.breaker.name")
	keyBreakerState      = attribute.Key("esrt.breaker.state")
	keyBreakerPrevious   = attribute.Key("esrt.breaker.previous_state")
	keyBulkItemResult    = attribute.Key("esrt.bulk.item.result")
	valueElasticsearch   = "elasticsearch"
	headerFoundCluster   = "X-Found-Handling-Cluster"
	headerFoundInstance  = "X-Found-Handling-Instance"
	otherValue           = "_OTHER"
	schemaURL            = "https://opentelemetry.io/schemas/1.44.0"
	instrumentationScope = "github.com/esrt-dev/esrt/contrib/otel/otelesrt"
)

// systemName is db.system.name, the same on every span and data point.
var systemName = keyDBSystemName.String(valueElasticsearch)
