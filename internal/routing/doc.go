// Package routing is what esrt's own middlewares tell each other about the
// attempts of a request, through its context and its response: the record
// of the attempts ([Attempts]), the hedge and last-resort markers, and the
// node that answered ([NodeOf]). The retry and hedging middlewares (package
// middleware) and the router (package selector) must not import each
// other, so the protocol lives here.
//
// The markers and the record ride in the request's per-request options
// (package internal/options), so that the router reads them with the
// caller's options in one lookup. None of them is set on a request that
// succeeds at its first attempt.
package routing
