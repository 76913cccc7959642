package estest

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// vendorMediaType looks for an application/vnd.elasticsearch+... media type
// in a header value (Accept may list several). found reports whether one is
// named; version is its compatible-with parameter, or -1 when that is
// missing or not a number.
func vendorMediaType(header string) (found bool, version int) {
	for part := range strings.SplitSeq(header, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || !strings.HasPrefix(mt, "application/vnd.elasticsearch+") {
			continue
		}
		v, err := strconv.Atoi(params["compatible-with"])
		if err != nil {
			v = -1
		}
		return true, v
	}
	return false, 0
}

// checkMediaTypes applies Elasticsearch's compatibility rule
// (RestCompatibleVersionHelper): a server of major N accepts compatible-with
// N and N-1 on Accept, and on Content-Type when the request has a body, in
// which case both headers must name the same version or neither. Violations
// are 400 media_type_header_exception. OpenSearch knows no compatible-with
// media types and answers 406 to a body sent with one.
func (c *Cluster) checkMediaTypes(rq *request) (response, bool) {
	accept, ctype := rq.r.Header.Get("Accept"), rq.r.Header.Get("Content-Type")
	hasContent := len(rq.body) > 0
	cFound, cv := vendorMediaType(ctype)
	if c.product == OpenSearch {
		if hasContent && cFound {
			return stringError(http.StatusNotAcceptable, "Content-Type header ["+ctype+"] is not supported", true), false
		}
		return response{}, true
	}
	aFound, av := vendorMediaType(accept)
	if !aFound {
		av = c.major
	}
	if !cFound {
		cv = c.major
	}
	valid := func(v int) bool { return v == c.major || v == c.major-1 }
	show := func(h string) string {
		if h == "" {
			return "null"
		}
		return h
	}
	var msg string
	switch {
	case !valid(av):
		msg = fmt.Sprintf("Accept version must be either version %d or %d, but found %d. Accept=%s", c.major, c.major-1, av, show(accept))
	case !hasContent:
	case !valid(cv):
		msg = fmt.Sprintf("Content-Type version must be either version %d or %d, but found %d. Content-Type=%s", c.major, c.major-1, cv, show(ctype))
	case av != cv:
		msg = "A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version and the compatible versions must match. Accept=" + show(accept) + ", Content-Type=" + show(ctype)
	case aFound != cFound:
		msg = "A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version. Accept=" + show(accept) + ", Content-Type=" + show(ctype)
	}
	if msg == "" {
		return response{}, true
	}
	e := newError(http.StatusBadRequest, "media_type_header_exception", "Invalid media-type value on headers [Accept, Content-Type]")
	e.causedBy = newError(http.StatusBadRequest, "status_exception", msg)
	// The request's media types are unusable, so the error is plain JSON.
	resp := e.response()
	resp.header = http.Header{"Content-Type": {c.jsonType()}}
	return resp, false
}

// contentType is the response media type: the compatible-with type the
// request accepted, else JSON as the version writes it.
func (c *Cluster) contentType(r *http.Request) string {
	if c.product == Elasticsearch {
		if found, v := vendorMediaType(r.Header.Get("Accept")); found && (v == c.major || v == c.major-1) {
			return "application/vnd.elasticsearch+json;compatible-with=" + strconv.Itoa(v)
		}
	}
	return c.jsonType()
}

// jsonType is the plain JSON media type as the version writes it.
func (c *Cluster) jsonType() string {
	if c.product == Elasticsearch && c.major >= 8 {
		return "application/json"
	}
	return "application/json; charset=UTF-8"
}
