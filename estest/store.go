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
// documents, open points in time and scrolls, and injected shard failures.
// Each index is one shard with a primary term of 1; writes are visible to
// searches at once. Points in time and scrolls expire lazily: they are
// checked against time.Now when used, and nothing runs in the background.
type store struct {
	mu          sync.Mutex
	indices     map[string]*index
	pits        map[string]*pit
	scrolls     map[int64]*scrollCtx // by the id of their first search context
	nextContext int64                // search context ids, as scroll ids carry them
	failing     map[string]ShardFailure
	order       int64 // global write counter; searchDoc.SeqNo
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
	routing string // as indexed; reported as _routing when set
}

// pit is an open point in time: the documents visible when it opened.
type pit struct {
	id        string
	docs      []searchDoc
	names     []string // the indices it covers
	created   time.Time
	keepAlive time.Duration
	expires   time.Time
}

func newStore() *store {
	return &store{indices: map[string]*index{}, pits: map[string]*pit{},
		scrolls: map[int64]*scrollCtx{}, failing: map[string]ShardFailure{}}
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
				out = append(out, searchDoc{Index: name, ID: id, SeqNo: d.order, Source: d.source, Routing: d.routing})
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

// openPIT freezes the live documents of names; expired points in time are
// dropped on the way. s.mu is held.
func (s *store) openPIT(names []string, keepAlive time.Duration, now time.Time) *pit {
	for id, p := range s.pits {
		if now.After(p.expires) {
			delete(s.pits, id)
		}
	}
	p := &pit{id: randomID(48), docs: s.snapshot(names), names: names, created: now, keepAlive: keepAlive, expires: now.Add(keepAlive)}
	s.pits[p.id] = p
	return p
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
		p.keepAlive, p.expires = keepAlive, now.Add(keepAlive)
	}
	return p
}
