package endpoint

import (
	"net/http"
	"strconv"
)

// Endpoint is what a request's method and path call, and the facts about
// it that a transport needs. The zero Endpoint is an unknown POST: unsafe.
type Endpoint struct {
	// ID names the endpoint as the Elasticsearch and OpenSearch
	// specifications do: "search", "bulk", "indices.create",
	// "security.create_api_key". It is "" when the method and path call no
	// endpoint the specifications know.
	ID string

	// Safety says whether the request may be sent again after it reached
	// a server. For an unknown endpoint it follows the method's REST
	// contract: see [Safety].
	Safety Safety

	// NDJSON reports that the request body is newline-delimited JSON
	// (_bulk, _msearch, ...), not one JSON document.
	NDJSON bool

	// SecretRequest reports that the request body may carry a password,
	// an API key, a token or other credentials, so that it must not be
	// logged.
	SecretRequest bool

	// SecretResponse reports that the response body may carry
	// credentials: the endpoint mints or reveals them (create_api_key,
	// get_token, ...).
	SecretResponse bool
}

// Known reports whether e is an endpoint of the specifications.
func (e Endpoint) Known() bool { return e.ID != "" }

// Safety says whether an operation may be sent again after it reached a
// server, when the client cannot know whether the server applied it (the
// connection broke after the request was written).
type Safety uint8

const (
	// Unsafe: sending it twice may do it twice — a second document with a
	// generated id, a second API key, a second run of a watch's actions.
	Unsafe Safety = iota

	// ReadOnly: it changes nothing a caller can observe. It may be sent
	// again, and also sent twice at once (hedged).
	ReadOnly

	// Idempotent: sending it again leaves the cluster as one send would
	// (PUT with a caller-given name, DELETE, _refresh). The second send may
	// answer differently (a create answers 409, a delete 404), and it does
	// work again, so it is not hedged.
	Idempotent

	// IdempotentWithIDs: _bulk. Idempotent when every action names its
	// _id and no update runs a script; otherwise Unsafe.
	IdempotentWithIDs

	// IdempotentWithoutScript: _update. Idempotent when the body runs no
	// script; otherwise Unsafe.
	IdempotentWithoutScript
)

// String returns the constant's name.
func (s Safety) String() string {
	switch s {
	case Unsafe:
		return "Unsafe"
	case ReadOnly:
		return "ReadOnly"
	case Idempotent:
		return "Idempotent"
	case IdempotentWithIDs:
		return "IdempotentWithIDs"
	case IdempotentWithoutScript:
		return "IdempotentWithoutScript"
	}
	return "Safety(" + strconv.Itoa(int(s)) + ")"
}

// Lookup returns the endpoint that method and path call. It never
// allocates, so that it can run on every request.
//
// path is the URL path as sent on the wire, still percent-escaped
// ([net/url.URL.EscapedPath]): values such as a document id "a%2Fb" stay
// one segment. A decoded path works as well unless a value holds a slash;
// a date-math index name ("<logs-{now/d}>") is recognised either way. A
// query ("?...") is ignored, and so are empty segments ("//", a trailing
// "/"), as Elasticsearch ignores them. method is matched as written, in
// upper case as net/http sends it; an empty method means GET.
//
// When no endpoint matches, the result has ID "" and the safety of the
// method's REST contract: GET, HEAD and OPTIONS are ReadOnly, PUT and
// DELETE Idempotent, anything else Unsafe.
func Lookup(method, path string) Endpoint {
	m := methodOf(method)
	r, ok := find(m, path)
	if !ok {
		return Endpoint{Safety: unknownSafety(m)}
	}
	return endpointOf(r)
}

// endpointOf returns the facts of route r.
func endpointOf(r *route) Endpoint {
	s := &specs[r.spec]
	return Endpoint{
		ID:             s.id,
		Safety:         r.safety,
		NDJSON:         s.flags&ndjson != 0,
		SecretRequest:  s.flags&secretRequest != 0,
		SecretResponse: s.flags&secretResponse != 0,
	}
}

// unknownSafety is the safety of a request to an unknown endpoint: what
// HTTP promises for its method.
func unknownSafety(m method) Safety {
	switch m {
	case mGET, mHEAD, mOPTIONS:
		return ReadOnly
	case mPUT, mDELETE:
		return Idempotent
	}
	return Unsafe
}

// method is an HTTP method as a small number; mOther is any method the
// specifications do not use.
type method uint8

const (
	mOther method = iota
	mGET
	mHEAD
	mPOST
	mPUT
	mDELETE
	mPATCH
	mOPTIONS
)

func methodOf(s string) method {
	switch s {
	case http.MethodGet, "":
		return mGET
	case http.MethodHead:
		return mHEAD
	case http.MethodPost:
		return mPOST
	case http.MethodPut:
		return mPUT
	case http.MethodDelete:
		return mDELETE
	case http.MethodPatch:
		return mPATCH
	case http.MethodOptions:
		return mOPTIONS
	}
	return mOther
}

// fact is a fact about an endpoint, in the generated table: a bit of spec.flags.
type fact uint8

const (
	ndjson fact = 1 << iota
	secretRequest
	secretResponse
)
