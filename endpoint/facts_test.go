package endpoint

// The decisions that the specifications leave open. TestTable reads them
// with testdata/*.json and writes table.go; it refuses an entry that names
// no endpoint or route of the specifications, so a typo cannot hide.
// Sources: testdata/README.md, which cites the specification file of each
// endpoint named below.

// factAmbiguous maps a "METHOD template" that several endpoints define to
// the id the path alone resolves to.
var factAmbiguous = map[string]string{
	// inference.put and 25 inference.put_<service>: only the body's
	// "service" field tells them apart.
	"PUT /_inference/{task_type}/{inference_id}": "inference.put",
}

// factExtraRoutes are endpoints newer than testdata/elasticsearch.json
// (Elasticsearch TypeScript specification at 9d9b9a52) that a path of the
// table would otherwise take: PUT /_security/api_key/clone would be
// security.update_api_key (/_security/api_key/{id}), which is idempotent,
// while a clone mints a new key.
var factExtraRoutes = []fixtureEndpoint{
	{ID: "security.clone_api_key", Paths: []fixturePath{{Path: "/_security/api_key/clone", Methods: []string{"POST", "PUT"}}}},
}

// factNDJSON lists the endpoints whose request body is newline-delimited
// JSON: "serialize": "bulk" in the Elasticsearch rest-api-spec,
// application/x-ndjson in the OpenSearch specification.
var factNDJSON = []string{
	"bulk", "bulk_stream", "fleet.msearch", "ml.post_data", "monitoring.bulk",
	"msearch", "msearch_template", "text_structure.find_structure",
}

// factSecretRequest lists the endpoints whose request body may carry
// credentials (testdata/README.md, "Request bodies that carry secrets"). A
// trailing "*" matches every id with that prefix.
var factSecretRequest = []string{
	// Elasticsearch and OpenSearch
	"nodes.reload_secure_settings", // secure_settings_password
	"security.change_password",     // password, password_hash; OS current_password
	"reindex",                      // source.remote.password, api_key, headers
	"snapshot.create_repository",   // url repositories can embed credentials

	// Elasticsearch
	"security.put_user",              // password, password_hash
	"security.get_token",             // password, refresh_token, kerberos_ticket
	"security.grant_api_key",         // password, access_token
	"security.activate_user_profile", // password, access_token
	"security.invalidate_token",      // token, refresh_token
	"security.saml_logout",           // token, refresh_token
	"security.oidc_logout",           // token, refresh_token
	"security.saml_authenticate",     // content: the SAML response
	"security.saml_invalidate",       // query_string
	"security.oidc_authenticate",     // state, nonce, redirect_uri
	"security.delegate_pki",          // the certificate chain
	"security.clone_api_key",         // api_key
	"inference.put*",                 // service_settings.api_key, access_key, secret_key
	"inference.update",               // the same
	"connector.secret_post",          // value
	"connector.secret_put",           // value
	"fleet.post_secret",              // value
	"connector.update_api_key_id",    // api_key_secret_id
	"connector.put",                  // configuration values marked sensitive
	"connector.post",                 // the same
	"connector.update_configuration", // the same
	"watcher.put_watch",              // http input and webhook auth.basic.password
	"watcher.execute_watch",          // the same, for an inline watch
	"logstash.put_pipeline",          // the pipeline text can embed credentials

	// OpenSearch
	"security.create_user",          // password, hash
	"security.create_user_legacy",   // the same
	"security.patch_user",           // the same
	"security.patch_users",          // the same
	"security.update_configuration", // authc/authz backends: LDAP bind passwords
	"security.patch_configuration",  // the same
	"ml.create_connector",           // credential.{access_key,secret_key,session_token}, API keys
	"ml.update_connector",           // the same
	"ml.register_model",             // an inline connector
	"ml.update_model",               // the same
	"flow_framework.create",         // templates can embed connectors
	"flow_framework.update",         // the same
	"query.datasources_create",      // configuration.credentials.password
	"query.datasources_update",      // the same
	"ism.put_policy",                // custom_webhook.password
	"ism.put_policies",              // the same
	"notifications.create_config",   // webhook url and header_params
	"notifications.update_config",   // the same
}

// factSecretResponse lists the endpoints whose response body may carry
// credentials: they mint them, or return a stored secret.
var factSecretResponse = []string{
	// Elasticsearch
	"security.create_api_key",
	"security.grant_api_key",
	"security.create_cross_cluster_api_key",
	"security.clone_api_key",
	"security.create_service_token",
	"security.get_token",
	"security.saml_authenticate",           // access and refresh tokens
	"security.oidc_authenticate",           // the same
	"security.delegate_pki",                // an access token
	"security.oidc_prepare_authentication", // state and nonce of the login
	"security.enroll_node",                 // CA and transport keys
	"security.enroll_kibana",               // a service account token
	"connector.secret_get",                 // the stored secret
	"fleet.get_secret",                     // the same

	// OpenSearch
	"security.authtoken",
	"security.generate_obo_token",
	"security.generate_user_token",
	"security.generate_user_token_legacy",

	// The read side of what the endpoints of factSecretRequest store: a
	// credential put into a pipeline, a repository, a connector or a
	// policy comes back when it is read (factSecretReads pairs them).
	"logstash.get_pipeline",
	"snapshot.get_repository",
	"connector.get",
	"connector.list",
	"watcher.get_watch",
	"inference.get",
	"ml.get_connector",
	"ml.search_connectors",
	"ml.get_model",
	"flow_framework.get",
	"query.datasource_retrieve",
	"query.datasources_list",
	"ism.get_policy",
	"ism.get_policies",
	"notifications.get_config",
	"notifications.get_configs",
	"security.get_configuration",
}

// factSecretReads pairs each endpoint that stores a credential with the
// endpoints that read it back, which must redact their responses.
var factSecretReads = map[string][]string{
	"logstash.put_pipeline":          {"logstash.get_pipeline"},
	"snapshot.create_repository":     {"snapshot.get_repository"},
	"connector.put":                  {"connector.get", "connector.list"},
	"connector.post":                 {"connector.get", "connector.list"},
	"connector.update_configuration": {"connector.get", "connector.list"},
	"watcher.put_watch":              {"watcher.get_watch"},
	"inference.put":                  {"inference.get"},
	"ml.create_connector":            {"ml.get_connector", "ml.search_connectors"},
	"ml.register_model":              {"ml.get_model"},
	"flow_framework.create":          {"flow_framework.get"},
	"query.datasources_create":       {"query.datasource_retrieve", "query.datasources_list"},
	"ism.put_policy":                 {"ism.get_policy", "ism.get_policies"},
	"notifications.create_config":    {"notifications.get_config", "notifications.get_configs"},
	"security.update_configuration":  {"security.get_configuration"},
}

// Safety: without an entry below, a route's safety follows its method. GET
// and HEAD are ReadOnly, PUT and DELETE Idempotent (the REST contract),
// PATCH Unsafe (a JSON Patch "add" appends again). A POST takes the
// safety of the same endpoint's GET on the same path (a read that sends a
// body), else of its PUT (the specifications make PUT and POST aliases
// there), else it is Unsafe. A route entry wins over an id entry, which
// covers every route and method of the endpoint.

// factSafetyByRoute decides single routes: "METHOD template".
var factSafetyByRoute = map[string]Safety{
	// Generated ids where the same endpoint also takes a caller's id.
	"POST /{index}/_doc": Unsafe,
	"PUT /_connector":    Unsafe,
	"POST /_security/service/{namespace}/{service}/credential/token": Unsafe,
	"POST /_plugins/_knn/models/_train":                              Unsafe,
	"POST /_plugins/_knn/models/{model_id}/_train":                   Idempotent,
	// Without {new_index}, a second rollover rolls over again.
	"POST /{alias}/_rollover":             Unsafe,
	"POST /{alias}/_rollover/{new_index}": Idempotent,
}

// factSafetyByID decides whole endpoints.
var factSafetyByID = map[string]Safety{
	// By body.
	"bulk":        IdempotentWithIDs,
	"bulk_stream": IdempotentWithIDs,
	"update":      IdempotentWithoutScript,

	// Reads that open a context: a duplicate holds a search context until
	// its keep_alive, the caller's own choice, and changes no data. After
	// a broken connection the caller never saw the first id and could
	// not close it anyway; sending again is what it would do. Not
	// ReadOnly: they are not hedged. (search with ?scroll= is search:
	// Lookup does not read the query; the same reasoning holds.)
	"open_point_in_time": Idempotent,
	"create_pit":         Idempotent,

	// Writes that a GET reaches too, or GETs that write.
	"indices.refresh":                 Idempotent,
	"indices.flush":                   Idempotent,
	"indices.reload_search_analyzers": Idempotent,
	"security.cache":                  Idempotent, // OS: flushes the security cache
	"scroll":                          Unsafe,     // a second continuation skips a page
	"security.enroll_node":            Unsafe,     // mints credentials
	"security.enroll_kibana":          Unsafe,     // creates a service token
	"notifications.send_test":         Unsafe,     // sends a message

	// Create something without a caller-given id, or run something again.
	"security.create_api_key":                            Unsafe,
	"security.grant_api_key":                             Unsafe,
	"security.create_cross_cluster_api_key":              Unsafe,
	"security.clone_api_key":                             Unsafe,
	"security.get_token":                                 Unsafe,
	"security.activate_user_profile":                     Unsafe,
	"security.saml_authenticate":                         Unsafe,
	"security.oidc_authenticate":                         Unsafe,
	"security.delegate_pki":                              Unsafe,
	"connector.post":                                     Unsafe,
	"connector.secret_post":                              Unsafe,
	"connector.sync_job_post":                            Unsafe,
	"fleet.post_secret":                                  Unsafe,
	"monitoring.bulk":                                    Unsafe,
	"ml.post_data":                                       Unsafe, // the job counts the data twice
	"ml.forecast":                                        Unsafe,
	"ml.post_calendar_events":                            Unsafe,
	"search_application.post_behavioral_analytics_event": Unsafe,
	"slm.execute_lifecycle":                              Unsafe, // a snapshot with a generated name
	"enrich.execute_policy":                              Unsafe, // a generated .enrich-* index
	"indices.migrate_reindex":                            Unsafe,
	"watcher.execute_watch":                              Unsafe, // runs the watch's actions again
	"reindex":                                            Unsafe,
	"update_by_query":                                    Unsafe,
	"delete_by_query":                                    Unsafe,
	// Run in the background or keep state under a generated id.
	"async_search.submit":                         Unsafe,
	"eql.search":                                  Unsafe,
	"esql.async_query":                            Unsafe,
	"sql.query":                                   Unsafe, // also OS: returns a cursor
	"asynchronous_search.search":                  Unsafe,
	"ml.create_connector":                         Unsafe,
	"ml.register_model":                           Unsafe,
	"ml.register_model_meta":                      Unsafe,
	"ml.create_model_meta":                        Unsafe,
	"ml.upload_model":                             Unsafe,
	"ml.register_model_group":                     Unsafe,
	"ml.register_agents":                          Unsafe,
	"ml.create_memory":                            Unsafe,
	"ml.create_message":                           Unsafe,
	"ml.create_memory_container":                  Unsafe,
	"ml.create_memory_container_session":          Unsafe,
	"ml.add_agentic_memory":                       Unsafe,
	"ml.train":                                    Unsafe,
	"ml.deploy_model":                             Unsafe, // returns a task_id
	"flow_framework.create":                       Unsafe,
	"notifications.create_config":                 Unsafe, // config_id is optional
	"observability.create_object":                 Unsafe,
	"geospatial.geojson_upload_put":               Unsafe, // appends documents
	"geospatial.geojson_upload_post":              Unsafe,
	"search_relevance.put_query_sets":             Unsafe,
	"search_relevance.post_query_sets":            Unsafe,
	"search_relevance.put_search_configurations":  Unsafe,
	"search_relevance.put_experiments":            Unsafe,
	"search_relevance.put_judgments":              Unsafe,
	"search_relevance.post_scheduled_experiments": Unsafe,
	"wlm.create_query_group":                      Unsafe, // returns a generated _id
	"security.authtoken":                          Unsafe,
	"security.generate_obo_token":                 Unsafe,
	"security.generate_user_token":                Unsafe,
	"security.generate_user_token_legacy":         Unsafe,

	// POST-only reads.
	"_internal.prevalidate_node_removal": ReadOnly,
	"esql.query":                         ReadOnly,
	"indices.disk_usage":                 ReadOnly,
	"indices.simulate_index_template":    ReadOnly,
	"indices.simulate_template":          ReadOnly,
	"ml.estimate_model_memory":           ReadOnly,
	"ml.evaluate_data_frame":             ReadOnly,
	"ml.infer_trained_model":             ReadOnly,
	"ml.validate":                        ReadOnly,
	"ml.validate_detector":               ReadOnly,
	"profiling.flamegraph":               ReadOnly,
	"profiling.stacktraces":              ReadOnly,
	"profiling.topn_functions":           ReadOnly,
	"query_rules.test":                   ReadOnly,
	"search_application.render_query":    ReadOnly,
	"text_structure.find_structure":      ReadOnly,
	"ppl.query":                          ReadOnly,
	"ppl.explain":                        ReadOnly,
	"ppl.post_stats":                     ReadOnly,
	"sql.explain":                        ReadOnly,
	"sql.post_stats":                     ReadOnly,
	"transforms.preview":                 ReadOnly,

	// POST-only calls of a model: they change nothing, but a call may cost
	// money at a third-party service, so they are not hedged.
	"inference.chat_completion_unified": Idempotent,
	"inference.completion":              Idempotent,
	"inference.embedding":               Idempotent,
	"inference.inference":               Idempotent,
	"inference.rerank":                  Idempotent,
	"inference.sparse_embedding":        Idempotent,
	"inference.stream_completion":       Idempotent,
	"inference.text_embedding":          Idempotent,
	"ml.predict":                        Idempotent,
	"ml.predict_model":                  Idempotent,
	"ml.predict_model_stream":           Idempotent,
	"ml.train_predict":                  Idempotent,

	// POST-only state changes that a second send leaves as they are:
	// start, stop, open, close, clear, cancel, a caller-named target.
	"ccr.forget_follower":                     Idempotent,
	"ccr.pause_auto_follow_pattern":           Idempotent,
	"ccr.pause_follow":                        Idempotent,
	"ccr.resume_auto_follow_pattern":          Idempotent,
	"ccr.resume_follow":                       Idempotent,
	"ccr.unfollow":                            Idempotent,
	"cluster.post_voting_config_exclusions":   Idempotent,
	"cluster.reroute":                         Idempotent, // a repeated move fails; it moves nothing twice
	"dangling_indices.import_dangling_index":  Idempotent,
	"delete_by_query_rethrottle":              Idempotent,
	"update_by_query_rethrottle":              Idempotent,
	"reindex_rethrottle":                      Idempotent,
	"reindex_cancel":                          Idempotent,
	"features.reset_features":                 Idempotent,
	"ilm.migrate_to_data_tiers":               Idempotent,
	"ilm.move_to_step":                        Idempotent, // names the current step: a repeat fails
	"ilm.remove_policy":                       Idempotent,
	"ilm.retry":                               Idempotent,
	"ilm.start":                               Idempotent,
	"ilm.stop":                                Idempotent,
	"indices.cancel_migrate_reindex":          Idempotent,
	"indices.clear_cache":                     Idempotent,
	"indices.close":                           Idempotent,
	"indices.open":                            Idempotent,
	"indices.forcemerge":                      Idempotent,
	"indices.downsample":                      Idempotent,
	"indices.migrate_to_data_stream":          Idempotent,
	"indices.promote_data_stream":             Idempotent,
	"indices.modify_data_stream":              Idempotent,
	"indices.update_aliases":                  Idempotent,
	"indices.upgrade":                         Idempotent,
	"license.post_start_basic":                Idempotent,
	"license.post_start_trial":                Idempotent,
	"migration.post_feature_upgrade":          Idempotent,
	"ml.clear_trained_model_deployment_cache": Idempotent,
	"ml.close_job":                            Idempotent,
	"ml.flush_job":                            Idempotent,
	"ml.open_job":                             Idempotent,
	"ml.reset_job":                            Idempotent,
	"ml.revert_model_snapshot":                Idempotent,
	"ml.set_upgrade_mode":                     Idempotent,
	"ml.start_data_frame_analytics":           Idempotent,
	"ml.start_datafeed":                       Idempotent,
	"ml.start_trained_model_deployment":       Idempotent,
	"ml.stop_data_frame_analytics":            Idempotent,
	"ml.stop_datafeed":                        Idempotent,
	"ml.stop_trained_model_deployment":        Idempotent,
	"ml.update_data_frame_analytics":          Idempotent,
	"ml.update_datafeed":                      Idempotent,
	"ml.update_filter":                        Idempotent,
	"ml.update_job":                           Idempotent,
	"ml.update_model_snapshot":                Idempotent,
	"ml.update_trained_model_deployment":      Idempotent,
	"ml.upgrade_job_snapshot":                 Idempotent,
	"nodes.reload_secure_settings":            Idempotent,
	"rollup.start_job":                        Idempotent,
	"rollup.stop_job":                         Idempotent,
	"searchable_snapshots.clear_cache":        Idempotent,
	"searchable_snapshots.mount":              Idempotent,
	"security.bulk_put_role":                  Idempotent,
	"security.bulk_update_api_keys":           Idempotent,
	"security.clear_api_key_cache":            Idempotent,
	"security.clear_cached_privileges":        Idempotent,
	"security.clear_cached_realms":            Idempotent,
	"security.clear_cached_roles":             Idempotent,
	"security.clear_cached_service_tokens":    Idempotent,
	"security.oidc_logout":                    Idempotent,
	"security.saml_logout":                    Idempotent,
	"security.saml_invalidate":                Idempotent,
	"security.saml_complete_logout":           Idempotent,
	"slm.execute_retention":                   Idempotent,
	"slm.start":                               Idempotent,
	"slm.stop":                                Idempotent,
	"snapshot.cleanup_repository":             Idempotent,
	"snapshot.repository_analyze":             Idempotent,
	"snapshot.repository_verify_integrity":    Idempotent,
	"snapshot.restore":                        Idempotent, // a repeat fails: the indices exist
	"snapshot.verify_repository":              Idempotent,
	"sql.clear_cursor":                        Idempotent,
	"sql.close":                               Idempotent,
	"esql.async_query_stop":                   Idempotent,
	"streams.logs_disable":                    Idempotent,
	"streams.logs_enable":                     Idempotent,
	"tasks.cancel":                            Idempotent,
	"transform.reset_transform":               Idempotent,
	"transform.schedule_now_transform":        Idempotent,
	"transform.set_upgrade_mode":              Idempotent,
	"transform.start_transform":               Idempotent,
	"transform.stop_transform":                Idempotent,
	"transform.update_transform":              Idempotent,
	"transform.upgrade_transforms":            Idempotent,
	"watcher.start":                           Idempotent,
	"watcher.stop":                            Idempotent,
	"ingestion.pause":                         Idempotent,
	"ingestion.resume":                        Idempotent,
	"ism.add_policy":                          Idempotent,
	"ism.change_policy":                       Idempotent,
	"ism.remove_policy":                       Idempotent,
	"ism.retry_index":                         Idempotent,
	"ism.refresh_search_analyzers":            Idempotent,
	"ltr.clear_cache":                         Idempotent,
	"ltr.create_model_from_set":               Idempotent, // names the model
	"ltr.update_feature":                      Idempotent,
	"ltr.update_featureset":                   Idempotent,
	"ml.chunk_model":                          Idempotent, // by chunk number
	"ml.upload_chunk":                         Idempotent, // the same
	"ml.create_controller":                    Idempotent,
	"ml.load_model":                           Idempotent,
	"ml.unload_model":                         Idempotent,
	"ml.undeploy_model":                       Idempotent,
	"query.datasources_create":                Idempotent, // names the datasource
	"remote_store.restore":                    Idempotent,
	"replication.create_replication_rule":     Idempotent,
	"replication.pause":                       Idempotent,
	"replication.resume":                      Idempotent,
	"replication.stop":                        Idempotent,
	"rollups.start":                           Idempotent,
	"rollups.stop":                            Idempotent,
	"security.config_upgrade_perform":         Idempotent,
	"security.migrate":                        Idempotent,
	"security.post_dashboards_info":           Idempotent,
	"sm.create_policy":                        Idempotent,
	"sm.start_policy":                         Idempotent,
	"sm.stop_policy":                          Idempotent,
	"transforms.start":                        Idempotent,
	"transforms.stop":                         Idempotent,
	"ubi.initialize":                          Idempotent,
	"flow_framework.provision":                Idempotent,
	"flow_framework.deprovision":              Idempotent,
}
