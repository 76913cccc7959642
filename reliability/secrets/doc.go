// Package secrets is esrt's secrets matrix: no password, API key, token or
// URL userinfo is ever written, whatever the credential, wherever esrt
// writes, however a request fails. Its tests (package secrets_test) run
// every cell of
//
//   - credentials: Username and Password; userinfo in Addresses and in
//     ELASTICSEARCH_URL, with a password and with a token as the user; an
//     API key, encoded and as "id:key"; a service token; an Authorization
//     header in Config.Header; per request, rt.WithAuth with basic, API
//     key and bearer credentials, and userinfo in the request's URL;
//   - failures: a 200 baseline, a refused connection, a TLS failure, 401,
//     403, 503 retried, a reset connection and a timeout, each on
//     loopback; and bad configuration, where New refuses addresses and
//     settings that embed the secret (unescaped # / ? @ : in userinfo, two
//     credentials at once, control characters);
//   - surfaces: the returned error with every fmt verb and its Unwrap
//     tree, log records at every level as text and JSON, the curl trace,
//     Config, rt.Node, rt.Auth and the transport printed with fmt, slog
//     and encoding/json, and the value of any panic.
//
// A secret counts as written in any form: whole, any piece of it between
// special characters, percent-encoded, base64 (of the key, of user:password)
// or JSON-quoted. Each cell also checks that something was captured, so
// that it cannot pass by writing nothing. The values, failures and surfaces
// are shared with the matrices of contrib/aws/sigv4 (SigV4 keys) and
// contrib/otel/otelesrt (span and metric attributes) through
// internal/secret/secrettest.
//
// The package holds no code of its own.
package secrets
