package estest

// This file is the multi get API, GET|POST /_mget and /{index}/_mget.

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// mgetItem is one document an _mget asks for.
type mgetItem struct {
	index, id string
	noSource  bool // "_source": false
}

// mget answers _mget: 200 with {"docs":[...]}, one entry per requested
// document in order, each what GET would answer (found or found:false),
// or for a missing index {"_index","_id","error":{...}} as
// MultiGetResponse renders a failed item.
func (c *Cluster) mget(rq *request) response {
	items, e := parseMget(rq.body, rq.vars["index"])
	if e != nil {
		return e.response()
	}
	docs := make([]json.RawMessage, 0, len(items))
	for _, it := range items {
		obj, found, e := c.docEntry(it.index, it.id)
		switch {
		case e != nil:
			obj = append(c.head(it.index, it.id), member{"error", e.cause(true)})
		case found && it.noSource:
			obj = obj[:len(obj)-1] // _source is last
		}
		docs = append(docs, encodeObject(obj))
	}
	return okJSON([]member{kv("docs", docs)})
}

// parseMget parses an _mget body as MultiGetRequest.add does: "docs", a
// list of {"_index","_id"} objects, and "ids", a list of ids in
// defaultIndex (the path's index, which is also the default of docs), then
// validates the items.
func parseMget(body []byte, defaultIndex string) ([]mgetItem, *esError) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, newError(http.StatusBadRequest, "parse_exception", "request body or source parameter is required")
	}
	v, err := decodeJSON(body)
	if err != nil {
		return nil, badSearch(err)
	}
	obj, ok := v.(jsonObject)
	if !ok {
		return nil, mgetParseError("unexpected token [" + tokenName(v) + "], expected [FIELD_NAME] or [START_ARRAY]")
	}
	var items []mgetItem
	for _, m := range obj {
		arr, isArray := m.Value.([]any)
		switch {
		case !isArray:
			return nil, mgetParseError("unexpected token [" + tokenName(m.Value) + "], expected [FIELD_NAME] or [START_ARRAY]")
		case m.Key == "docs":
			for _, d := range arr {
				it, e := parseMgetDoc(d, defaultIndex)
				if e != nil {
					return nil, e
				}
				items = append(items, it)
			}
		case m.Key == "ids":
			for _, id := range arr {
				if !isScalar(id) || id == nil {
					return nil, newError(http.StatusBadRequest, "illegal_argument_exception", "ids array element should only contain ids")
				}
				items = append(items, mgetItem{index: defaultIndex, id: scalarText(id)})
			}
		default:
			return nil, mgetParseError("unknown key [" + m.Key + "] for a START_ARRAY, expected [docs] or [ids]")
		}
	}
	return items, validateMget(items)
}

// parseMgetDoc parses one entry of "docs". routing is accepted and has no
// effect (every index has one shard); _source may be a boolean; options
// that would change the answer in ways estest cannot honour are refused.
func parseMgetDoc(v any, defaultIndex string) (mgetItem, *esError) {
	obj, ok := v.(jsonObject)
	if !ok {
		return mgetItem{}, newError(http.StatusBadRequest, "illegal_argument_exception", "docs array element should include an object")
	}
	it := mgetItem{index: defaultIndex}
	for _, m := range obj {
		switch m.Key {
		case "_index", "index":
			it.index = scalarText(m.Value)
		case "_id", "id":
			if m.Value != nil {
				it.id = scalarText(m.Value)
			}
		case "routing", "_routing":
		case "_source":
			b, isBool := m.Value.(bool)
			if !isBool {
				return mgetItem{}, newError(http.StatusBadRequest, "illegal_argument_exception", "[_source] filtering is not supported by estest")
			}
			it.noSource = !b
		case "stored_fields", "version", "_version", "version_type", "_version_type":
			return mgetItem{}, newError(http.StatusBadRequest, "illegal_argument_exception", "["+m.Key+"] is not supported by estest")
		default:
			return mgetItem{}, mgetParseError("failed to parse multi get request. unknown field [" + m.Key + "]")
		}
	}
	return it, nil
}

// validateMget is MultiGetRequest.validate.
func validateMget(items []mgetItem) *esError {
	if len(items) == 0 {
		return validationError("no documents to get")
	}
	var msgs []string
	for i, it := range items {
		if it.index == "" {
			msgs = append(msgs, "index is missing for doc "+strconv.Itoa(i))
		}
		if it.id == "" {
			msgs = append(msgs, "id is missing for doc "+strconv.Itoa(i))
		}
	}
	if msgs != nil {
		return validationError(msgs...)
	}
	return nil
}

func mgetParseError(reason string) *esError {
	return newError(http.StatusBadRequest, "parse_exception", reason)
}
