package estest

// This file runs a parsed search request over stored documents.

import (
	"bytes"
	"encoding/json"
	"slices"
)

// searchDoc is one stored document as the query engine sees it.
type searchDoc struct {
	Index   string
	ID      string
	SeqNo   int64           // insertion order; the final tie-breaker
	Source  json.RawMessage // the _source bytes as indexed
	Routing string          // _routing, when indexed with one
}

// searchHit is one document of a result page.
type searchHit struct {
	Doc   searchDoc
	Score float64
	Sort  []any // sort values, present when the request sorts
}

// evalDoc is a document being evaluated, with its source decoded once.
type evalDoc struct {
	doc *searchDoc
	src map[string]any // nil when the source is not a JSON object
}

func newEvalDoc(doc *searchDoc) *evalDoc {
	d := &evalDoc{doc: doc}
	dec := json.NewDecoder(bytes.NewReader(doc.Source))
	dec.UseNumber()
	var src map[string]any
	if dec.Decode(&src) == nil {
		d.src = src
	}
	return d
}

// run filters docs with the query, sorts, applies search_after, from and
// size, and returns the total number of matches and the page.
//
// Documents are ordered by the request's sort, else by descending score;
// equal documents keep ascending SeqNo order. Like Elasticsearch, search_after
// skips every document whose sort values equal the given ones, so paging
// needs a unique tiebreaker (_id, _doc, or a point in time's _shard_doc).
// The total ignores search_after, from and size. Hits carry Sort values only
// when the request sorts; a document without a value for a sort field has a
// nil sort value there, which search_after accepts back. Score is computed
// even when sorting by fields, where Elasticsearch would report a null _score
// unless track_scores is set. run does not modify docs.
func (r *searchRequest) run(docs []searchDoc) (total int, page []searchHit) {
	matched := r.candidates(docs)
	slices.SortStableFunc(matched, r.compareCandidates)
	total = len(matched)
	matched = r.skipSearchAfter(matched)
	start := min(r.from, len(matched))
	end := min(start+r.size, len(matched))
	return total, r.hits(matched[start:end])
}

// candidate is a matching document with its sort keys.
type candidate struct {
	hit  searchHit
	keys []sortValue // one per sort criterion; nil when the request does not sort
}

// candidates returns the documents that match the query and the post
// filter and reach min_score, in the order of docs.
func (r *searchRequest) candidates(docs []searchDoc) []candidate {
	var matched []candidate
	for i := range docs {
		if !r.inSlice(docs[i].ID) {
			continue
		}
		d := newEvalDoc(&docs[i])
		ok, score := r.match(d)
		if !ok {
			continue
		}
		c := candidate{hit: searchHit{Doc: docs[i], Score: score}}
		if len(r.sort) > 0 {
			c.keys = make([]sortValue, len(r.sort))
			for j, sf := range r.sort {
				c.keys[j] = sf.value(d, score)
			}
		}
		matched = append(matched, c)
	}
	return matched
}

// match reports whether d is a hit and its score: the query's score, or 1
// without a query.
func (r *searchRequest) match(d *evalDoc) (bool, float64) {
	ok, score := true, 1.0
	if r.query != nil {
		ok, score = r.query.match(d)
	}
	if !ok {
		return false, 0
	}
	if r.postFilter != nil {
		if ok, _ := r.postFilter.match(d); !ok {
			return false, 0
		}
	}
	if r.minScore != nil && score < *r.minScore {
		return false, 0
	}
	return true, score
}

// compareCandidates orders by the sort keys, or by descending score when
// the request does not sort; ties go by ascending SeqNo.
func (r *searchRequest) compareCandidates(a, b candidate) int {
	if len(r.sort) == 0 {
		if a.hit.Score != b.hit.Score {
			if a.hit.Score > b.hit.Score {
				return -1
			}
			return 1
		}
	} else if c := r.compareKeys(a.keys, b.keys); c != 0 {
		return c
	}
	return cmpInt64(a.hit.Doc.SeqNo, b.hit.Doc.SeqNo)
}

// skipSearchAfter drops the sorted candidates up to and including the
// search_after keys.
func (r *searchRequest) skipSearchAfter(sorted []candidate) []candidate {
	if r.searchAfter == nil {
		return sorted
	}
	i := 0
	for i < len(sorted) && r.compareKeys(sorted[i].keys, r.searchAfter) <= 0 {
		i++
	}
	return sorted[i:]
}

// hits turns candidates into hits, with their sort values when the request
// sorts.
func (r *searchRequest) hits(cs []candidate) []searchHit {
	page := make([]searchHit, 0, len(cs))
	for _, c := range cs {
		h := c.hit
		if len(r.sort) > 0 {
			h.Sort = make([]any, len(c.keys))
			for j, k := range c.keys {
				h.Sort[j] = k.wire()
			}
		}
		page = append(page, h)
	}
	return page
}

func (r *searchRequest) compareKeys(a, b []sortValue) int {
	for i, sf := range r.sort {
		if c := sf.compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return 0
}
