// Package leaks holds esrt's leak tests, and nothing else: that sequential
// requests reuse their connections whatever the answer (200, 404, a 503
// that is retried or returned), through esrt.New and through the typed
// client, counted by estest's per-node accept counter; and that after
// Transport.Close no connection stays open on any node and no goroutine
// is left, also with requests in flight on hanging nodes and with
// discovery running.
package leaks
