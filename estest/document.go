package estest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// withType reports whether responses carry "_type": "_doc", as
// Elasticsearch 7 and OpenSearch 1 do.
func (c *Cluster) withType() bool {
	return c.product == Elasticsearch && c.major == 7 || c.product == OpenSearch && c.major == 1
}

// shards renders a write's "_shards": one primary and one replica, of
// which the assigned copies succeed; nothing for a noop.
func (c *Cluster) shards(noop bool) member {
	total, ok := 2, c.copies()
	if noop {
		total, ok = 0, 0
	}
	return member{"_shards", encodeObject([]member{kv("total", total), kv("successful", ok), kv("failed", 0)})}
}

// head starts a document object: _index, [_type,] _id.
func (c *Cluster) head(index, id string) []member {
	obj := []member{kv("_index", index)}
	if c.withType() {
		obj = append(obj, kv("_type", "_doc"))
	}
	return append(obj, kv("_id", id))
}

// writeBody renders a write result as the document APIs and bulk items
// report it.
func (c *Cluster) writeBody(res writeResult) []member {
	return append(c.head(res.index, res.id), kv("_version", res.version), kv("result", res.result),
		c.shards(res.result == "noop"), kv("_seq_no", res.seqNo), kv("_primary_term", 1))
}

// writeResponse renders a document API's answer; ?refresh or
// ?refresh=true adds "forced_refresh": true as Elasticsearch does.
func (c *Cluster) writeResponse(rq *request, res writeResult) response {
	obj := c.writeBody(res)
	if v, ok := rq.params["refresh"]; ok && (v[0] == "" || v[0] == "true") && res.result != "noop" {
		obj = append(obj, kv("forced_refresh", true))
	}
	resp := response{status: res.status, body: encodeObject(obj)}
	if res.status == http.StatusCreated {
		resp.header = http.Header{"Location": {"/" + url.PathEscape(res.index) + "/_doc/" + url.PathEscape(res.id)}}
	}
	return resp
}

// checkID applies Elasticsearch's id length limit.
func checkID(id string) *esError {
	if len(id) > 512 {
		return validationError("id [" + id + "] is too long, must be no longer than 512 bytes but was: " + strconv.Itoa(len(id)))
	}
	return nil
}

// checkSource validates a document body.
func (c *Cluster) checkSource(body []byte) *esError {
	if len(body) == 0 {
		return bodyRequired()
	}
	if !isObject(body) || !json.Valid(body) {
		return c.parseError(body)
	}
	return nil
}

// indexDoc answers PUT|POST /{index}/_doc/{id} and POST /{index}/_doc (a
// generated id, 201); ?op_type=create makes it createDoc.
func (c *Cluster) indexDoc(rq *request) response {
	action := "index"
	if v, ok := rq.params["op_type"]; ok {
		switch strings.ToLower(v[0]) {
		case "create":
			action = "create"
		case "index":
		default:
			return newError(http.StatusBadRequest, "illegal_argument_exception",
				"opType must be 'create' or 'index', found: ["+v[0]+"]").response()
		}
	}
	return c.write(rq, action)
}

// createDoc answers PUT|POST /{index}/_create/{id}: 409
// version_conflict_engine_exception when the document exists.
func (c *Cluster) createDoc(rq *request) response { return c.write(rq, "create") }

func (c *Cluster) write(rq *request, action string) response {
	k, e := parseCASParams(rq.params)
	if e != nil {
		return e.response()
	}
	id, hasID := rq.vars["id"]
	if !hasID {
		id = randomID(15)
	}
	if e := checkID(id); e != nil {
		return e.response()
	}
	if e := c.checkSource(rq.body); e != nil {
		return e.response()
	}
	if msgs := k.validate(action, nil); msgs != nil {
		return validationError(msgs...).response()
	}
	return c.apply(rq, writeOp{action: action, index: rq.vars["index"], id: id, source: rq.body, cas: k, routing: rq.params.Get("routing")})
}

// updateDoc answers POST /{index}/_update/{id}: a partial "doc" merged into
// the document, "doc_as_upsert" or "upsert" when it is missing (201), 404
// document_missing_exception otherwise, "noop" when nothing changes.
func (c *Cluster) updateDoc(rq *request) response {
	k, e := parseCASParams(rq.params)
	if e != nil {
		return e.response()
	}
	u, e := parseUpdate(rq.body)
	if e != nil {
		return e.response()
	}
	if msgs := k.validate("update", u); msgs != nil {
		return validationError(msgs...).response()
	}
	return c.apply(rq, writeOp{action: "update", index: rq.vars["index"], id: rq.vars["id"], update: u, cas: k, routing: rq.params.Get("routing")})
}

// deleteDoc answers DELETE /{index}/_doc/{id}: 200 "deleted" or 404
// "not_found"; a missing index is 404 index_not_found_exception.
func (c *Cluster) deleteDoc(rq *request) response {
	k, e := parseCASParams(rq.params)
	if e != nil {
		return e.response()
	}
	if msgs := k.validate("delete", nil); msgs != nil {
		return validationError(msgs...).response()
	}
	return c.apply(rq, writeOp{action: "delete", index: rq.vars["index"], id: rq.vars["id"], cas: k})
}

// apply performs op and answers as the document APIs do.
func (c *Cluster) apply(rq *request, op writeOp) response {
	res, e := c.store.apply(op)
	if e != nil {
		return e.response()
	}
	return c.writeResponse(rq, res)
}

// getDoc answers GET and HEAD /{index}/_doc/{id}.
func (c *Cluster) getDoc(rq *request) response {
	obj, found, e := c.docEntry(rq.vars["index"], rq.vars["id"])
	switch {
	case e != nil:
		return e.response()
	case !found:
		return response{status: http.StatusNotFound, body: encodeObject(obj)}
	}
	return okJSON(obj)
}

// docEntry is what GET answers for a document: found with its version,
// sequence number and source, or {"_index","_id","found":false}; a missing
// index is the error.
func (c *Cluster) docEntry(index, id string) (obj []member, found bool, e *esError) {
	s := c.store
	s.mu.Lock()
	ix := s.indices[index]
	var d *doc
	if ix != nil {
		d = ix.docs[id]
	}
	s.mu.Unlock()
	switch {
	case ix == nil:
		return nil, false, indexNotFound(index)
	case d == nil || d.deleted:
		return append(c.head(index, id), kv("found", false)), false, nil
	}
	obj = append(c.head(index, id), kv("_version", d.version), kv("_seq_no", d.seqNo), kv("_primary_term", 1))
	if d.routing != "" {
		obj = append(obj, kv("_routing", d.routing))
	}
	return append(obj, kv("found", true), member{"_source", d.source}), true, nil
}
