package client_test

import (
	"context"
	"testing"

	"github.com/esrt-dev/esrt/client"
	"github.com/esrt-dev/esrt/estest"
)

// TestScanFlavours scans the same documents on each kind of cluster: the
// point-in-time API of Elasticsearch or OpenSearch, or a scroll where there
// is none, each sliced and not; each document once, the context closed.
func TestScanFlavours(t *testing.T) {
	tests := []struct {
		name          string
		cfg           estest.Config
		paged, closed string // path suffixes of a page request and of the close
		closeMethod   string
	}{
		{"elasticsearch 9", estest.Config{}, "/_search", "/_pit", "DELETE"},
		{"elasticsearch 7.9 scrolls", estest.Config{Version: "7.9.3"}, "/_search/scroll", "/_search/scroll", "DELETE"},
		{"opensearch 2.19", estest.Config{Product: estest.OpenSearch}, "/_search", "/_search/point_in_time", "DELETE"},
		{"opensearch 2.3 scrolls", estest.Config{Product: estest.OpenSearch, Version: "2.3.0"}, "/_search/scroll", "/_search/scroll", "DELETE"},
	}
	for _, tt := range tests {
		for _, slices := range []int{1, 3} {
			t.Run(tt.name+slicesName(slices), func(t *testing.T) {
				tt.cfg.Nodes = 2
				c, es, _ := newCluster(t, tt.cfg)
				load(t, c, "nums", 1234)
				seen := map[string]int{}
				last := -1
				for hit, err := range client.Scan[numbered](context.Background(), es, client.ScanRequest{
					Index: []string{"nums"}, Body: `{"sort":[{"n":"asc"}]}`, PageSize: 100, Slices: slices,
				}) {
					if err != nil {
						t.Fatal(err)
					}
					seen[hit.ID]++
					if slices == 1 && hit.Source.N != last+1 {
						t.Fatalf("%d after %d: out of order", hit.Source.N, last)
					}
					last = hit.Source.N
				}
				if len(seen) != 1234 {
					t.Fatalf("scanned %d distinct documents, want 1234", len(seen))
				}
				for id, n := range seen {
					if n != 1 {
						t.Fatalf("%s seen %d times", id, n)
					}
				}
				if requests(c, "POST", tt.paged) == 0 {
					t.Errorf("no page request to %s", tt.paged)
				}
				if got := requests(c, tt.closeMethod, tt.closed); got != 1 {
					t.Errorf("%d closes of %s, want 1", got, tt.closed)
				}
			})
		}
	}
}

func slicesName(n int) string {
	if n == 1 {
		return ""
	}
	return ", sliced"
}

// TestScanBreakSliced: breaking out of a sliced scan stops every slice and
// closes the point in time once.
func TestScanBreakSliced(t *testing.T) {
	c, es, _ := newCluster(t, estest.Config{Nodes: 1})
	load(t, c, "nums", 3000)
	n := 0
	for _, err := range client.Scan[numbered](context.Background(), es, client.ScanRequest{
		Index: []string{"nums"}, PageSize: 50, Slices: 4,
	}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 120 {
			break
		}
	}
	if got := requests(c, "DELETE", "/_pit"); got != 1 {
		t.Errorf("%d point-in-time closes, want 1", got)
	}
}

// TestScanShardFailure: a page on which a shard failed ends the scan with
// an error instead of silently missing its documents.
func TestScanShardFailure(t *testing.T) {
	c, es, _ := newCluster(t, estest.Config{Nodes: 1})
	load(t, c, "a", 10)
	load(t, c, "b", 10)
	c.FailShards("b", estest.ShardFailure{})
	var last error
	n := 0
	for _, err := range client.Scan[numbered](context.Background(), es, client.ScanRequest{Index: []string{"a", "b"}}) {
		n++
		last = err
	}
	if last == nil || n != 1 {
		t.Fatalf("scan with a failed shard yielded %d values ending in %v, want one error", n, last)
	}
}

// TestScanEveryIndex: a scan that names no index reads every index, with
// a point in time as with a scroll.
func TestScanEveryIndex(t *testing.T) {
	for _, cfg := range []estest.Config{{Nodes: 1}, {Nodes: 1, Version: "7.9.3"}} {
		c, es, _ := newCluster(t, cfg)
		load(t, c, "a", 30)
		load(t, c, "b", 20)
		n := 0
		for _, err := range client.Scan[numbered](context.Background(), es, client.ScanRequest{PageSize: 7}) {
			if err != nil {
				t.Fatalf("version %q: %v", cfg.Version, err)
			}
			n++
		}
		if n != 50 {
			t.Errorf("version %q: scanned %d documents of every index, want 50", cfg.Version, n)
		}
	}
}
