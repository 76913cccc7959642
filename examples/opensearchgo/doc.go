// Package opensearchgo shows esrt as the transport of opensearch-go v4
// (github.com/opensearch-project/opensearch-go/v4) and its opensearchapi
// client: the client keeps its API, and esrt chooses the node of every
// attempt, takes failed nodes out of rotation and retries as far as it is
// safe.
//
// The package has no API of its own: read its example and tests, and
// README.md in the parent directory for the recommended settings.
//
// Recommended client settings:
//
//   - Transport: the *esrt.Transport.
//   - DisableRetry: true. esrt already retried every request as far as its
//     operation allows; the client's retries multiply attempts (7 × 4 with
//     both defaults: the client's default MaxRetries is 6, not the 3 its
//     Config comment says) and resend writes esrt refused to repeat: the
//     client retries any connection error, whatever the method.
//   - Addresses: the cluster's addresses without path prefixes, or any one
//     placeholder. esrt's router replaces scheme, host and path prefix of
//     every request, so the client's pick only shows up in its own errors.
//   - OPENSEARCH_GO_NODE_STATS_INTERVAL=-1 in the environment (no Config
//     field exists): otherwise the client polls GET
//     /_nodes/_local/stats/jvm,breaker,thread_pool every few seconds in
//     the background, and esrt sends each poll to whichever node it picks,
//     so "_local" describes a random node.
//   - No Signer: SigV4 must sign the final host and body, which esrt
//     decides after the client; sign inside esrt's chain instead.
//   - TLS (CACert, InsecureSkipVerify), compression and discovery belong in
//     esrt.Config: the client applies its TLS settings only to an
//     *http.Transport (and fails to build otherwise), and its discovery
//     would only refill its own address list.
//
// Close the client (client.Client.Close) before the transport: it stops
// the client's background goroutines and forwards CloseIdleConnections.
package opensearchgo
