package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/client"
	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/internal/version"
	"github.com/esrt-dev/esrt/rt"
)

func versionString() string { return version.Version }

const demoUsage = `usage: esrt demo [--duration D] [--report FILE.html]

Starts an in-process three-node Elasticsearch stand-in (package estest) on
loopback ports and runs a mixed workload against it through esrt's default
chain and typed client: searches, gets and indexing calls from four
workers, and a stream of documents through the bulk indexer. Meanwhile a
script breaks the cluster: one node is killed, another slowed, a burst of
429s hits bulk, then both nodes are revived.

On a terminal a live view redraws in place: requests per second, p50 and
p99 latency, the errors the application saw, the retries, and each node's
state (healthy; dead, with its next probe; breaker open; slow). Otherwise
it prints one line per second. At the end it prints a summary.

The exit status is 0 when the application saw no error (the chain
absorbed every fault), 1 when it saw one or the script could not finish,
2 for a wrong command line.

flags:
  --duration D        how long the workload runs, such as 20s or 1m;
                      the script is timed relative to it (default 20s)
  --report FILE.html  write a self-contained HTML page with the latency
                      over time and a timeline of each node's state
`

// demoSettle is how long a run may go on after its duration for the
// script to finish: the revived node to be back in rotation and the 429
// burst used up.
const demoSettle = 15 * time.Second

// demoCmd runs "esrt demo".
func demoCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("esrt demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	duration := fs.Duration("duration", 20*time.Second, "")
	report := fs.String("report", "", "")
	if code, done := parseFlags(fs, args, "demo", demoUsage, stdout, stderr); done {
		return code
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "esrt demo: unexpected argument %q\n\n%s", fs.Arg(0), demoUsage)
		return 2
	case *duration < time.Second:
		fmt.Fprintf(stderr, "esrt demo: --duration must be at least 1s, not %s\n\n%s", *duration, demoUsage)
		return 2
	}
	var page *os.File
	if *report != "" { // created first: a run is not wasted on a path that cannot be written
		f, err := os.Create(*report)
		if err != nil {
			fmt.Fprintf(stderr, "esrt demo: --report: %s\n\n%s", oneLine(err), demoUsage)
			return 2
		}
		defer f.Close()
		page = f
	}
	res, err := runDemo(ctx, *duration, &liveView{w: stdout, tty: isTerminalWriter(stdout)})
	if err != nil {
		fmt.Fprintf(stderr, "esrt demo: %s\n", oneLine(err))
		return 1
	}
	res.print(stdout)
	if page != nil {
		if err := errors.Join(writeReport(page, res), page.Close()); err != nil {
			fmt.Fprintf(stderr, "esrt demo: --report: %s\n", oneLine(err))
			return 1
		}
		fmt.Fprintf(stdout, "report: %s\n", *report)
	}
	return res.verdict(stderr)
}

// demoRun is one run of the demo: the cluster, the chain talking to it,
// and what the run saw.
type demoRun struct {
	d        time.Duration
	start    time.Time
	cluster  *estest.Cluster
	tr       *esrt.Transport
	es       *client.Client
	rec      *recorder
	watch    *nodeWatch
	attempts *tally
	retries  atomic.Int64 // attempts the transport sent again
	story    *story
	view     *liveView
	result   *demoResult
}

// runDemo runs the demo for d and returns what it saw. Its error is a
// run that could not start.
func runDemo(ctx context.Context, d time.Duration, view *liveView) (*demoResult, error) {
	cluster, err := estest.Start(estest.Config{Nodes: 3, ClusterName: "esrt-demo", RequestLogSize: 64})
	if err != nil {
		return nil, err
	}
	defer cluster.Close()
	var urls, names []string
	for _, n := range cluster.Nodes() {
		urls, names = append(urls, n.URL()), append(names, n.Name())
	}
	r := &demoRun{d: d, cluster: cluster, watch: newNodeWatch(urls, names), attempts: newTally(urls, names), view: view}
	r.tr, err = esrt.New(esrt.Config{Addresses: urls, Hooks: rt.ComposeHooks(r.watch.hooks(), r.hooks())})
	if err != nil {
		return nil, err
	}
	defer r.tr.Close()
	r.watch.tr = r.tr
	r.es = client.New(&http.Client{Transport: r.tr})
	w := &workload{es: r.es, index: "demo-docs", docs: 500, mix: mix{{"search", 50}, {"get", 30}, {"index", 20}}, pause: 2 * time.Millisecond}
	if err := w.seed(ctx); err != nil {
		return nil, fmt.Errorf("loading the demo's documents: %w", err)
	}
	view.event(fmt.Sprintf("esrt demo: three nodes at %s; a mixed workload for %s through esrt's default chain", strings.Join(urls, ", "), d))
	r.story = newStory(cluster, r.watch.seenIn)
	r.start = time.Now()
	r.rec = newRecorder(r.start)
	r.result = &demoResult{d: d, names: names, rec: r.rec}
	w.rec = r.rec
	return r.result, r.loop(ctx, w)
}

// hooks count the attempts by node and outcome, and the retries.
func (r *demoRun) hooks() *rt.Hooks {
	return &rt.Hooks{
		OnAttemptDone: func(i rt.AttemptDoneInfo) {
			outcome := "connection error"
			switch {
			case i.Response != nil:
				outcome = strconv.Itoa(i.Response.StatusCode)
			case errors.Is(i.Err, context.Canceled):
				outcome = "cancelled" // the run was interrupted
			}
			r.attempts.add(i.Node.String(), outcome)
		},
		OnRetry: func(rt.RetryInfo) { r.retries.Add(1) },
	}
}

// loop runs the workload and the story, draws the live view, and stops
// once the duration is over and the story has ended.
func (r *demoRun) loop(ctx context.Context, w *workload) error {
	stop := make(chan struct{})
	wait := w.run(ctx, 4, stop)
	bulk, err := startBulk(ctx, r.es, "demo-events", r.rec, stop)
	if err != nil {
		close(stop)
		wait()
		return err
	}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	lastLine := 0
	var runErr error
	for runErr == nil {
		select {
		case <-ctx.Done():
			runErr = errors.New("interrupted")
		case now := <-tick.C:
			runErr = r.tick(now, &lastLine, bulk)
		}
	}
	close(stop)
	wait()
	var problem error
	if !errors.Is(runErr, errStop) {
		problem = runErr
	}
	closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := bulk.close(closeCtx); err != nil {
		problem = errors.Join(problem, fmt.Errorf("closing the bulk indexer: %w", err))
	}
	r.view.done()
	r.result.finish(r, bulk)
	r.result.problem = problem
	return nil
}

// tick runs the story's steps that are due, samples the nodes' states and
// updates the live view. It returns errStop once the run is over, or why
// it cannot go on.
func (r *demoRun) tick(now time.Time, lastLine *int, bulk *bulkStream) error {
	elapsed := now.Sub(r.start)
	events, err := r.story.due(elapsed, r.d)
	for _, e := range events {
		r.result.events = append(r.result.events, e)
		r.view.event(fmt.Sprintf("%6.1fs  %s", e.at.Seconds(), e.text))
	}
	views := r.watch.snapshot(now)
	r.result.sample(elapsed, views)
	r.view.show(r.frame(now, elapsed, views, bulk))
	if s := int(elapsed / time.Second); s > *lastLine {
		*lastLine = s
		r.view.line(r.line(now, s, views, bulk))
	}
	switch {
	case err != nil:
		return err
	case elapsed >= r.d && r.story.over() && allUp(views):
		r.result.storyDone = true
		r.result.elapsed = elapsed
		return errStop
	case elapsed >= r.d+demoSettle:
		return fmt.Errorf("the script did not finish %s after the run's end: %s", demoSettle, r.story.remaining())
	}
	return nil
}

// errStop ends a run that went as scripted.
var errStop = errors.New("stop")

// frame is the live view's frame on a terminal.
func (r *demoRun) frame(now time.Time, elapsed time.Duration, views []nodeView, bulk *bulkStream) []string {
	last := r.rec.lastSecond(now)
	head := fmt.Sprintf("esrt demo  %.1fs of %s", elapsed.Seconds(), r.d)
	if elapsed > r.d {
		head += " (waiting for the script to end)"
	}
	if n := len(r.result.events); n > 0 {
		head += "  ·  " + r.result.events[n-1].text
	}
	lines := []string{head, fmt.Sprintf("  %5d req/s   p50 %-8s p99 %-8s errors %d   retries %d",
		last.calls, fmtDur(last.p50), fmtDur(last.p99), r.rec.errorCount(), r.retried(bulk))}
	for _, v := range views {
		lines = append(lines, fmt.Sprintf("  %-8s %-13s %s", v.name, v.state, v.detail))
	}
	return lines
}

// line is the once-a-second line when the output is not a terminal.
func (r *demoRun) line(now time.Time, s int, views []nodeView, bulk *bulkStream) string {
	last := r.rec.lastSecond(now)
	l := fmt.Sprintf("%6ds  %d req/s  p50 %s  p99 %s  errors %d  retries %d ", s, last.calls, fmtDur(last.p50), fmtDur(last.p99),
		r.rec.errorCount(), r.retried(bulk))
	for _, v := range views {
		l += fmt.Sprintf(" %s %s", v.name, v.state)
	}
	return l
}

// retried counts the transport's retries and the bulk items sent again.
func (r *demoRun) retried(bulk *bulkStream) int64 {
	return r.retries.Load() + int64(bulk.retried())
}

// fmtDur prints a latency with a precision that suits it.
func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(10 * time.Millisecond).String()
}
