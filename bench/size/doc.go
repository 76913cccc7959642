// Package size holds three programs that do the same work — index a
// document, search, and index a batch with the bulk API — written with
// only net/http (nethttp), with esrt's transport and typed client
// (esrtclient), and with go-elasticsearch's typed API (goestyped), so that
// their binary sizes and build times can be compared. TestBinarySize in
// package bench builds them; docs/BENCHMARKS.md has the numbers.
package size
