package estest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// writeOp is one document write, from the document APIs or a bulk item.
type writeOp struct {
	action  string // "index", "create", "update" or "delete"
	index   string
	id      string
	source  []byte      // index and create
	update  *updateBody // update
	cas     cas         // if_seq_no and if_primary_term, checked against the document
	routing string      // stored with the document and reported as _routing
}

// writeResult is the outcome of a successful writeOp.
type writeResult struct {
	index   string
	id      string
	version int64
	seqNo   int64
	result  string // created, updated, deleted, not_found, noop
	status  int
}

// updateBody is the body of an _update request or bulk update item.
type updateBody struct {
	Doc         json.RawMessage `json:"doc"`
	Upsert      json.RawMessage `json:"upsert"`
	DocAsUpsert bool            `json:"doc_as_upsert"`
	Script      json.RawMessage `json:"script"`
	DetectNoop  *bool           `json:"detect_noop"`
}

// parseUpdate validates an update body.
func parseUpdate(b []byte) (*updateBody, *esError) {
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil, bodyRequired()
	}
	if !json.Valid(b) || !isObject(b) {
		return nil, newError(http.StatusBadRequest, "x_content_parse_exception", syntaxReason(b))
	}
	if e := checkUpdateFields(b); e != nil {
		return nil, e
	}
	var u updateBody
	if err := json.Unmarshal(b, &u); err != nil {
		return nil, newError(http.StatusBadRequest, "x_content_parse_exception", "[1:1] "+err.Error())
	}
	if u.Script != nil {
		return nil, newError(http.StatusBadRequest, "illegal_argument_exception", "estest does not support scripted updates")
	}
	if u.Doc == nil {
		return nil, validationError("script or doc is missing")
	}
	if !isObject(u.Doc) || u.Upsert != nil && !isObject(u.Upsert) {
		return nil, newError(http.StatusBadRequest, "x_content_parse_exception", "[1:1] doc and upsert must be objects")
	}
	return &u, nil
}

// apply performs op. Delete does not create a missing index; the other
// writes do.
func (s *store) apply(op writeOp) (writeResult, *esError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ix, e := s.target(op)
	if e != nil {
		return writeResult{}, e
	}
	switch op.action {
	case "index", "create":
		return s.write(ix, op)
	case "update":
		return s.update(ix, op)
	case "delete":
		return s.remove(ix, op)
	}
	return writeResult{index: ix.name, id: op.id}, nil
}

// target returns the index op writes to; s.mu is held.
func (s *store) target(op writeOp) (*index, *esError) {
	if op.action != "delete" {
		return s.autoCreate(op.index)
	}
	if ix := s.indices[op.index]; ix != nil {
		return ix, nil
	}
	return nil, indexNotFound(op.index)
}

// write stores op.source as id's next version; create refuses to replace
// a live document. s.mu is held.
func (s *store) write(ix *index, op writeOp) (writeResult, *esError) {
	d, live := ix.live(op.id)
	if e := op.cas.check(ix, op.id, d); e != nil {
		return writeResult{}, e
	}
	switch {
	case !live:
		return s.put(ix, op.id, clone(op.source), op.routing, "created", http.StatusCreated), nil
	case op.action == "create":
		return writeResult{}, versionConflict(ix, op.id, d.version)
	}
	return s.put(ix, op.id, clone(op.source), op.routing, "updated", http.StatusOK), nil
}

// update merges op.update into the live document, or creates it from the
// upsert; s.mu is held.
func (s *store) update(ix *index, op writeOp) (writeResult, *esError) {
	id, u := op.id, op.update
	d, live := ix.live(id)
	switch {
	case live:
		if e := op.cas.check(ix, id, d); e != nil {
			return writeResult{}, e
		}
		return s.merge(ix, id, d, u)
	case u.DocAsUpsert:
		return s.put(ix, id, clone(u.Doc), op.routing, "created", http.StatusCreated), nil
	case u.Upsert != nil:
		return s.put(ix, id, clone(u.Upsert), op.routing, "created", http.StatusCreated), nil
	}
	return writeResult{}, documentMissing(ix, id)
}

// merge applies the partial document u.Doc to d, the live document id. A
// merge that changes nothing is a noop, which stores nothing, unless
// detect_noop is false. s.mu is held.
func (s *store) merge(ix *index, id string, d *doc, u *updateBody) (writeResult, *esError) {
	cur, err1 := parseObject(d.source)
	patch, err2 := parseObject(u.Doc)
	if err1 != nil || err2 != nil {
		return writeResult{}, newError(http.StatusBadRequest, "x_content_parse_exception", "[1:1] cannot merge the partial document")
	}
	merged := encodeObject(mergeObject(cur, patch))
	if (u.DetectNoop == nil || *u.DetectNoop) && sameJSON(merged, d.source) {
		return writeResult{index: ix.name, id: id, version: d.version, seqNo: d.seqNo, result: "noop", status: http.StatusOK}, nil
	}
	return s.put(ix, id, merged, d.routing, "updated", http.StatusOK), nil
}

// remove leaves a tombstone in place of the live document op.id. Removing
// a missing document is not_found, but still takes a sequence number and a
// version. s.mu is held.
func (s *store) remove(ix *index, op writeOp) (writeResult, *esError) {
	id := op.id
	d, live := ix.live(id)
	if e := op.cas.check(ix, id, d); e != nil {
		return writeResult{}, e
	}
	res := writeResult{index: ix.name, id: id, version: nextVersion(d), seqNo: ix.nextSeqNo}
	ix.nextSeqNo++
	if !live {
		res.result, res.status = "not_found", http.StatusNotFound
		return res, nil
	}
	s.order++
	ix.docs[id] = &doc{source: d.source, version: res.version, seqNo: res.seqNo, order: s.order, deleted: true}
	res.result, res.status = "deleted", http.StatusOK
	return res, nil
}

// put stores src as id's next version; s.mu is held.
func (s *store) put(ix *index, id string, src json.RawMessage, routing, result string, status int) writeResult {
	res := writeResult{index: ix.name, id: id, version: nextVersion(ix.docs[id]), seqNo: ix.nextSeqNo, result: result, status: status}
	s.order++
	ix.docs[id] = &doc{source: src, version: res.version, seqNo: res.seqNo, order: s.order, routing: routing}
	ix.nextSeqNo++
	return res
}

// live returns the document id, tombstone or nil, and whether it is live.
func (ix *index) live(id string) (*doc, bool) {
	d := ix.docs[id]
	return d, d != nil && !d.deleted
}

// nextVersion is the version of the write after d (nil: never written).
func nextVersion(d *doc) int64 {
	if d == nil {
		return 1
	}
	return d.version + 1
}

func clone(b []byte) json.RawMessage { return append(json.RawMessage(nil), b...) }

// checkUpdateFields refuses the keys of an update body estest does not
// emulate: an unknown key as Elasticsearch's UpdateRequest parser does,
// and a known one it would act on (scripted_upsert, _source).
func checkUpdateFields(b []byte) *esError {
	fields, _ := parseObject(b)
	for _, f := range fields {
		switch f.key {
		case "doc", "upsert", "doc_as_upsert", "script", "detect_noop":
		case "scripted_upsert", "_source":
			return newError(http.StatusBadRequest, "illegal_argument_exception",
				"estest does not support ["+f.key+"] in an update body")
		default:
			return newError(http.StatusBadRequest, "x_content_parse_exception",
				"[UpdateRequest] unknown field ["+f.key+"]")
		}
	}
	return nil
}
