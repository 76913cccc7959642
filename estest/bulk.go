package estest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// bulkOp is one parsed bulk action.
type bulkOp struct {
	item   BulkItem
	source []byte      // index, create
	update *updateBody // update
}

// parseBulk parses an NDJSON bulk body as Elasticsearch's BulkRequestParser
// does: the body must end with a newline ("\r\n" allowed), each action line
// is an object with one of index, create, update, delete, followed by a
// source line except for delete. Blank lines between actions are skipped.
// Errors fail the whole request with 400.
func parseBulk(body []byte, defaultIndex string) ([]bulkOp, *esError) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, bodyRequired()
	}
	if body[len(body)-1] != '\n' {
		return nil, newError(http.StatusBadRequest, "illegal_argument_exception",
			`The bulk request must be terminated by a newline [\n]`)
	}
	lines := bytes.Split(body[:len(body)-1], []byte("\n"))
	var ops []bulkOp
	for i := 0; i < len(lines); i++ {
		line := bytes.TrimSuffix(lines[i], []byte("\r"))
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		lineNo := strconv.Itoa(i + 1)
		if !isObject(line) {
			return nil, newError(http.StatusBadRequest, "illegal_argument_exception",
				"Malformed action/metadata line ["+lineNo+"], expected START_OBJECT or END_OBJECT but found [VALUE_STRING]")
		}
		obj, err := parseObject(line)
		if err != nil {
			return nil, newError(http.StatusBadRequest, "x_content_parse_exception", jsonError(line))
		}
		if len(obj) != 1 {
			return nil, newError(http.StatusBadRequest, "illegal_argument_exception",
				"Malformed action/metadata line ["+lineNo+"], expected a simple value for field [_index] but found [START_OBJECT]")
		}
		action := obj[0].key
		switch action {
		case "index", "create", "update", "delete":
		default:
			return nil, newError(http.StatusBadRequest, "illegal_argument_exception",
				"Malformed action/metadata line ["+lineNo+"], expected field [create], [delete], [index] or [update] but found ["+action+"]")
		}
		var meta struct {
			Index string          `json:"_index"`
			ID    json.RawMessage `json:"_id"`
		}
		if !isObject(obj[0].val) || json.Unmarshal(obj[0].val, &meta) != nil {
			return nil, newError(http.StatusBadRequest, "illegal_argument_exception",
				"Malformed action/metadata line ["+lineNo+"], expected START_OBJECT but found [VALUE_STRING]")
		}
		op := bulkOp{item: BulkItem{Pos: len(ops), Action: action, Index: meta.Index, ID: rawID(meta.ID)}}
		if op.item.Index == "" {
			op.item.Index = defaultIndex
		}
		if op.item.Index == "" {
			return nil, validationError("index is missing")
		}
		if op.item.ID == "" {
			if action == "update" || action == "delete" {
				return nil, validationError("id is missing")
			}
			op.item.ID = randomID(15)
		}
		if action != "delete" {
			i++
			if i >= len(lines) {
				return nil, validationError("source is missing")
			}
			src := bytes.TrimSuffix(lines[i], []byte("\r"))
			if action == "update" {
				u, e := parseUpdate(src)
				if e != nil {
					return nil, e
				}
				op.update = u
			} else {
				op.source = src
			}
		}
		ops = append(ops, op)
	}
	if len(ops) == 0 {
		return nil, validationError("no requests added")
	}
	return ops, nil
}

// rawID turns a JSON _id (string or number) into its text.
func rawID(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	t := strings.TrimSpace(string(raw))
	if t == "null" {
		return ""
	}
	return t
}

// bulk answers POST|PUT /_bulk and /{index}/_bulk: 200 with one item per
// action in order, "errors" true when any item failed. Items chosen by
// Node.RejectBulkItems are answered 429 and not applied.
func (c *Cluster) bulk(rq *request) response {
	ops, e := parseBulk(rq.body, rq.vars["index"])
	if e != nil {
		return e.response()
	}
	reject := rq.faults.rejectBulk
	items := make([]json.RawMessage, 0, len(ops))
	failed := false
	for _, op := range ops {
		it := op.item
		var obj []member
		var fail *esError
		switch {
		case reject != nil && reject(it):
			fail = rejected("primary", len(op.source))
		case op.item.Action == "index" || op.item.Action == "create":
			fail = c.checkSource(op.source)
		}
		if fail == nil {
			fail = checkID(it.ID)
		}
		if fail == nil {
			var res writeResult
			res, fail = c.store.apply(writeOp{action: it.Action, index: it.Index, id: it.ID, source: op.source, update: op.update})
			if fail == nil {
				obj = append(c.writeBody(res), kv("status", res.status))
			}
		}
		if fail != nil {
			failed = true
			obj = append(c.head(it.Index, it.ID), kv("status", fail.status), member{"error", fail.cause(false)})
		}
		items = append(items, encodeObject([]member{{it.Action, encodeObject(obj)}}))
	}
	return okJSON([]member{kv("took", time.Since(rq.start).Milliseconds()), kv("errors", failed), kv("items", items)})
}
