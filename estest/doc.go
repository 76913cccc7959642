// Package estest runs an in-process Elasticsearch-compatible cluster for
// tests, examples and demos: N nodes, each on its own real loopback
// listener (plain http or TLS), sharing one in-memory store, answering in
// Elasticsearch's wire format, with faults that can be injected per node.
//
//	c := estest.New(t, estest.Config{Nodes: 3})
//	c.Node(1).Kill()                           // connections refused
//	c.Node(2).FailNext(2, estest.Failure{Status: 503})
//	resp, err := http.Get(c.URLs()[0] + "/_nodes/http")
//
// It imports only the standard library and nothing of esrt, so it is an
// independent stand-in for a cluster.
//
// # What it emulates
//
// GET and HEAD /; GET /_nodes/http (and /_nodes, /_nodes/{filter}/http)
// listing the live nodes with their publish address, roles and attributes;
// GET /_cluster/health with level=cluster and wait_for_status (a status
// the cluster lacks is answered at once as Elasticsearch answers when the
// wait times out: 408 with timed_out true); index, create, get, exists, update (partial doc,
// doc_as_upsert, upsert, noop detection) and delete of documents with
// _version, _seq_no, _primary_term, result and _shards as Elasticsearch
// reports them; _bulk with NDJSON index, create, update and delete actions
// and per-item results and errors; _search and _count over comma-separated
// indices and wildcards, using the query engine in query.go, with the basics
// of the q parameter (field:value, bare terms searched in every field,
// "quoted phrases", AND or OR, the default operator OR, df and
// default_operator, and * for every document; anything else in q is a 400
// query_shard_exception, never ignored, see querystring.go); _mget with
// docs or ids, each entry as GET answers it, a missing index as that
// entry's error; optimistic concurrency with if_seq_no and if_primary_term
// on index, update, delete and bulk actions (409
// version_conflict_engine_exception), and op_type=create; scroll
// (?scroll= on _search, /_search/scroll for the next pages, DELETE
// /_search/scroll by id, path or _all); points in time in the flavour of
// the configured product and version: Elasticsearch 7.10 and later
// (POST /{index}/_pit, DELETE /_pit), OpenSearch 2.4 and later (POST
// /{index}/_search/point_in_time, DELETE /_search/point_in_time and its
// _all, GET /_search/point_in_time/_all), neither routing the other's
// paths (400 no handler, or for DELETE /_pit the delete index API, as on
// the real servers), and older versions having none, so that clients fall
// back to scroll; searches with {"pit":{"id":...}}; "slice" on a scroll or
// a point in time (a document is in slice hash(_id) mod max); shard failures a test
// injects with [Cluster.FailShards]; refresh; index create, get, exists and
// delete; routing on index, create, update and delete (the parameter)
// and in bulk action metadata, stored with the document and reported as
// _routing by get, _mget and search hits (one shard holds every
// document, so it changes nothing else). Writes create missing indices;
// searches see writes at once.
// Scroll ids are encoded as the servers encode them, and an expired or
// cleared scroll is Elasticsearch's 404 search_phase_execution_exception
// whose root cause is search_context_missing_exception, a malformed id 400
// "Cannot parse scroll id"; an unknown or expired point in time is a 404
// search_context_missing_exception.
//
// A zero Config answers as Elasticsearch 9.1.0 ([DefaultVersion]), the
// current major, so that go-elasticsearch v9 (which sends compatible-with=9
// on every request, as an 8.x server refuses) works against it; set
// Config.Version for an older server, such as "8.19.0" or "7.17.0".
//
// Every response carries X-Elastic-Product: Elasticsearch (Elasticsearch
// 7.14 and later) and the content type the request negotiated. Errors use
// the envelope {"error":{"root_cause":[...],"type":...,"reason":...},
// "status":N}, except at the routing layer, where Elasticsearch answers a
// path it has no handler for with 400 and a plain string,
// {"error":"no handler found for uri [/x] and method [GET]"} (no status
// field), and a known path with the wrong method with 405,
// {"error":"Incorrect HTTP method for uri [...] and method [...], allowed:
// [...]","status":405} and an Allow header.
//
// filter_path is applied to every JSON answer except error envelopes, as
// Elasticsearch's FilterPath does: comma-separated dot paths, * within a
// segment, ** for any depth, a leading - to exclude; arrays are crossed,
// an array element nothing is left of is dropped, and an answer nothing
// is left of is {}.
//
// Request bodies may be gzip-compressed (Content-Encoding: gzip).
// Compatibility media types (application/vnd.elasticsearch+json or
// +x-ndjson; compatible-with=N, with or without the space) are accepted on
// Accept and Content-Type for N equal to the major version or the one
// before, and refused with 400 media_type_header_exception otherwise,
// following Elasticsearch's RestCompatibleVersionHelper. With credentials
// configured, requests without a matching Authorization header get 401
// security_exception with WWW-Authenticate challenges. As OpenSearch, the
// cluster drops X-Elastic-Product, reports distribution "opensearch" and
// the OpenSearch tagline, and answers 401 as the security plugin does.
//
// # What it refuses
//
// Every route checks its query parameters before it runs (params.go): one
// it neither honours nor accepts without effect is answered 400
// illegal_argument_exception, "request [/i/_doc/1] contains unrecognized
// parameter: [version]" (or "unrecognized parameters: [a], [b]", sorted),
// as Elasticsearch words it, without its "did you mean" suggestions. Every
// route accepts pretty and filter_path (honoured) and human and
// error_trace (no effect: estest renders no human-readable sizes and no
// stack traces). Accepted without effect, because estest's answer is
// already what they would produce: timeout, master_timeout and
// wait_for_active_shards (nothing waits or times out; except
// wait_for_status above), refresh on writes other than the forced_refresh
// of refresh=true (writes are visible at once), realtime and refresh on
// reads, preference, request_cache, batched_reduce_size,
// max_concurrent_shard_requests, pre_filter_shard_size,
// ccs_minimize_roundtrips and typed_keys on searches, routing on reads,
// searches, counts and points in time (one shard holds every document),
// and retry_on_conflict on updates (updates are applied atomically, so
// they never conflict with themselves). Refused, among others: _source,
// _source_includes and _source_excludes, stored_fields, version and
// version_type, pipeline, routing on _bulk's URL, expand_wildcards,
// allow_no_indices, search_type, track_total_hits, terminate_after,
// explain, analyzer and lenient.
//
// Bodies refuse what they do not emulate: the search body an unknown key
// or query type (400 parsing_exception) and aggregations, suggest,
// collapse, rescore, script_fields, knn and the like (400
// illegal_argument_exception), see searchrequest.go, as well as
// terminate_after, stored_fields, docvalue_fields, fields, highlight,
// _source other than true, track_total_hits other than true, and
// version, seq_no_primary_term, explain, track_scores and profile other
// than false (timeout and stats are accepted without effect); within
// queries, options whose value would change the answer unless it is the
// neutral one (analyzer other than standard, fuzziness or slop other than
// 0, a range's time_zone other than UTC or format other than the ISO 8601
// ones and epoch_millis), _name (named queries), and a field sort's
// format and numeric_type; _mget, scroll and point-in-time bodies their unknown
// keys; bulk action metadata an unknown key ("Action/metadata line [1]
// contains an unknown parameter [x]") and pipeline, version,
// version_type, require_alias, require_data_stream, _source,
// dynamic_templates and list_executed_pipelines; update bodies an
// unknown key (x_content_parse_exception "[UpdateRequest] unknown field
// [x]"), scripts, scripted_upsert and _source.
//
// # What it does not emulate
//
// Mappings and index settings (the body of PUT /{index} is checked to be
// a JSON object and otherwise ignored; the query engine infers types per
// value), analysis beyond lowercasing and splitting, scoring (see
// query.go), _msearch, aliases, data streams, refresh delays,
// search.max_keep_alive, and the Content-Type check (requests without a
// JSON content type are accepted). Every index has one primary shard and one replica,
// assigned when two data nodes are alive. Node roles are only reported:
// every node, dedicated masters included, answers every request.
// HTTP/1.1 only, as Elasticsearch.
//
// # Fault model
//
// Faults are set per [Node] and apply to requests that arrive afterwards,
// in this order once the request has been read and logged:
//
//  1. in-flight cap ([Node.SetMaxInFlight]): 429 es_rejected_execution_exception
//  2. hang ([Node.Hang]) until [Node.Unhang], the client gives up, Kill or Close
//  3. latency ([Node.SetLatency], [Node.SetLatencyFunc])
//  4. injected failure ([Node.FailNext], [Node.SetFailFunc])
//  5. connection reset, before or after applying the request
//     ([Node.ResetNext], [Node.SetResetFunc])
//  6. authentication, media types, then the request itself, where
//     [Node.RejectBulkItems] rejects chosen bulk items with 429
//
// [Node.Kill] closes the listener and every connection, so connections are
// refused until [Node.Revive] listens on the same port again. Every node
// logs what arrived ([Node.Requests]): method, path, headers, body hashes
// before and after gzip decoding, and the answered status.
//
// # Connections
//
// Every node counts its connections as its server sees them, across Kill
// and Revive: [Node.Accepted], how many it has accepted, shows whether a
// client reuses its connections (sequential requests over keep-alive
// need one); [Node.Open], how many are open now, idle or busy, shows
// whether a client closed them. The server learns of a connection the
// client closed shortly after the client closes it, so a test that waits
// for Open to drop to 0 polls with a deadline; Kill and Close return once
// every connection is closed, and Open is 0 then.
//
// # Goroutines
//
// A cluster runs one serving goroutine per live node, plus net/http's per
// connection; [Cluster.Close] releases hung requests, closes every
// connection and stops all of them before it returns (net/http's are
// ending: their connection is closed). Nothing runs in the background
// otherwise: points in time and scrolls expire lazily, checked against
// Config.Now when used.
package estest
