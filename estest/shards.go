package estest

// This file is the shard side of a search: which shards a search reads,
// the shard failures a test injects, and how Elasticsearch reports them.

import (
	"encoding/json"
	"net/http"
)

// ShardFailure is the cause a shard made to fail by [Cluster.FailShards]
// reports. The zero value is a query_shard_exception with status 400, as
// a query a shard cannot run reports it.
type ShardFailure struct {
	// Type is the exception type, such as "query_shard_exception" or
	// "no_shard_available_action_exception". If empty,
	// "query_shard_exception".
	Type string

	// Reason is the exception message. If empty, a message saying that
	// estest injected the failure.
	Reason string

	// Status is the HTTP status of the exception, which becomes the
	// status of the error answered when every shard of a search fails.
	// If zero, 400 when Type is empty and 500 otherwise.
	Status int
}

// FailShards makes every search, count and scroll that reads index
// (exact name, existing or not yet) report its shard as failed with f,
// until [Cluster.HealShards]. Such a search answers 200 without the
// index's documents, with _shards.failed counting the shard and
// _shards.failures describing it as Elasticsearch does ({"shard":0,
// "index":...,"node":...,"reason":{"type":...,"reason":...}}), unless
// every shard it reads failed, or one failed and the request says
// allow_partial_search_results=false: then it answers the error
// search_phase_execution_exception ("all shards failed" or "Partial
// shards failure") with f's status. Searches with a point in time opened
// earlier are affected too; a scroll keeps what its first search found.
// Document APIs (get, mget, writes) are not. A later call for the same
// index replaces f; FailShards is safe for concurrent use.
func (c *Cluster) FailShards(index string, f ShardFailure) {
	if f.Status == 0 {
		f.Status = http.StatusInternalServerError
		if f.Type == "" {
			f.Status = http.StatusBadRequest
		}
	}
	if f.Type == "" {
		f.Type = "query_shard_exception"
	}
	if f.Reason == "" {
		f.Reason = "shard failure injected by estest"
	}
	s := c.store
	s.mu.Lock()
	s.failing[index] = f
	s.mu.Unlock()
}

// HealShards ends [Cluster.FailShards] for index, or for every index when
// index is "".
func (c *Cluster) HealShards(index string) {
	s := c.store
	s.mu.Lock()
	defer s.mu.Unlock()
	if index == "" {
		clear(s.failing)
		return
	}
	delete(s.failing, index)
}

// scope is what a search reads: the documents of the shards that
// answered, how many shards it searched (one per index) and which failed.
type scope struct {
	docs   []searchDoc
	shards int
	failed []failedShard
}

// failedShard is one entry of _shards.failures or failed_shards.
type failedShard struct {
	shard int    // -1 when the shard is unknown (a missing scroll context)
	index string // "" renders null
	node  string // "" leaves the key out
	cause *esError
}

// newScope drops from docs the documents of the indices among names whose
// shards fail; node is the id reported for them. s.mu is held.
func (s *store) newScope(docs []searchDoc, names []string, node string) scope {
	sc := scope{shards: len(names)}
	down := map[string]bool{}
	for _, name := range names {
		f, ok := s.failing[name]
		if !ok {
			continue
		}
		down[name] = true
		extra := []member{kv("index", name)}
		if ix := s.indices[name]; ix != nil {
			extra = append(extra, kv("index_uuid", ix.uuid))
		}
		sc.failed = append(sc.failed, failedShard{index: name, node: node, cause: newError(f.Status, f.Type, f.Reason, extra...)})
	}
	if len(down) == 0 {
		sc.docs = docs
		return sc
	}
	for _, d := range docs {
		if !down[d.Index] {
			sc.docs = append(sc.docs, d)
		}
	}
	return sc
}

// shardsObject renders _shards: total, successful, skipped, failed and,
// when a shard failed, failures.
func (sc scope) shardsObject() json.RawMessage {
	n, failed := sc.shards, len(sc.failed)
	obj := []member{kv("total", n), kv("successful", n-failed), kv("skipped", 0), kv("failed", failed)}
	if failed > 0 {
		obj = append(obj, member{"failures", failuresJSON(sc.failed)})
	}
	return encodeObject(obj)
}

// failure is the error a search answers instead of its results: every
// shard failed, or one failed and partial results are not allowed.
func (sc scope) failure(allowPartial bool) *esError {
	switch {
	case len(sc.failed) == 0:
		return nil
	case len(sc.failed) == sc.shards:
		return phaseFailure("all shards failed", sc.failed, true)
	case !allowPartial:
		return phaseFailure("Partial shards failure", sc.failed, false)
	}
	return nil
}

// phaseFailure is Elasticsearch's SearchPhaseExecutionException for the
// query phase: the shard causes as root causes, the shards under
// failed_shards, the first cause as caused_by when withCause, and the
// status of the first cause unless a later one is a server error.
func phaseFailure(reason string, failed []failedShard, withCause bool) *esError {
	status := failed[0].cause.status
	for _, f := range failed[1:] {
		if f.cause.status >= 500 {
			status = f.cause.status
		}
	}
	e := newError(status, "search_phase_execution_exception", reason,
		kv("phase", "query"), kv("grouped", true), member{"failed_shards", failuresJSON(failed)})
	for _, f := range failed {
		e.roots = append(e.roots, f.cause)
	}
	if withCause {
		e.causedBy = failed[0].cause
	}
	return e
}

func failuresJSON(failed []failedShard) json.RawMessage {
	out := make([]json.RawMessage, 0, len(failed))
	for _, f := range failed {
		obj := []member{kv("shard", f.shard), {"index", json.RawMessage("null")}}
		if f.index != "" {
			obj[1] = kv("index", f.index)
		}
		if f.node != "" {
			obj = append(obj, kv("node", f.node))
		}
		out = append(out, encodeObject(append(obj, member{"reason", f.cause.cause(false)})))
	}
	return mustMarshal(out)
}

// dataNodeID is the id reported as holding the shards: the first live data
// node, else the node that answers.
func (c *Cluster) dataNodeID(rq *request) string {
	for _, n := range c.liveNodes() {
		if n.hasData() {
			return n.id
		}
	}
	return rq.node.id
}
