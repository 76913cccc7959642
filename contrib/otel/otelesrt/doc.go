// Package otelesrt records Elasticsearch and OpenSearch calls with
// OpenTelemetry, following the semantic conventions for Elasticsearch
// (v1.44): a CLIENT span per call with a child span per attempt, the
// db.client.operation.duration histogram, esrt's own counters, and the
// trace context in every request.
//
// # Placement
//
// Two layers and a set of hooks, which [Instrument] adds to an esrt.Config
// in one call:
//
//	esrt.Config.Middleware         [Instrumentation.Middleware]        the call: one span, one measurement
//	  retry, hedging, routing ...
//	esrt.Config.Hooks              [Instrumentation.Hooks]             a span per attempt; esrt.* metrics
//	esrt.Config.AttemptMiddleware  [Instrumentation.AttemptMiddleware] each attempt carries its span's context
//	  base transport
//
// The call layer ([Middleware]) goes outermost, so that it sees each call
// once, as the caller made it, and its final outcome after every retry. It
// works around any http.RoundTripper: an *esrt.Transport, or the default
// transport of go-elasticsearch or opensearch-go, which then get the same
// call span without esrt's attempts.
//
// # The call span
//
// Named "{db.operation.name} {db.collection.name}" ("search my-index"), or
// the operation alone without an index ("bulk", "cluster.health"). The
// operation is the endpoint id of the Elasticsearch and OpenSearch API
// specifications, from the request's context when the typed client (or
// the caller, with endpoint.NewContext) put it there, else from the
// method and path (package endpoint); a path that calls no known endpoint
// is named by its HTTP method. Attributes, all set at the start but those
// that need the response:
//
//   - db.system.name "elasticsearch", db.operation.name;
//   - db.collection.name: the indices, unescaped and joined by ", ";
//     absent without an index;
//   - db.operation.parameter.<name> for each path parameter ("index",
//     "id", ...), as the specification names it;
//   - http.request.method (_OTHER, with http.request.method_original, for
//     a method HTTP does not define);
//   - url.full, server.address, server.port: the caller's URL at the
//     start, the node's that answered at the end; userinfo is
//     REDACTED:REDACTED and the values of signature parameters
//     (X-Amz-Signature, X-Amz-Credential, X-Amz-Security-Token,
//     AWSAccessKeyId, Signature, sig, X-Goog-Signature, X-Goog-Credential)
//     are REDACTED; no header is ever recorded;
//   - db.response.status_code, as a string, when there is a response;
//   - error.type when the call failed: the status for 4xx and 5xx (which
//     the conventions count as errors), else the Go error's kind (timeout,
//     canceled, connection_refused, connection_reset, name_resolution,
//     tls, no_node, breaker_open, response_too_large, not_sent), else
//     _OTHER; the span's status is then Error, and a Go error is recorded
//     as an exception event with any credential in its message redacted;
//   - db.namespace and elasticsearch.node.name from Elastic Cloud's
//     X-Found-Handling-Cluster and X-Found-Handling-Instance headers;
//   - db.operation.batch.size for a _bulk of two actions or more;
//   - db.query.text, only with [Config].CaptureQueryText, for search-type
//     endpoints: the body with every literal replaced by ?, at most 2048
//     bytes.
//
// The batch size and the query text come from the request body without
// reading it twice: from a fresh copy from GetBody when the request has
// one (http.NewRequest gives one to in-memory bodies, whose bytes are then
// scanned in place), else from the body as it streams to the node, in
// which case they are set when the call ends, if the body was read to its
// end.
//
// The span ends when the caller has read the response body to its end or
// closed it, so that it covers the whole call, as
// db.client.operation.duration does.
//
// # Attempt spans
//
// With esrt, each attempt is a CLIENT span under the call span, named by
// its HTTP method as HTTP client spans are, with the node's url.full,
// server.address and server.port, elasticsearch.node.name for a
// discovered node, esrt.attempt (its number), http.request.resend_count,
// esrt.attempt.hedge, esrt.retry.reason (the error.type of the attempt
// that was retried), http.response.status_code, error.type and
// esrt.attempt.outcome (success, failure, hedge_lost, canceled). A trace
// shows a failover as two attempts under one call. Each retry also adds an
// event "retry" to the call span. The spans come from the hooks; the
// attempt layer sends each attempt with its own span as the parent of the
// node's spans.
//
// # Metrics
//
//   - db.client.operation.duration (s; buckets 0.001, 0.005, 0.01, 0.05,
//     0.1, 0.5, 1, 5, 10): db.system.name, db.operation.name,
//     db.collection.name, db.namespace, server.address, server.port, and
//     for a failed call error.type and db.response.status_code.
//   - esrt.client.attempts {attempt}: esrt.attempt.outcome, error.type,
//     server.address, server.port.
//   - esrt.client.retries {retry}: db.operation.name, esrt.retry.reason.
//   - esrt.client.node.changes {change}: esrt.node.state (down, up),
//     server.address, server.port.
//   - esrt.client.breaker.changes {change}: esrt.breaker.name,
//     esrt.breaker.state, esrt.breaker.previous_state.
//   - esrt.client.bulk.items {item}: esrt.bulk.item.result, recorded by
//     whoever reads bulk responses ([Instrumentation.RecordBulkItems]).
//
// Every point carries db.system.name "elasticsearch".
//
// # Propagation
//
// The configured propagator (the global one by default) writes the trace
// context into a copy of each request, when the context carries a valid
// span context or baggage; [Config].DisablePropagation turns it off.
//
// # Cost
//
// With trace/noop's TracerProvider and instruments that are not enabled
// (metric/noop, or the global providers with no SDK behind the meter),
// the layers and the hooks allocate nothing per request. Which providers
// are no-op is decided when [New] runs.
package otelesrt
