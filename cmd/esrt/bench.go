package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/client"
	"github.com/esrt-dev/esrt/estest"
)

const benchUsage = `usage: esrt bench [flags]

Runs a bounded load test through esrt's full default chain and typed
client: --concurrency workers send a mix of searches, gets and indexing
calls for --duration, against the cluster of --url, or without --url (and
--cloud-id) against an in-process three-node cluster (package estest):
$ELASTICSEARCH_URL is not read.
It first indexes --docs documents into --index, which gets and searches
then read, and deletes that index at the end: the index must not exist. A progress bar
shows on a terminal, a line a second otherwise; at the end it prints the
throughput and the latency percentiles (p50, p90, p99, max) by operation.

The exit status is 0 when every request succeeded, 1 when the cluster
cannot be reached or a request failed (the first error is printed), 2
for a wrong command line.

flags:
  --concurrency N     workers sending requests at once (default 8)
  --duration D        how long to send, such as 10s or 1m (default 10s)
  --mix MIX           operations and their weights
                      (default search=70,get=20,index=10)
  --index NAME        the index the benchmark creates and deletes; it must
                      not exist (default esrt-bench)
  --docs N            documents indexed before the run (default 1000)

` + connUsage

// benchOpts are the settings of one benchmark.
type benchOpts struct {
	concurrency, docs int
	duration          time.Duration
	mix               mix
	index             string
}

// benchCmd runs "esrt bench".
func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("esrt bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var conn connFlags
	conn.register(fs)
	var o benchOpts
	fs.IntVar(&o.concurrency, "concurrency", 8, "")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "")
	mixFlag := fs.String("mix", "search=70,get=20,index=10", "")
	fs.StringVar(&o.index, "index", "esrt-bench", "")
	fs.IntVar(&o.docs, "docs", 1000, "")
	if code, done := parseFlags(fs, args, "bench", benchUsage, stdout, stderr); done {
		return code
	}
	m, err := parseMix(*mixFlag)
	o.mix = m
	switch {
	case fs.NArg() > 0:
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case err != nil:
	case o.concurrency < 1 || o.concurrency > 10000:
		err = fmt.Errorf("--concurrency must be from 1 to 10000, not %d", o.concurrency)
	case o.duration <= 0:
		err = fmt.Errorf("--duration must be above 0, not %s", o.duration)
	case o.docs < 1:
		err = fmt.Errorf("--docs must be at least 1, not %d", o.docs)
	case strings.TrimSpace(o.index) == "" || strings.ContainsAny(o.index, `/\*?"<>| ,#`):
		err = fmt.Errorf("--index: %q is not an index name", o.index)
	}
	if err != nil {
		fmt.Fprintf(stderr, "esrt bench: %v\n\n%s", err, benchUsage)
		return 2
	}
	cfg, sec, err := benchConfig(ctx, &conn, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "esrt bench: %s\n", sec.scrub(oneLine(err)))
		return 2
	}
	if cfg.cluster != nil {
		defer cfg.cluster.Close()
	}
	tr, err := esrt.New(cfg.Config)
	if err != nil {
		return failed(stderr, "bench", sec, err)
	}
	defer tr.Close()
	if err := bench(ctx, client.New(&http.Client{Transport: tr}), o, cfg.where, stdout); err != nil {
		return failed(stderr, "bench", sec, err)
	}
	return 0
}

// benchTarget is the cluster a benchmark runs against.
type benchTarget struct {
	esrt.Config
	cluster *estest.Cluster // the in-process cluster, or nil
	where   string
}

// benchConfig returns the chain's configuration: the flags', or that of
// an in-process cluster when they name none.
func benchConfig(ctx context.Context, conn *connFlags, stderr io.Writer) (benchTarget, secrets, error) {
	if len(conn.urls) > 0 || conn.cloudID != "" {
		cfg, sec, err := conn.config(ctx, stderr)
		where := fmt.Sprintf("%d node address(es)", len(conn.urls))
		if conn.cloudID != "" {
			where = "an Elastic Cloud deployment"
		}
		return benchTarget{Config: cfg, where: where}, sec, err
	}
	cluster, err := estest.Start(estest.Config{Nodes: 3, ClusterName: "esrt-bench", RequestLogSize: 64})
	if err != nil {
		return benchTarget{}, nil, fmt.Errorf("starting the in-process cluster: %w", err)
	}
	cfg, sec, err := conn.config(ctx, stderr)
	cfg.Addresses = cluster.URLs()
	return benchTarget{Config: cfg, cluster: cluster, where: "an in-process three-node cluster"}, sec, err
}

// bench prepares the index, runs the workload with a progress display and
// prints the results. Its error is the first one a request met.
func bench(ctx context.Context, es *client.Client, o benchOpts, where string, out io.Writer) error {
	pingCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := es.Info(pingCtx); err != nil {
		return fmt.Errorf("the cluster does not answer: %s", describe(err))
	}
	exists, err := es.IndexExists(pingCtx, o.index)
	switch {
	case err != nil:
		return err
	case exists:
		return fmt.Errorf("the index %s exists: bench writes its own documents and deletes the index at the end, "+
			"so it uses only an index that does not exist yet (choose one with --index)", o.index)
	}
	w := &workload{es: es, index: o.index, docs: o.docs, mix: o.mix}
	fmt.Fprintf(out, "esrt bench: %d documents into %s on %s\n", o.docs, o.index, where)
	defer func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		es.DeleteIndex(ctx, o.index)
	}()
	if err := w.seed(ctx); err != nil {
		return fmt.Errorf("indexing the documents: %w", err)
	}
	fmt.Fprintf(out, "running %d workers for %s: %s\n", o.concurrency, o.duration, o.mix)
	start := time.Now()
	w.rec = newRecorder(start)
	stop := make(chan struct{})
	wait := w.run(ctx, o.concurrency, stop)
	progress(ctx, out, w.rec, start, o.duration)
	close(stop)
	wait()
	elapsed := time.Since(start)
	printBench(out, w.rec, elapsed)
	if ctx.Err() != nil {
		return errors.New("interrupted")
	}
	if n := w.rec.errorCount(); n > 0 {
		return fmt.Errorf("%d request(s) failed; the first: %s", n, describe(w.rec.firstError()))
	}
	return nil
}

// String writes a mix as the --mix flag takes it.
func (m mix) String() string {
	parts := make([]string, len(m))
	for i, e := range m {
		parts[i] = fmt.Sprintf("%s=%d", e.op, e.weight)
	}
	return strings.Join(parts, ",")
}

// printBench prints the throughput and the latency percentiles.
func printBench(out io.Writer, rec *recorder, elapsed time.Duration) {
	totals := rec.totals(ops)
	all := totals[len(totals)-1]
	fmt.Fprintf(out, "\n%d requests in %.1fs: %.0f requests/s, %d error(s)\n\n", all.calls, elapsed.Seconds(),
		float64(all.calls)/elapsed.Seconds(), all.errors)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "OPERATION\tREQUESTS\tERRORS\tP50\tP90\tP99\tMAX")
	for _, s := range totals {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\n", s.op, s.calls, s.errors, fmtDur(s.p50), fmtDur(s.p90), fmtDur(s.p99), fmtDur(s.max))
	}
	tw.Flush()
}
