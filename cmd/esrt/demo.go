package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/internal/version"
	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
)

func versionString() string { return version.Version }

// demo starts a three-node in-process cluster and talks to it through an
// esrt chain, printing what happens.
func demo(ctx context.Context, out io.Writer) error {
	cluster, err := estest.Start(estest.Config{Nodes: 3, ClusterName: "esrt-demo"})
	if err != nil {
		return err
	}
	defer cluster.Close()
	fmt.Fprintf(out, "started cluster %q: %s\n", "esrt-demo", strings.Join(cluster.URLs(), ", "))

	retry, err := middleware.Retry(middleware.RetryConfig{MinBackoff: 50 * time.Millisecond})
	if err != nil {
		return err
	}
	var retries int
	hooks := &rt.Hooks{OnRetry: func(i rt.RetryInfo) {
		retries++
		fmt.Fprintf(out, "  retry: attempt %d after status %d, waiting %v\n", i.Attempt, i.StatusCode, i.Delay.Round(time.Millisecond))
	}}
	tr := rt.Chain(http.DefaultTransport, middleware.Headers(middleware.HeadersConfig{}), retry)
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	ctx = rt.WithHooks(ctx, hooks)
	base := cluster.URLs()[0]

	call := func(method, path, body string, into any) (int, error) {
		req, err := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
		if err != nil {
			return 0, err
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
			if strings.HasSuffix(path, "_bulk") {
				req.Header.Set("Content-Type", "application/x-ndjson")
			}
		}
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		if into != nil {
			if err := json.NewDecoder(res.Body).Decode(into); err != nil {
				return res.StatusCode, err
			}
		}
		return res.StatusCode, nil
	}

	var info struct {
		Name    string `json:"name"`
		Version struct {
			Number string `json:"number"`
		} `json:"version"`
	}
	if _, err := call("GET", "/", "", &info); err != nil {
		return err
	}
	fmt.Fprintf(out, "GET / answered by %s (Elasticsearch %s)\n", info.Name, info.Version.Number)

	bulk := `{"index":{"_index":"books","_id":"1"}}
{"title":"The Go Programming Language","year":2015}
{"index":{"_index":"books","_id":"2"}}
{"title":"Designing Data-Intensive Applications","year":2017}
{"index":{"_index":"books","_id":"3"}}
{"title":"Relevant Search","year":2016}
`
	var bulkRes struct {
		Errors bool  `json:"errors"`
		Items  []any `json:"items"`
	}
	if _, err := call("POST", "/_bulk", bulk, &bulkRes); err != nil {
		return err
	}
	fmt.Fprintf(out, "indexed %d books with _bulk (errors: %v)\n", len(bulkRes.Items), bulkRes.Errors)

	fmt.Fprintln(out, "the node will answer the next 2 requests with 503; esrt retries the search:")
	cluster.Node(0).FailNext(2, estest.Failure{Status: 503})
	var search struct {
		Hits struct {
			Hits []struct {
				Source struct {
					Title string `json:"title"`
				} `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	status, err := call("POST", "/books/_search", `{"query":{"match":{"title":"data search"}},"sort":[{"year":"asc"}]}`, &search)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "search answered %d after %d retries:\n", status, retries)
	for _, h := range search.Hits.Hits {
		fmt.Fprintf(out, "  - %s\n", h.Source.Title)
	}
	fmt.Fprintln(out, "done; the cluster shuts down with the demo")
	return nil
}
