// Package middleware holds esrt's single-purpose middlewares, one concept per
// file: [Retry] with its [Budget], [Hedge], [RequestTimeout] and
// [AttemptTimeout], [NewBreakers] and [ClusterBreaker],
// [NewLimiter], [Auth], [Gzip], [Headers],
// [Compatibility], [ProductCheck], [SizeLimit], [Logging], [GetBodyAsPost]
// and [WarnPlaintextCredentials].
//
// Each constructor returns an [rt.Middleware]. The middlewares keep the
// [net/http.RoundTripper] contract that package rt describes: they never
// modify the caller's request, close the request body on every path, return
// any status as a response, and forward CloseIdleConnections. Each is checked
// with [github.com/esrt-dev/esrt/rt/rttest].
//
// A middleware that needs to know what a request does (its endpoint, and
// whether it may be sent again, takes NDJSON or carries secrets) asks
// [endpoint.Of]: the endpoint the request's context carries
// ([endpoint.NewContext]), else the one its method and path name.
//
// esrt.New assembles them in the order its example Chain prints (package
// esrt); use them directly to build a chain of your own with [rt.Chain].
// Headers, Compatibility and Auth only add headers: placed right below the
// routing middleware (package selector), they are applied to the router's
// own copy of each attempt, so that a request is copied once per attempt.
package middleware
