package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ErrNoPointInTime is returned by [Client.OpenPointInTime] when the
// cluster has no point-in-time API: Elasticsearch before 7.10, OpenSearch
// before 2.4.
var ErrNoPointInTime = errors.New("esrt: the cluster has no point-in-time API")

// pitAPI is the flavour of point-in-time API a cluster offers.
type pitAPI uint8

const (
	pitNone       pitAPI = iota // Elasticsearch < 7.10, OpenSearch < 2.4
	pitElastic                  // POST /{index}/_pit, DELETE /_pit
	pitOpenSearch               // POST /{index}/_search/point_in_time, DELETE /_search/point_in_time
)

// facts is what the client learns about a cluster from GET /, once.
type facts struct {
	pit pitAPI

	// shardDoc reports the _shard_doc sort field: Elasticsearch 7.12 and
	// later, OpenSearch 3.3 and later.
	shardDoc bool
}

// factsOf returns what the cluster offers, asking GET / once per Client
// (again after a failed attempt).
func (c *Client) factsOf(ctx context.Context) (facts, error) {
	if f := c.facts.Load(); f != nil {
		return *f, nil
	}
	info, err := c.Info(ctx)
	if err != nil {
		return facts{}, err
	}
	f := factsFor(info.Version)
	c.facts.Store(&f)
	return f, nil
}

// factsFor returns the facts of a server version.
func factsFor(v Version) facts {
	major, minor := versionNumber(v.Number)
	atLeast := func(ma, mi int) bool { return major > ma || major == ma && minor >= mi }
	if v.OpenSearch() {
		f := facts{shardDoc: atLeast(3, 3)}
		if atLeast(2, 4) {
			f.pit = pitOpenSearch
		}
		return f
	}
	f := facts{shardDoc: atLeast(7, 12)}
	if atLeast(7, 10) {
		f.pit = pitElastic
	}
	return f
}

// versionNumber reads "8.19.0" (or "9.0.0-SNAPSHOT") as 8 and 19.
func versionNumber(s string) (major, minor int) {
	parts := strings.SplitN(s, ".", 3)
	major, _ = strconv.Atoi(parts[0])
	if len(parts) > 1 {
		minor, _ = strconv.Atoi(parts[1])
	}
	return major, minor
}

// OpenPointInTime opens a point in time over indices, kept alive for
// keepAlive between searches, and returns its id: a search whose body has
// {"pit":{"id":...}} reads the indices as they were now. It uses
// Elasticsearch's API (POST /{index}/_pit) or OpenSearch's (POST
// /{index}/_search/point_in_time), whichever the cluster has, asking GET /
// once per Client to tell; without either it returns [ErrNoPointInTime].
// Close it with [Client.ClosePointInTime].
func (c *Client) OpenPointInTime(ctx context.Context, indices []string, keepAlive time.Duration) (string, error) {
	if keepAlive <= 0 {
		return "", inputError("open_point_in_time", "keep-alive must be positive")
	}
	f, err := c.factsOf(ctx)
	if err != nil {
		return "", err
	}
	var k *call
	switch f.pit {
	case pitElastic:
		k, err = indicesCall("open_point_in_time", http.MethodPost, indices, "_pit")
	case pitOpenSearch:
		k, err = indicesCall("create_pit", http.MethodPost, indices, "_search/point_in_time")
	default:
		return "", ErrNoPointInTime
	}
	if err != nil {
		return "", err
	}
	k.query = url.Values{"keep_alive": {durationParam(keepAlive)}}
	var out struct {
		ID    string `json:"id"`     // Elasticsearch
		PitID string `json:"pit_id"` // OpenSearch
	}
	if err := c.json(ctx, k, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		out.ID = out.PitID
	}
	if out.ID == "" {
		return "", inputError(k.id, "the answer holds no point-in-time id")
	}
	return out.ID, nil
}

// ClosePointInTime closes the point in time id, freeing what it holds on
// the cluster. One that expired or was closed is an *Error for which
// [IsNotFound] is true.
func (c *Client) ClosePointInTime(ctx context.Context, id string) error {
	if id == "" {
		return inputError("close_point_in_time", "no point-in-time id")
	}
	f, err := c.factsOf(ctx)
	if err != nil {
		return err
	}
	var k *call
	switch f.pit {
	case pitElastic:
		k = &call{id: "close_point_in_time", method: http.MethodDelete, path: "/_pit",
			body: map[string]string{"id": id}}
	case pitOpenSearch:
		k = &call{id: "delete_pit", method: http.MethodDelete, path: "/_search/point_in_time",
			body: map[string][]string{"pit_id": {id}}}
	default:
		return ErrNoPointInTime
	}
	var out struct {
		Succeeded *bool `json:"succeeded"` // Elasticsearch
		Pits      []struct {
			Successful bool `json:"successful"`
		} `json:"pits"` // OpenSearch
	}
	if err := c.json(ctx, k, &out); err != nil {
		return err
	}
	ok := out.Succeeded != nil && *out.Succeeded || len(out.Pits) > 0 && out.Pits[0].Successful
	if !ok {
		return &Error{Endpoint: k.id, Status: http.StatusNotFound, Reason: "point in time not closed: not found"}
	}
	return nil
}
