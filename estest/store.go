package estest

import (
	"encoding/json"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// store is the in-memory state every node shares: indices with their
// documents, and open points in time. Each index is one shard with a
// primary term of 1; writes are visible to searches at once.
type store struct {
	mu      sync.Mutex
	indices map[string]*index
	pits    map[string]*pit
	order   int64 // global write counter; searchDoc.SeqNo
}

type index struct {
	name      string
	uuid      string
	created   time.Time
	docs      map[string]*doc
	nextSeqNo int64
}

// doc is a stored document; deleted documents stay as tombstones so that
// re-creating one continues its version.
type doc struct {
	source  json.RawMessage // never modified in place: PIT snapshots share it
	version int64
	seqNo   int64
	order   int64
	deleted bool
}

// pit is an open point in time: the documents visible when it opened.
type pit struct {
	docs    []searchDoc
	indices int
	expires time.Time
}

func newStore() *store {
	return &store{indices: map[string]*index{}, pits: map[string]*pit{}}
}

// validIndexName applies Elasticsearch's index name rules.
func validIndexName(name string) *esError {
	var why string
	switch {
	case name == "." || name == "..":
		why = "must not be '.' or '..'"
	case strings.ContainsAny(name, "\\/*?\"<>| ,#:"):
		why = `must not contain the following characters [ , ", *, \, <, |, ,, >, /, ?, #, :]`
	case strings.ToLower(name) != name:
		why = "must be lowercase"
	case strings.HasPrefix(name, "_") || strings.HasPrefix(name, "-") || strings.HasPrefix(name, "+"):
		why = "must not start with '_', '-', or '+'"
	case len(name) > 255:
		why = "index name is too long"
	case name == "":
		why = "must not be empty"
	default:
		return nil
	}
	return newError(http.StatusBadRequest, "invalid_index_name_exception", "Invalid index name ["+name+"], "+why,
		kv("index_uuid", "_na_"), kv("index", name))
}

// createIndex creates name; s.mu is held.
func (s *store) createIndex(name string) (*index, *esError) {
	if e := validIndexName(name); e != nil {
		return nil, e
	}
	if ix := s.indices[name]; ix != nil {
		return nil, newError(http.StatusBadRequest, "resource_already_exists_exception",
			"index ["+name+"/"+ix.uuid+"] already exists", kv("index_uuid", ix.uuid), kv("index", name))
	}
	ix := &index{name: name, uuid: randomID(16), created: time.Now(), docs: map[string]*doc{}}
	s.indices[name] = ix
	return ix, nil
}

// autoCreate returns index name, creating it as writes do; s.mu is held.
func (s *store) autoCreate(name string) (*index, *esError) {
	if ix := s.indices[name]; ix != nil {
		return ix, nil
	}
	return s.createIndex(name)
}

// resolve expands an index expression: comma-separated names and
// wildcard patterns; "", "_all" and "*" mean every index whose name does
// not start with '.'. A missing concrete name is index_not_found_exception
// unless ignoreUnavailable. s.mu is held.
func (s *store) resolve(expr string, ignoreUnavailable bool) ([]string, *esError) {
	seen := map[string]bool{}
	var out []string
	add := func(name string) {
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	if expr == "" || expr == "_all" {
		expr = "*"
	}
	for part := range strings.SplitSeq(expr, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.ContainsAny(part, "*?") {
			if s.indices[part] == nil {
				if ignoreUnavailable {
					continue
				}
				return nil, indexNotFound(part)
			}
			add(part)
			continue
		}
		var matched []string
		for name := range s.indices {
			if strings.HasPrefix(name, ".") && !strings.HasPrefix(part, ".") {
				continue
			}
			if ok, _ := path.Match(part, name); ok {
				matched = append(matched, name)
			}
		}
		slices.Sort(matched)
		for _, m := range matched {
			add(m)
		}
	}
	return out, nil
}

// snapshot returns the live documents of the named indices in write order;
// s.mu is held.
func (s *store) snapshot(names []string) []searchDoc {
	var out []searchDoc
	for _, name := range names {
		ix := s.indices[name]
		if ix == nil {
			continue
		}
		for id, d := range ix.docs {
			if !d.deleted {
				out = append(out, searchDoc{Index: name, ID: id, SeqNo: d.order, Source: d.source})
			}
		}
	}
	slices.SortFunc(out, func(a, b searchDoc) int { return int(a.SeqNo - b.SeqNo) })
	return out
}

func (s *store) source(index, id string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ix := s.indices[index]
	if ix == nil {
		return nil, false
	}
	d := ix.docs[id]
	if d == nil || d.deleted {
		return nil, false
	}
	return append([]byte(nil), d.source...), true
}

func (s *store) count(index string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for name, ix := range s.indices {
		if index != "" && name != index {
			continue
		}
		for _, d := range ix.docs {
			if !d.deleted {
				n++
			}
		}
	}
	return n
}

// writeOp is one document write, from the document APIs or a bulk item.
type writeOp struct {
	action string // "index", "create", "update" or "delete"
	index  string
	id     string
	source []byte      // index and create
	update *updateBody // update
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
		return nil, newError(http.StatusBadRequest, "x_content_parse_exception", jsonError(b))
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
	var ix *index
	if op.action == "delete" {
		if ix = s.indices[op.index]; ix == nil {
			return writeResult{}, indexNotFound(op.index)
		}
	} else {
		var e *esError
		if ix, e = s.autoCreate(op.index); e != nil {
			return writeResult{}, e
		}
	}
	res := writeResult{index: ix.name, id: op.id}
	d := ix.docs[op.id]
	live := d != nil && !d.deleted
	put := func(src json.RawMessage, result string, status int) {
		version := int64(1)
		if d != nil {
			version = d.version + 1
		}
		s.order++
		ix.docs[op.id] = &doc{source: src, version: version, seqNo: ix.nextSeqNo, order: s.order}
		res.version, res.seqNo, res.result, res.status = version, ix.nextSeqNo, result, status
		ix.nextSeqNo++
	}
	switch op.action {
	case "index", "create":
		switch {
		case live && op.action == "create":
			return writeResult{}, versionConflict(ix, op.id, d.version)
		case live:
			put(clone(op.source), "updated", http.StatusOK)
		default:
			put(clone(op.source), "created", http.StatusCreated)
		}
	case "update":
		u := op.update
		switch {
		case live:
			cur, err1 := parseObject(d.source)
			patch, err2 := parseObject(u.Doc)
			if err1 != nil || err2 != nil {
				return writeResult{}, newError(http.StatusBadRequest, "x_content_parse_exception", "[1:1] cannot merge the partial document")
			}
			merged := encodeObject(mergeObject(cur, patch))
			if (u.DetectNoop == nil || *u.DetectNoop) && sameJSON(merged, d.source) {
				res.version, res.seqNo, res.result, res.status = d.version, d.seqNo, "noop", http.StatusOK
				return res, nil
			}
			put(merged, "updated", http.StatusOK)
		case u.DocAsUpsert:
			put(clone(u.Doc), "created", http.StatusCreated)
		case u.Upsert != nil:
			put(clone(u.Upsert), "created", http.StatusCreated)
		default:
			return writeResult{}, documentMissing(ix, op.id)
		}
	case "delete":
		version := int64(1)
		if d != nil {
			version = d.version + 1
		}
		res.version, res.seqNo = version, ix.nextSeqNo
		ix.nextSeqNo++
		if !live {
			res.result, res.status = "not_found", http.StatusNotFound
			return res, nil
		}
		s.order++
		ix.docs[op.id] = &doc{source: d.source, version: version, seqNo: res.seqNo, order: s.order, deleted: true}
		res.result, res.status = "deleted", http.StatusOK
	}
	return res, nil
}

func clone(b []byte) json.RawMessage { return append(json.RawMessage(nil), b...) }

// openPIT freezes the live documents of names; expired points in time are
// dropped on the way. s.mu is held.
func (s *store) openPIT(names []string, keepAlive time.Duration, now time.Time) string {
	for id, p := range s.pits {
		if now.After(p.expires) {
			delete(s.pits, id)
		}
	}
	id := randomID(48)
	s.pits[id] = &pit{docs: s.snapshot(names), indices: len(names), expires: now.Add(keepAlive)}
	return id
}

// usePIT returns an open point in time and extends it by keepAlive when
// that is positive. s.mu is held.
func (s *store) usePIT(id string, keepAlive time.Duration, now time.Time) *pit {
	p := s.pits[id]
	if p == nil {
		return nil
	}
	if now.After(p.expires) {
		delete(s.pits, id)
		return nil
	}
	if keepAlive > 0 {
		p.expires = now.Add(keepAlive)
	}
	return p
}
