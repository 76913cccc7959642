package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v9"
	"github.com/elastic/go-elasticsearch/v9/esutil"
	"github.com/opensearch-project/opensearch-go/v4"
	"github.com/opensearch-project/opensearch-go/v4/opensearchapi"
	"github.com/opensearch-project/opensearch-go/v4/opensearchutil"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/client"
	"github.com/esrt-dev/esrt/estest"
)

// Settings both bulk indexers share in BenchmarkBulkIndexer.
const (
	bulkWorkers    = 4
	bulkFlushBytes = 1 << 20
	bulkQueue      = bulkWorkers // go-elasticsearch's queue: NumWorkers × QueueSizeMultiplier (1)
)

// BenchmarkBulkIndexer indexes documents of about 200 bytes, each with an
// id, through go-elasticsearch's esutil.BulkIndexer (over its own
// transport), opensearch-go's opensearchutil.BulkIndexer and esrt's
// client.BulkIndexer (over esrt's), with the same
// workers, flush bytes and queue, into a three-node estest cluster. The
// cluster runs in a child process, a fresh one for each run, so that the
// allocations reported are the client's alone and each run starts from an
// empty store: one op is one document, so B/op and allocs/op are per
// document. docs/s counts from the first Add to the end of Close; on a
// small machine the cluster's work bounds it, so client-cpu-ns/doc reports
// the CPU time the client's process spent per document (not the
// cluster's).
// Each item is given as the library takes it: go-elasticsearch needs an
// io.ReadSeeker, esrt takes the []byte.
//
// The "429" cases run the same load against a cluster whose nodes answer
// every 50th bulk item they see (2 %) with a per-item 429
// es_rejected_execution_exception, not applied; lost-docs counts the
// documents missing from the index at the end and failed-docs those the
// indexer reported as failed. The documents carry ids, so a document sent
// twice is stored once: duplicates show in BenchmarkScenarioWriteReset, not
// here.
func BenchmarkBulkIndexer(b *testing.B) {
	docs := make([][]byte, 1024)
	for i := range docs {
		docs[i] = fmt.Appendf(nil, `{"title":"Document %d","user":"u%d","tags":["a","b","c"],"views":%d,"text":"%s"}`,
			i, i%97, i*31, strings.Repeat("lorem ipsum ", 10))
	}
	for _, rejectEvery := range []int{0, 50} {
		prefix := ""
		if rejectEvery > 0 {
			prefix = "429/"
		}
		for _, ct := range []struct {
			name string
			load func(b *testing.B, urls, ids []string, docs [][]byte) (failed uint64)
		}{
			{"go-elasticsearch", goesBulk},
			{"opensearch-go", opensearchBulk},
			{"esrt", esrtBulk},
		} {
			b.Run(prefix+ct.name, func(b *testing.B) {
				urls := startClusterProcess(b, 3, rejectEvery)
				ids := make([]string, b.N)
				for i := range ids {
					ids[i] = "d" + strconv.Itoa(i)
				}
				b.ReportAllocs()
				b.ResetTimer()
				start, cpu := time.Now(), cpuTime()
				failed := ct.load(b, urls, ids, docs)
				elapsed, cpu := time.Since(start), cpuTime()-cpu
				b.StopTimer()
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "docs/s")
				if cpu > 0 {
					b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "client-cpu-ns/doc")
				}
				n := countDocs(b, urls[0], bulkIndex)
				if rejectEvery == 0 && (failed != 0 || n != b.N) {
					b.Fatalf("%d documents stored, %d failed; want %d and 0", n, failed, b.N)
				}
				if rejectEvery > 0 {
					b.ReportMetric(float64(b.N-n), "lost-docs")
					b.ReportMetric(float64(failed), "failed-docs")
				}
			})
		}
	}
}

// bulkIndex is the index the benchmark loads.
const bulkIndex = "bench"

// goesBulk loads documents with go-elasticsearch's esutil.BulkIndexer.
func goesBulk(b *testing.B, urls, ids []string, docs [][]byte) uint64 {
	es, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: urls})
	if err != nil {
		b.Fatal(err)
	}
	bi, err := esutil.NewBulkIndexer(esutil.BulkIndexerConfig{
		Client: es, Index: bulkIndex, NumWorkers: bulkWorkers, FlushBytes: bulkFlushBytes,
		FlushInterval: 30 * time.Second, QueueSizeMultiplier: bulkQueue / bulkWorkers,
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for i, id := range ids {
		item := esutil.BulkIndexerItem{Action: "index", DocumentID: id, Body: bytes.NewReader(docs[i%len(docs)])}
		if err := bi.Add(ctx, item); err != nil {
			b.Fatal(err)
		}
	}
	if err := bi.Close(ctx); err != nil {
		b.Fatal(err)
	}
	return bi.Stats().NumFailed
}

// opensearchBulk loads documents with opensearch-go's
// opensearchutil.BulkIndexer.
func opensearchBulk(b *testing.B, urls, ids []string, docs [][]byte) uint64 {
	c, err := opensearchapi.NewClient(opensearchapi.Config{Client: opensearch.Config{Addresses: urls}})
	if err != nil {
		b.Fatal(err)
	}
	defer closeOpenSearch(c.Client)
	bi, err := opensearchutil.NewBulkIndexer(opensearchutil.BulkIndexerConfig{
		Client: c, Index: bulkIndex, NumWorkers: bulkWorkers, FlushBytes: bulkFlushBytes,
		FlushInterval: 30 * time.Second,
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for i, id := range ids {
		item := opensearchutil.BulkIndexerItem{Action: "index", DocumentID: id, Body: bytes.NewReader(docs[i%len(docs)])}
		if err := bi.Add(ctx, item); err != nil {
			b.Fatal(err)
		}
	}
	if err := bi.Close(ctx); err != nil {
		b.Fatal(err)
	}
	return bi.Stats().NumFailed
}

// esrtBulk loads documents with esrt's client.BulkIndexer.
func esrtBulk(b *testing.B, urls, ids []string, docs [][]byte) uint64 {
	tr, err := esrt.New(esrt.Config{Addresses: urls})
	if err != nil {
		b.Fatal(err)
	}
	defer tr.Close()
	bi, err := client.NewBulkIndexer(client.New(&http.Client{Transport: tr}), client.BulkIndexerConfig{
		Index: bulkIndex, Workers: bulkWorkers, FlushBytes: bulkFlushBytes,
		FlushCount:    1 << 30, // go-elasticsearch flushes by bytes only
		FlushInterval: 30 * time.Second, QueueSize: bulkQueue,
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for i, id := range ids {
		if err := bi.Add(ctx, client.BulkItem{ID: id, Body: docs[i%len(docs)]}); err != nil {
			b.Fatal(err)
		}
	}
	if err := bi.Close(ctx); err != nil {
		b.Fatal(err)
	}
	return bi.Stats().Failed
}

// countDocs asks the cluster how many documents index holds.
func countDocs(b *testing.B, url, index string) int {
	resp, err := http.Get(url + "/" + index + "/_count")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var c struct{ Count int }
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil {
		b.Fatal(err)
	}
	return c.Count
}

// clusterEnv, set in a child process, makes TestBulkClusterProcess serve
// an estest cluster of that many nodes; rejectEnv, when set to k, makes
// each node answer every k-th bulk item it sees with a per-item 429.
const (
	clusterEnv = "ESRT_BENCH_CLUSTER_NODES"
	rejectEnv  = "ESRT_BENCH_REJECT_EVERY"
)

// startClusterProcess runs an estest cluster of n nodes in a child process
// (this test binary, running TestBulkClusterProcess) and returns its node
// URLs; its nodes reject every rejectEvery-th bulk item (0: none). The
// child exits when the benchmark ends.
func startClusterProcess(b *testing.B, n, rejectEvery int) []string {
	cmd := exec.Command(os.Args[0], "-test.run=^TestBulkClusterProcess$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), clusterEnv+"="+strconv.Itoa(n), rejectEnv+"="+strconv.Itoa(rejectEvery))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("cluster process: %v", err)
	}
	go io.Copy(io.Discard, stdout)
	return strings.Fields(line)
}

// TestBulkClusterProcess is the child process of startClusterProcess: it
// serves a cluster, prints its URLs on one line and runs until its stdin
// closes. Run directly, it does nothing.
func TestBulkClusterProcess(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv(clusterEnv))
	if n == 0 {
		t.Skip("runs as BenchmarkBulkIndexer's cluster process")
	}
	c, err := estest.Start(estest.Config{Nodes: n, RequestLogSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if k, _ := strconv.Atoi(os.Getenv(rejectEnv)); k > 0 {
		for _, node := range c.Nodes() {
			var seen atomic.Int64
			node.RejectBulkItems(func(estest.BulkItem) bool { return seen.Add(1)%int64(k) == 0 })
		}
	}
	fmt.Println(strings.Join(c.URLs(), " "))
	io.Copy(io.Discard, os.Stdin) // until the parent closes it
}
