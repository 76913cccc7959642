// Package hostile holds esrt's hostile-server tests: loopback servers that
// answer with what no Elasticsearch node sends, and the checks that esrt,
// through the chain esrt.New builds and through the typed client, ends each
// exchange in bounded time and memory, with a clear error, and sends no
// credential where it does not belong.
//
// The package has no code of its own; its tests are the suite:
//
//   - an endless body, chunked, close-delimited, or HTTP/1.0 without
//     Content-Length, ends at Limits.Response.MaxSize with an
//     *rt.ResponseTooLargeError after exactly that many bytes, through the
//     transport and through client.Search, and the server stops writing
//     soon after (body_test.go); over HTTP/2 too (http2_test.go);
//   - a Content-Length over the cap is refused before the body is read; a
//     body that stalls under its Content-Length ends at the request's
//     deadline (body_test.go);
//   - a gzip bomb ends at Limits.Response.MaxDecompressedSize, whichever
//     side decompresses; a stream of empty deflate blocks ends at the
//     request's deadline with the caps equal, at MaxSize with MaxSize the
//     tighter (gzip_test.go);
//   - endless response headers end at net/http's 10 MiB cap on headers,
//     headers that trickle in at the request's deadline (headers_test.go);
//   - a TLS server presenting a forged chain (its own leaf with the pinned
//     certificate appended) is refused in the handshake: neither a request
//     nor the sniff on start reaches it (tls_test.go);
//   - a redirect from https to http is never followed into plaintext: the
//     transport returns it, and an http.Client that follows it still
//     reaches only configured nodes, so the http:// target sees nothing,
//     neither esrt's credentials nor an Authorization header the caller
//     set (redirect_test.go);
//   - a /_nodes/http answer that is huge, deeply nested, stalls, or lists
//     thousands of unreachable nodes leaves the configured nodes in use
//     (sniff_test.go).
//
// Every case configures credentials and checks that no error and no log
// line holds them. The servers count what they write and stop when the
// client goes away, so memory is bounded by what they managed to send;
// every test ends within a generous deadline whose expiry is a failure.
// Speed is never asserted.
//
// Run with:
//
//	go test -race ./reliability/hostile
package hostile
