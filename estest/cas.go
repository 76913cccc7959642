package estest

// This file is optimistic concurrency control: the if_seq_no and
// if_primary_term conditions of index, delete, update and bulk actions, as
// Elasticsearch validates them (DocWriteRequest.validateSeqNoBasedCASParams)
// and checks them against the stored document (InternalEngine).

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// unassignedSeqNo is SequenceNumbers.UNASSIGNED_SEQ_NO: if_seq_no=-2 is
// the same as no if_seq_no.
const unassignedSeqNo = -2

// cas is a write's compare-and-set condition. The zero value is none.
type cas struct {
	seqNo  int64
	hasSeq bool  // if_seq_no given (and not -2)
	term   int64 // if_primary_term; 0 is unassigned, as in Elasticsearch
}

// parseCASParams reads ?if_seq_no= and ?if_primary_term=.
func parseCASParams(params url.Values) (cas, *esError) {
	return parseCAS(params.Get("if_seq_no"), params.Get("if_primary_term"))
}

// parseCASMeta reads if_seq_no and if_primary_term of a bulk action line,
// numbers or numeric strings.
func parseCASMeta(seqNo, term json.RawMessage) (cas, *esError) {
	text := func(raw json.RawMessage) string {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		return strings.TrimSpace(string(raw))
	}
	return parseCAS(text(seqNo), text(term))
}

// parseCAS parses the two values ("" when absent) with Elasticsearch's
// range checks (IndexRequest.setIfSeqNo, setIfPrimaryTerm).
func parseCAS(seqNo, term string) (cas, *esError) {
	var k cas
	if seqNo != "" && seqNo != "null" {
		n, e := parseLongParam("if_seq_no", seqNo)
		if e != nil {
			return cas{}, e
		}
		if n < 0 && n != unassignedSeqNo {
			return cas{}, newError(http.StatusBadRequest, "illegal_argument_exception",
				"sequence numbers must be non negative. got ["+seqNo+"].")
		}
		k.seqNo, k.hasSeq = n, n != unassignedSeqNo
	}
	if term != "" && term != "null" {
		n, e := parseLongParam("if_primary_term", term)
		if e != nil {
			return cas{}, e
		}
		if n < 0 {
			return cas{}, newError(http.StatusBadRequest, "illegal_argument_exception",
				"primary term must be non negative. got ["+term+"]")
		}
		k.term = n
	}
	return k, nil
}

// parseLongParam is RestRequest.paramAsLong's parsing.
func parseLongParam(name, v string) (int64, *esError) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		e := newError(http.StatusBadRequest, "illegal_argument_exception", "Failed to parse long parameter ["+name+"] with value ["+v+"]")
		e.causedBy = newError(http.StatusBadRequest, "number_format_exception", `For input string: "`+v+`"`)
		return 0, e
	}
	return n, nil
}

// validate returns Elasticsearch's validation messages for k on an action
// ("index", "create", "update" or "delete"); u is the update body.
func (k cas) validate(action string, u *updateBody) []string {
	if action == "create" {
		if k.hasSeq || k.term != 0 {
			return []string{"create operations do not support compare and set. use index instead"}
		}
		return nil
	}
	var msgs []string
	if k.hasSeq && k.term == 0 {
		msgs = append(msgs, "ifSeqNo is set, but primary term is [0]")
	}
	if !k.hasSeq && k.term != 0 {
		msgs = append(msgs, "ifSeqNo is unassigned, but primary term is ["+strconv.FormatInt(k.term, 10)+"]")
	}
	if action == "update" && k.hasSeq && u != nil {
		if u.DocAsUpsert {
			msgs = append(msgs, "compare and write operations can not be used with upsert")
		}
		if u.Upsert != nil {
			msgs = append(msgs, "upsert requests don't support `if_seq_no` and `if_primary_term`")
		}
	}
	return msgs
}

// check compares k with the document id (d nil or a tombstone when it
// does not exist): a mismatch is 409 version_conflict_engine_exception
// worded as VersionConflictEngineException words it.
func (k cas) check(ix *index, id string, d *doc) *esError {
	if !k.hasSeq {
		return nil
	}
	exists := d != nil && !d.deleted
	if exists && d.seqNo == k.seqNo && k.term == 1 {
		return nil
	}
	reason := "[" + id + "]: version conflict, required seqNo [" + strconv.FormatInt(k.seqNo, 10) +
		"], primary term [" + strconv.FormatInt(k.term, 10) + "]. "
	if exists {
		reason += "current document has seqNo [" + strconv.FormatInt(d.seqNo, 10) + "] and primary term [1]"
	} else {
		reason += "but no document was found"
	}
	return newError(http.StatusConflict, "version_conflict_engine_exception", reason,
		kv("index_uuid", ix.uuid), kv("shard", "0"), kv("index", ix.name))
}
