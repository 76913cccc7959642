// Package nethttp shows esrt under a plain net/http client, for programs
// that build their own requests: the *esrt.Transport is the client's
// Transport, request URLs name any one node (esrt's router replaces scheme,
// host and path prefix with the node it picks), and nothing else changes.
//
// Close every response body, as with any http.Client; esrt reads and
// closes the bodies of attempts it did not hand back.
//
// The package has no API of its own: read its example and test.
package nethttp
