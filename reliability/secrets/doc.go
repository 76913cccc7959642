// Package secrets is esrt's secrets matrix: no password, API key, token or
// URL userinfo is ever written, whatever the credential, wherever esrt
// writes, however a request fails. Its tests (package secrets_test) run
// every cell of
//
//   - credentials (15): Username and Password; userinfo in Addresses and
//     in ELASTICSEARCH_URL, with a password and with a token as the user;
//     an API key, encoded and as "id:key"; a service token; an
//     Authorization header, and a gateway's X-Api-Key, in Config.Header;
//     per request, the caller's own Authorization header, rt.WithAuth
//     with basic, API key and bearer credentials, and userinfo (with a
//     password, or a token as the user) in the request's URL;
//   - failures (8), each on loopback: a 200 baseline, a refused
//     connection, a TLS failure, 401, 403, 503 retried, a reset
//     connection and a timeout; in three variants of the chain: plain
//     requests, sniffing on start (the static credential sent from New)
//     and hedged reads (TestMatrix);
//   - bad configuration: addresses and settings New refuses that embed
//     the secret (unescaped # / ? % space and line breaks in userinfo,
//     unknown schemes, bad ports and hosts, two credentials at once,
//     control characters in keys, tokens and headers) (TestBadConfig), and
//     a per-request credential that cannot be sent (TestBadPerRequestAuth);
//   - TLS errors whose hints name the address (TestTLSHints), and panics
//     of the caller's own middleware (TestPanics);
//   - surfaces: the returned error with every fmt verb, its Unwrap tree
//     and each attempt of an *rt.RetryError; log records at every level,
//     as text and JSON; the curl trace; Config, rt.Node, rt.Auth, the
//     transport and each layer of its chain printed with fmt, slog and
//     encoding/json; what the caller's rt.Hooks get; the value of any
//     panic.
//
// A secret counts as written in any form: whole, any piece of it between
// special characters, percent-encoded, base64 (of the key, of
// user:password) or JSON-quoted. Each cell also checks that something was
// captured on the surfaces it must write to, and that the node got the
// credential, so that it cannot pass by writing or sending nothing.
//
// The values, failures and surfaces are shared, through
// internal/secret/secrettest, with the matrices of contrib/aws/sigv4
// (SigV4 keys) and contrib/otel/otelesrt (span and metric attributes),
// which live in their own modules.
//
// The package holds no code of its own.
package secrets
