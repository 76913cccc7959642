// Package faults is the fault matrix of esrt's reliability suite. It has no
// code of its own: its tests check, for each fault a cluster or a network
// can show and each kind of operation, what a caller of esrt's default
// transport (esrt.New) sees and what the cluster received.
//
// The faults: a connection refused (one node or every node), a connection
// reset before the request is written, a reset after the server read the
// request (applied or not), a node that hangs until the attempt's timeout,
// slow responses, 502, 503 and 504, 429 with and without Retry-After, a
// truncated response body, malformed JSON, a TLS certificate that changes
// while a client runs, and a host name that stops resolving.
//
// The expected outcome of every case comes from one rule (expect, in
// rule_test.go) that reads the operation's safety from package endpoint
// and, for _bulk and _update, from the body, as the retry policy documents
// it: whether the caller gets a response or which error, how many times the
// cluster received the request, and whether the response is marked as a
// retried write. The tests:
//
//   - TestFaultMatrixEveryEndpoint runs the faults whose outcome depends
//     only on safety (refused connections, a reset after the server read
//     the request, 503, 429) against every route of the endpoint table,
//     read from endpoint/table.go, so that an endpoint added to the table
//     is in the matrix without anyone listing it;
//     TestFaultMatrixRoutesCoverTheTable checks that input.
//   - TestFaultMatrixOperations runs each operation kind (read, idempotent
//     write, create, auto-id write, bulk with and without ids, PUT and POST
//     forms, update, delete, scroll continuation by GET and POST) against
//     estest, and checks the requests each node logged (how often, bodies
//     intact) and the store (each document stored exactly once).
//   - TestFaultMatrixTypedClient checks the errors of the typed client.
//   - TestFaultMatrixResetBeforeWrite, TestFaultMatrixResponseBody,
//     TestFaultMatrixCertificateChange and TestFaultMatrixNameStopsResolving
//     use small raw loopback servers for what estest does not emulate.
//
// Run it with
//
//	go test -race ./reliability/faults
//
// Every server is on loopback; no test measures speed.
package faults
