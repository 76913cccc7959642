package estest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

const (
	buildHash = "0d8a8e8f1e2a3b4c5d6e7f8091a2b3c4d5e6f708"
	buildDate = "2025-07-17T10:00:00.000000000Z"
)

func okJSON(obj []member) response { return response{status: http.StatusOK, body: encodeObject(obj)} }

// versionObject is GET /'s "version". The compatibility versions and
// Lucene's follow the major as the real releases report them (9.1.0:
// wire 8.19.0, Lucene 10.2.2; 8.19: wire 7.17.0, Lucene 9.12.2).
func (c *Cluster) versionObject() []member {
	wire := strconv.Itoa(c.major-1) + ".17.0"
	lucene := "9.12.2"
	if c.major >= 9 {
		wire = strconv.Itoa(c.major-1) + ".19.0"
		lucene = "10.2.2"
	}
	index := strconv.Itoa(c.major-1) + ".0.0"
	if c.product == OpenSearch {
		return []member{kv("distribution", "opensearch"), kv("number", c.version), kv("build_type", "tar"),
			kv("build_hash", buildHash), kv("build_date", buildDate), kv("build_snapshot", false),
			kv("lucene_version", "9.12.1"), kv("minimum_wire_compatibility_version", "7.10.0"),
			kv("minimum_index_compatibility_version", "7.0.0")}
	}
	return []member{kv("number", c.version), kv("build_flavor", "default"), kv("build_type", "docker"),
		kv("build_hash", buildHash), kv("build_date", buildDate), kv("build_snapshot", false),
		kv("lucene_version", lucene), kv("minimum_wire_compatibility_version", wire),
		kv("minimum_index_compatibility_version", index)}
}

// root answers GET / and HEAD /.
func (c *Cluster) root(rq *request) response {
	tagline := "You Know, for Search"
	if c.product == OpenSearch {
		tagline = "The OpenSearch Project: https://opensearch.org/"
	}
	return okJSON([]member{kv("name", rq.node.name), kv("cluster_name", c.clusterName), kv("cluster_uuid", c.uuid),
		{"version", encodeObject(c.versionObject())}, kv("tagline", tagline)})
}

// liveNodes returns the nodes that are listening.
func (c *Cluster) liveNodes() []*Node {
	var out []*Node
	for _, n := range c.nodes {
		if n.Alive() {
			out = append(out, n)
		}
	}
	return out
}

// copies is how many copies of a shard (primary and one replica) are
// assigned: one per live data node, at most two.
func (c *Cluster) copies() int {
	data := 0
	for _, n := range c.liveNodes() {
		if n.hasData() {
			data++
		}
	}
	return max(1, min(2, data))
}

func (n *Node) hasData() bool {
	return slices.ContainsFunc(n.roles, func(r string) bool { return r == "data" || strings.HasPrefix(r, "data_") })
}

// nodesInfo answers GET /_nodes/http and its variants with the live nodes,
// in the shape of the 7.x and 8.x fixtures. The node filter is ignored.
func (c *Cluster) nodesInfo(*request) response {
	live := c.liveNodes()
	nodes := make([]member, 0, len(live))
	for _, n := range live {
		publish := n.addr
		if c.cfg.PublishHostname {
			publish = "localhost/" + n.addr
		}
		info := []member{kv("name", n.name), kv("transport_address", "127.0.0.1:"+strconv.Itoa(9300+n.index)),
			kv("host", "127.0.0.1"), kv("ip", "127.0.0.1"), kv("version", c.version)}
		if c.product == Elasticsearch {
			info = append(info, kv("build_flavor", "default"), kv("build_type", "docker"))
		} else {
			info = append(info, kv("build_type", "tar"))
		}
		roles := n.Roles()
		slices.Sort(roles)
		info = append(info, kv("build_hash", buildHash), kv("roles", roles), kv("attributes", n.attrs),
			member{"http", encodeObject([]member{kv("bound_address", []string{n.addr}), kv("publish_address", publish),
				kv("max_content_length_in_bytes", maxContentLength)})})
		nodes = append(nodes, member{n.id, encodeObject(info)})
	}
	return okJSON([]member{
		{"_nodes", encodeObject([]member{kv("total", len(live)), kv("successful", len(live)), kv("failed", 0)})},
		kv("cluster_name", c.clusterName),
		{"nodes", encodeObject(nodes)},
	})
}

// health answers GET /_cluster/health at once (wait_for_* parameters are
// ignored): green with two or more live data nodes, else yellow because
// replicas cannot be assigned.
func (c *Cluster) health(rq *request) response {
	if l := rq.params.Get("level"); rq.params.Has("level") && l != "cluster" {
		return newError(http.StatusBadRequest, "illegal_argument_exception",
			"estest reports cluster health at level [cluster] only, not ["+l+"]").response()
	}
	live := c.liveNodes()
	data := 0
	for _, n := range live {
		if n.hasData() {
			data++
		}
	}
	c.store.mu.Lock()
	indices := len(c.store.indices)
	c.store.mu.Unlock()
	status, active, unassigned := "green", 2*indices, 0
	if data < 2 {
		status, active, unassigned = "yellow", indices, indices
	}
	if indices == 0 {
		status = "green"
	}
	percent := 100.0
	if active+unassigned > 0 {
		percent = 100 * float64(active) / float64(active+unassigned)
	}
	timedOut, e := healthTimedOut(rq, status)
	if e != nil {
		return e.response()
	}
	resp := okJSON([]member{kv("cluster_name", c.clusterName), kv("status", status), kv("timed_out", timedOut),
		kv("number_of_nodes", len(live)), kv("number_of_data_nodes", data),
		kv("active_primary_shards", indices), kv("active_shards", active), kv("relocating_shards", 0),
		kv("initializing_shards", 0), kv("unassigned_shards", unassigned), kv("unassigned_primary_shards", 0),
		kv("delayed_unassigned_shards", 0), kv("number_of_pending_tasks", 0), kv("number_of_in_flight_fetch", 0),
		kv("task_max_waiting_in_queue_millis", 0), kv("active_shards_percent_as_number", percent)})
	if timedOut {
		resp.status = http.StatusRequestTimeout
	}
	return resp
}

// healthTimedOut reports whether wait_for_status asks for a better status
// than the cluster has: Elasticsearch waits for timeout and answers 408
// with timed_out true; estest's health changes only when a test acts, so
// it answers at once.
func healthTimedOut(rq *request, status string) (bool, *esError) {
	if !rq.params.Has("wait_for_status") {
		return false, nil
	}
	rank := map[string]int{"green": 0, "yellow": 1, "red": 2}
	want, ok := rank[rq.params.Get("wait_for_status")]
	if !ok {
		return false, newError(http.StatusBadRequest, "illegal_argument_exception",
			"unknown cluster health status ["+rq.params.Get("wait_for_status")+"]")
	}
	return rank[status] > want, nil
}
