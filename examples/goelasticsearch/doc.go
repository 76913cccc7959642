// Package goelasticsearch shows esrt as the transport of go-elasticsearch
// v9 (github.com/elastic/go-elasticsearch/v9): the client keeps its API,
// its headers and its product check, and esrt chooses the node of every
// attempt, takes failed nodes out of rotation and retries as far as it is
// safe.
//
// The package has no API of its own: read its examples and tests, and
// README.md in the parent directory for the recommended settings.
//
// Recommended client settings:
//
//   - Transport: the *esrt.Transport.
//   - DisableRetry: true. esrt already retried every request as far as its
//     operation allows; the client's retries multiply attempts (4 × 4 with
//     both defaults) and resend writes esrt refused to repeat, such as an
//     auto-id index request whose connection broke after it was applied.
//   - Addresses: the cluster's addresses without path prefixes, or any
//     one placeholder. The client writes its own pick into each request's
//     URL, but esrt's router replaces scheme, host and path prefix, so the
//     pick only shows up in the client's own logs and errors.
//   - TLS (CACert, CertificateFingerprint), compression, compatibility mode
//     and discovery belong in esrt.Config: with esrt as its transport the
//     client refuses CACert (NewClient fails) and ignores
//     CertificateFingerprint, both of which need an *http.Transport, and
//     its node discovery would only refill its own, now unused, address
//     list.
package goelasticsearch
