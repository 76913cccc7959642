package client

import (
	"bytes"
	"encoding/json"
)

// scanBase decodes a scan's body into its members, refusing those the
// scan sets itself.
func scanBase(body any) (map[string]json.RawMessage, error) {
	b, err := encode(body)
	if err != nil {
		return nil, encodeError("scan", err)
	}
	base := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(b)) == 0 {
		return base, nil
	}
	if err := json.Unmarshal(b, &base); err != nil {
		return nil, inputError("scan", "the body is not a JSON object: "+err.Error())
	}
	for _, k := range []string{"from", "size", "search_after", "pit", "scroll"} {
		if _, ok := base[k]; ok {
			return nil, inputError("scan", "the body sets \""+k+"\", which the scan sets itself (use PageSize for size)")
		}
	}
	return base, nil
}

// scanSort returns the sort a scan pages by: the caller's, with a unique
// tiebreaker last when paging by point in time; by default index order.
// The tiebreaker is _shard_doc where the cluster has it, else _id. A
// scroll needs none; it defaults to _doc, the cheapest order.
func scanSort(raw json.RawMessage, pit, shardDoc bool) (json.RawMessage, error) {
	var sort []json.RawMessage
	switch t := bytes.TrimSpace(raw); {
	case len(t) == 0:
	case t[0] == '[':
		if err := json.Unmarshal(t, &sort); err != nil {
			return nil, inputError("scan", "sort: "+err.Error())
		}
	default:
		sort = []json.RawMessage{t}
	}
	if !pit {
		if len(sort) == 0 {
			sort = []json.RawMessage{json.RawMessage(`"_doc"`)}
		}
		return json.Marshal(sort)
	}
	tie, tieJSON := "_id", `{"_id":"asc"}`
	if shardDoc {
		tie, tieJSON = "_shard_doc", `"_shard_doc"`
	}
	for _, s := range sort {
		if sortsBy(s, tie) {
			return json.Marshal(sort)
		}
	}
	return json.Marshal(append(sort, json.RawMessage(tieJSON)))
}

// sortsBy reports whether one sort entry ("field", {"field":"asc"} or
// {"field":{"order":...}}) sorts by field.
func sortsBy(entry json.RawMessage, field string) bool {
	var name string
	if json.Unmarshal(entry, &name) == nil {
		return name == field
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(entry, &obj) == nil {
		_, ok := obj[field]
		return ok
	}
	return false
}
