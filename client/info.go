package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// InfoResponse is the answer of GET /: who the cluster is and what it runs.
type InfoResponse struct {
	Name        string  `json:"name"`
	ClusterName string  `json:"cluster_name"`
	ClusterUUID string  `json:"cluster_uuid"`
	Version     Version `json:"version"`
	Tagline     string  `json:"tagline"`
}

// Version is the version object of [InfoResponse].
type Version struct {
	// Number is the server's version: "9.1.0", "2.10.0".
	Number string `json:"number"`

	// Distribution is "opensearch" on OpenSearch and "" on Elasticsearch.
	Distribution string `json:"distribution"`

	// BuildFlavor is "default" (or "oss" on old Elasticsearch); "" on
	// OpenSearch.
	BuildFlavor                      string `json:"build_flavor"`
	BuildType                        string `json:"build_type"`
	BuildHash                        string `json:"build_hash"`
	BuildDate                        string `json:"build_date"`
	BuildSnapshot                    bool   `json:"build_snapshot"`
	LuceneVersion                    string `json:"lucene_version"`
	MinimumWireCompatibilityVersion  string `json:"minimum_wire_compatibility_version"`
	MinimumIndexCompatibilityVersion string `json:"minimum_index_compatibility_version"`
}

// OpenSearch reports whether the server is OpenSearch.
func (v Version) OpenSearch() bool { return v.Distribution == "opensearch" }

// Info calls GET /.
func (c *Client) Info(ctx context.Context) (*InfoResponse, error) {
	var out InfoResponse
	return &out, c.json(ctx, &call{id: "info", method: http.MethodGet, path: "/"}, &out)
}

// Ping calls HEAD / and reports whether the cluster answered 200. A 404
// is false; any other status is an *Error (a 401 says why the cluster will
// not answer), and so is a request that could not be sent.
func (c *Client) Ping(ctx context.Context) (bool, error) {
	return c.exists(ctx, &call{id: "ping", method: http.MethodHead, path: "/"})
}

// HealthRequest holds the parameters of [Client.Health]. The zero value
// asks for the health of the whole cluster, without waiting.
type HealthRequest struct {
	// Index limits the health to these indices.
	Index []string

	// WaitForStatus waits until the status is this one or better:
	// "green", "yellow" or "red".
	WaitForStatus string

	// Timeout bounds the wait on the server side; 0 is the server's
	// default (30s). When it passes, the answer has TimedOut set and
	// status 408, which Health returns without an error.
	Timeout time.Duration
}

// HealthResponse is the answer of GET /_cluster/health.
type HealthResponse struct {
	ClusterName                 string  `json:"cluster_name"`
	Status                      string  `json:"status"`
	TimedOut                    bool    `json:"timed_out"`
	NumberOfNodes               int     `json:"number_of_nodes"`
	NumberOfDataNodes           int     `json:"number_of_data_nodes"`
	ActivePrimaryShards         int     `json:"active_primary_shards"`
	ActiveShards                int     `json:"active_shards"`
	RelocatingShards            int     `json:"relocating_shards"`
	InitializingShards          int     `json:"initializing_shards"`
	UnassignedShards            int     `json:"unassigned_shards"`
	DelayedUnassignedShards     int     `json:"delayed_unassigned_shards"`
	NumberOfPendingTasks        int     `json:"number_of_pending_tasks"`
	NumberOfInFlightFetch       int     `json:"number_of_in_flight_fetch"`
	TaskMaxWaitingInQueueMillis int64   `json:"task_max_waiting_in_queue_millis"`
	ActiveShardsPercent         float64 `json:"active_shards_percent_as_number"`
}

// Health calls GET /_cluster/health. A wait that timed out (status 408 with
// timed_out true) is an answer, not an error: check TimedOut.
func (c *Client) Health(ctx context.Context, r HealthRequest) (*HealthResponse, error) {
	k := &call{id: "cluster.health", method: http.MethodGet, path: "/_cluster/health"}
	if len(r.Index) > 0 {
		k.path += "/" + list(r.Index)
		k.indices = r.Index
		k.params = map[string]string{"index": joinNames(r.Index)}
	}
	q := url.Values{}
	if r.WaitForStatus != "" {
		q.Set("wait_for_status", r.WaitForStatus)
	}
	if r.Timeout > 0 {
		q.Set("timeout", durationParam(r.Timeout))
	}
	k.query = q
	var out HealthResponse
	rp, err := c.do(ctx, k)
	if err != nil && !(rp != nil && rp.status == http.StatusRequestTimeout) {
		return nil, err
	}
	return &out, decode(k.id, rp, &out)
}

// json sends k and decodes a successful answer into out.
func (c *Client) json(ctx context.Context, k *call, out any) error {
	rp, err := c.do(ctx, k)
	if err != nil {
		return err
	}
	return decode(k.id, rp, out)
}

// exists sends a HEAD request k: 200 is true, 404 false, and any other
// answer an *Error.
func (c *Client) exists(ctx context.Context, k *call) (bool, error) {
	_, err := c.do(ctx, k)
	var e *Error
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &e) && e.Status == http.StatusNotFound:
		return false, nil
	}
	return false, err
}

// durationParam writes d as Elasticsearch's time units read it: whole
// seconds as "30s", whole milliseconds as "1500ms", else microseconds.
func durationParam(d time.Duration) string {
	switch {
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	case d%time.Millisecond == 0:
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	}
	return strconv.FormatInt(d.Microseconds(), 10) + "micros"
}
