// Package endpoint maps a request's method and path to the Elasticsearch or
// OpenSearch endpoint it calls, and to the facts a transport needs about
// it: whether it may be sent again ([Safety]), whether its body is NDJSON,
// and whether its request or response body carries credentials. esrt's
// middlewares take these facts from here rather than from the HTTP method
// or guesses on the path.
//
//	Lookup(method, path) → Endpoint{ID, Safety, NDJSON, SecretRequest, SecretResponse}
//	                        no allocation: for every request
//	Parse(method, path)  → Call{Endpoint, Indices, Params}
//	                        allocates: the path's values
//	Of(req), CallOf(req) → the same for a request: the endpoint its
//	                        context carries ([NewContext]), else the path's
//
// Of is the one way esrt's middlewares learn what a request does. A client
// that knows the endpoint it calls (esrt's typed client) puts it into the
// request's context with NewContext, and that takes precedence over the
// path.
//
// # The table
//
// The table holds every endpoint of the Elasticsearch REST API
// specification (9.4 development line, February 2026) and of the OpenSearch
// API specification (August 2026), including deprecated paths and
// OpenSearch's legacy /_opendistro paths, and Elasticsearch's newer
// security.clone_api_key (PUT|POST /_security/api_key/clone), which would
// otherwise pass for update_api_key; testdata/README.md gives the sources.
// It is one table for both: a request does not say which product
// it goes to. Where both define the same method and path they give it the
// same id. The decisions the specifications leave open — the safety of
// each endpoint, which bodies are NDJSON or carry secrets — are listed,
// with their reasons, in facts_test.go. table.go is generated from
// testdata/*.json and facts_test.go by go generate (TestTable with -update),
// and TestTable fails when it is out of date. The table is static data:
// nothing is parsed when a program starts.
//
// # Resolution
//
// The path is split at "/" while still percent-escaped, so an id "a%2Fb"
// is one segment; empty segments and a query are ignored. At each segment
// a literal beats a placeholder, and the match backtracks when the rest of
// the path, or the method, does not fit further down, as Elasticsearch's
// router does: POST /_scripts/painless/_execute is scripts_painless_execute,
// POST /_scripts/painless/score is put_script (/_scripts/{id}/{context}),
// and GET /_pit, which only DELETE takes literally, is indices.get. A
// placeholder takes any segment, so _all and unknown names that start with
// "_" fall to the {index} routes (GET /_all/_settings is
// indices.get_settings).
//
// Where one path means several endpoints:
//
//   - PUT /_inference/{task_type}/{id} is inference.put; the 25
//     inference.put_<service> endpoints differ only in the body.
//   - GET /_nodes/{x} is nodes.info, whether x lists nodes or metrics;
//     Parse names x "node_id".
//   - Where one product has a literal route and the other would take the
//     path as a placeholder, the literal wins: DELETE /_pit is
//     close_point_in_time (Elasticsearch), although OpenSearch would read
//     it as deleting an index named "_pit", which cannot exist.
//
// # Safety
//
// Safety decides whether a request that may have been applied (its
// connection broke after it was written, or it timed out) is sent again:
//
//   - ReadOnly: changes nothing; may be retried and hedged. Searches and
//     other reads, also when sent with POST to carry a body.
//   - Idempotent: a second send leaves the cluster as one would: PUT and
//     DELETE of named things, index and create with an id, _refresh,
//     start and stop calls.
//   - IdempotentWithIDs: _bulk (PUT and POST), when every action names its
//     _id and no update runs a script.
//   - IdempotentWithoutScript: _update, when the body runs no script.
//   - Unsafe: a second send may do it twice. Indexing without an id
//     (POST /{index}/_doc), API keys and tokens (create_api_key, also with
//     PUT; get_token, grant_api_key, the OpenSearch authtoken endpoints;
//     the enroll GETs), scroll continuations (GET or POST), _reindex,
//     _update_by_query and _delete_by_query, async searches, PUT
//     /_connector without an id, rollover without a new index name,
//     executing a watch, an SLM policy or an enrich policy, and every
//     other endpoint that creates something under a generated id.
//
// A search with ?scroll= opens a scroll context and open_point_in_time
// (OpenSearch create_pit) a point in time: both change no data, and a
// duplicate holds a search context only until the keep_alive the caller
// chose. After a broken connection the caller never saw the first id, so
// it could not close that context either way. So search stays ReadOnly
// (Lookup does not read the query) and opening a point in time is
// Idempotent: it is retried, not hedged.
//
// A method and path the table does not know follow the method's REST
// contract: GET, HEAD and OPTIONS are ReadOnly, PUT and DELETE Idempotent,
// anything else (POST, PATCH) Unsafe.
//
// # Secrets
//
// SecretRequest marks the endpoints whose request body may carry a
// password, key or token: nodes.reload_secure_settings, the security
// endpoints that take passwords or tokens (put_user, change_password,
// get_token, grant_api_key, activate_user_profile, invalidate_token,
// saml_authenticate, saml_logout, saml_invalidate, oidc_authenticate,
// oidc_logout, delegate_pki, clone_api_key; OpenSearch
// create_user, patch_user(s), update/patch_configuration), reindex (remote
// credentials), snapshot.create_repository, every inference.put* and
// inference.update, the connector and Fleet secrets, connector.put, post,
// update_configuration and update_api_key_id, watcher.put_watch and
// execute_watch, logstash.put_pipeline, and on OpenSearch the ML
// connectors and models, flow_framework.create and update, the query
// datasources, ISM policies and notification configs. SecretResponse marks
// the endpoints that mint or return credentials: create_api_key,
// grant_api_key, create_cross_cluster_api_key, clone_api_key,
// create_service_token, get_token, saml_authenticate, oidc_authenticate,
// oidc_prepare_authentication, delegate_pki, enroll_node, enroll_kibana,
// connector.secret_get, fleet.get_secret, and OpenSearch's authtoken,
// generate_obo_token and generate_user_token(_legacy); and the reads of
// what the SecretRequest endpoints store, which gives it back:
// logstash.get_pipeline, snapshot.get_repository, connector.get and list,
// watcher.get_watch, inference.get, and on OpenSearch the ML connectors
// and models, flow_framework.get, the query datasources, ISM policies,
// notification configs and security.get_configuration.
//
// Lookup and Parse are safe for concurrent use.
package endpoint

//go:generate go test -run ^TestTable$ -update
