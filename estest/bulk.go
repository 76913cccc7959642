package estest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// action is one parsed bulk action.
type action struct {
	item    BulkItem
	source  []byte      // index, create
	update  *updateBody // update
	cas     cas         // if_seq_no, if_primary_term
	routing string
}

// actionMeta is the metadata of a bulk action line.
type actionMeta struct {
	Index         string          `json:"_index"`
	ID            json.RawMessage `json:"_id"`
	IfSeqNo       json.RawMessage `json:"if_seq_no"`
	IfPrimaryTerm json.RawMessage `json:"if_primary_term"`
	Routing       string          `json:"routing"`
}

// parseBulk parses an NDJSON bulk body as Elasticsearch's BulkRequestParser
// does: the body must end with a newline ("\r\n" allowed), each action line
// is an object with one of index, create, update, delete, followed by a
// source line except for delete. Blank lines between actions are skipped.
// Errors fail the whole request with 400.
func parseBulk(body []byte, defaultIndex string) ([]action, *esError) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, bodyRequired()
	}
	if body[len(body)-1] != '\n' {
		return nil, newError(http.StatusBadRequest, "illegal_argument_exception",
			`The bulk request must be terminated by a newline [\n]`)
	}
	lines := bytes.Split(body[:len(body)-1], []byte("\n"))
	var actions []action
	for i := 0; i < len(lines); i++ {
		line := bytes.TrimSuffix(lines[i], []byte("\r"))
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		a, e := parseAction(line, i+1, defaultIndex)
		if e != nil {
			return nil, e
		}
		a.item.Pos = len(actions)
		if a.item.Action != "delete" {
			i++
			if i >= len(lines) {
				return nil, validationError("source is missing")
			}
			if e := a.setSource(bytes.TrimSuffix(lines[i], []byte("\r"))); e != nil {
				return nil, e
			}
		}
		if msgs := a.cas.validate(a.item.Action, a.update); msgs != nil {
			return nil, validationError(msgs...)
		}
		actions = append(actions, a)
	}
	if len(actions) == 0 {
		return nil, validationError("no requests added")
	}
	return actions, nil
}

// parseAction parses the action line numbered lineNo. The index defaults
// to defaultIndex; an index or create action without an id gets a
// generated one.
func parseAction(line []byte, lineNo int, defaultIndex string) (action, *esError) {
	name, meta, e := parseActionLine(line, strconv.Itoa(lineNo))
	if e != nil {
		return action{}, e
	}
	k, e := parseCASMeta(meta.IfSeqNo, meta.IfPrimaryTerm)
	if e != nil {
		return action{}, e
	}
	a := action{item: BulkItem{Action: name, Index: cmp.Or(meta.Index, defaultIndex), ID: rawID(meta.ID)}, cas: k, routing: meta.Routing}
	if a.item.Index == "" {
		return action{}, validationError("index is missing")
	}
	if a.item.ID == "" {
		if name == "update" || name == "delete" {
			return action{}, validationError("id is missing")
		}
		a.item.ID = randomID(15)
	}
	return a, nil
}

// parseActionLine checks that line is {"<action>": {metadata}} and returns
// the action's name and metadata; lineNo numbers the line in errors.
func parseActionLine(line []byte, lineNo string) (string, actionMeta, *esError) {
	malformed := func(what string) *esError {
		return newError(http.StatusBadRequest, "illegal_argument_exception", "Malformed action/metadata line ["+lineNo+"], "+what)
	}
	if !isObject(line) {
		return "", actionMeta{}, malformed("expected START_OBJECT or END_OBJECT but found [VALUE_STRING]")
	}
	obj, err := parseObject(line)
	if err != nil {
		return "", actionMeta{}, newError(http.StatusBadRequest, "x_content_parse_exception", syntaxReason(line))
	}
	if len(obj) != 1 {
		return "", actionMeta{}, malformed("expected a simple value for field [_index] but found [START_OBJECT]")
	}
	name := obj[0].key
	switch name {
	case "index", "create", "update", "delete":
	default:
		return "", actionMeta{}, malformed("expected field [create], [delete], [index] or [update] but found [" + name + "]")
	}
	var meta actionMeta
	if !isObject(obj[0].val) || json.Unmarshal(obj[0].val, &meta) != nil {
		return "", actionMeta{}, malformed("expected START_OBJECT but found [VALUE_STRING]")
	}
	if e := checkActionMeta(obj[0].val, lineNo); e != nil {
		return "", actionMeta{}, e
	}
	return name, meta, nil
}

// checkActionMeta refuses action metadata estest does not emulate: a key
// Elasticsearch does not know, worded as its BulkRequestParser words it,
// and one it knows that would change the outcome here. retry_on_conflict
// has no effect (updates are applied atomically); routing is stored and
// reported as _routing (one shard holds every document, so it changes
// nothing else).
func checkActionMeta(meta []byte, lineNo string) *esError {
	fields, _ := parseObject(meta)
	for _, f := range fields {
		switch f.key {
		case "_index", "_id", "if_seq_no", "if_primary_term", "retry_on_conflict", "routing":
		case "pipeline", "version", "version_type", "require_alias", "require_data_stream",
			"_source", "dynamic_templates", "list_executed_pipelines":
			return newError(http.StatusBadRequest, "illegal_argument_exception",
				"estest does not support ["+f.key+"] in action/metadata line ["+lineNo+"]")
		default:
			return newError(http.StatusBadRequest, "illegal_argument_exception",
				"Action/metadata line ["+lineNo+"] contains an unknown parameter ["+f.key+"]")
		}
	}
	return nil
}

// setSource reads the line after the action: the document of index and
// create, the body of update.
func (a *action) setSource(line []byte) *esError {
	if a.item.Action != "update" {
		a.source = line
		return nil
	}
	u, e := parseUpdate(line)
	if e != nil {
		return e
	}
	a.update = u
	return nil
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
	actions, e := parseBulk(rq.body, rq.vars["index"])
	if e != nil {
		return e.response()
	}
	items := make([]json.RawMessage, 0, len(actions))
	failed := false
	for _, a := range actions {
		item, ok := c.applyItem(a, rq.faults.rejectBulk)
		items = append(items, item)
		failed = failed || !ok
	}
	return okJSON([]member{kv("took", time.Since(rq.start).Milliseconds()), kv("errors", failed), kv("items", items)})
}

// applyItem applies one bulk action unless reject (may be nil) refuses it,
// and renders its item; ok is false when the item failed.
func (c *Cluster) applyItem(a action, reject func(BulkItem) bool) (item json.RawMessage, ok bool) {
	it := a.item
	var fail *esError
	switch {
	case reject != nil && reject(it):
		fail = rejected("primary", len(a.source))
	case it.Action == "index" || it.Action == "create":
		fail = c.checkSource(a.source)
	}
	if fail == nil {
		fail = checkID(it.ID)
	}
	var obj []member
	if fail == nil {
		var res writeResult
		res, fail = c.store.apply(writeOp{action: it.Action, index: it.Index, id: it.ID, source: a.source, update: a.update, cas: a.cas, routing: a.routing})
		if fail == nil {
			obj = append(c.writeBody(res), kv("status", res.status))
		}
	}
	if fail != nil {
		obj = append(c.head(it.Index, it.ID), kv("status", fail.status), member{"error", fail.cause(false)})
	}
	return encodeObject([]member{{it.Action, encodeObject(obj)}}), fail == nil
}
