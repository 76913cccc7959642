package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// demoResult is what a run of the demo saw, for its summary and report.
type demoResult struct {
	d, elapsed time.Duration
	names      []string // node names, in cluster order
	rec        *recorder
	events     []storyEvent
	timeline   []stateSample
	storyDone  bool
	problem    error // why the run ended before the script did, or nil

	attempts             []nodeAttempts
	final                []nodeView
	transportRetries     int64
	bulkRetried          uint64
	refusedBulk, refused int64 // _bulk requests and items the burst refused
}

// stateSample is every node's state at one moment of the run.
type stateSample struct {
	at     time.Duration
	states []string // in cluster order
}

// sample adds the nodes' states at elapsed to the timeline.
func (res *demoResult) sample(elapsed time.Duration, views []nodeView) {
	states := make([]string, len(views))
	for i, v := range views {
		states[i] = v.state
	}
	res.timeline = append(res.timeline, stateSample{at: elapsed, states: states})
}

// finish takes the counts of a run that has stopped.
func (res *demoResult) finish(r *demoRun, bulk *bulkStream) {
	if res.elapsed == 0 {
		res.elapsed = time.Since(r.start)
	}
	res.attempts = r.attempts.perNode()
	res.final = r.watch.snapshot(time.Now())
	res.transportRetries = r.retries.Load()
	res.bulkRetried = bulk.retried()
	res.refusedBulk, res.refused = r.story.refusedBulk.Load(), r.story.refusedItems.Load()
}

// summaryOps are the summary's rows, in order.
var summaryOps = []string{"search", "get", "index", "bulk"}

// print prints the closing summary.
func (res *demoResult) print(w io.Writer) {
	story := "the script ran to its end"
	if !res.storyDone {
		story = "the script did not finish"
	}
	fmt.Fprintf(w, "\nsummary: %.1fs, %d nodes; %s\n\n", res.elapsed.Seconds(), len(res.names), story)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "OPERATION\tCALLS\tERRORS\tP50\tP90\tP99\tMAX")
	for _, s := range res.rec.totals(summaryOps) {
		name := s.op
		if name == "bulk" {
			name = "bulk items"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\n", name, s.calls, s.errors, fmtDur(s.p50), fmtDur(s.p90), fmtDur(s.p99), fmtDur(s.max))
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tSTATE\tATTEMPTS\tOUTCOMES")
	for i, a := range res.attempts {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", a.name, res.final[i].state, a.total, a.outcome)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nretries: %d attempts sent again by the transport, %d bulk items sent again by the indexer\n",
		res.transportRetries, res.bulkRetried)
	fmt.Fprintf(w, "429 burst: %d _bulk requests and %d bulk items refused\n", res.refusedBulk, res.refused)
	fmt.Fprintf(w, "application errors: %d\n", res.rec.errorCount())
}

// verdict prints why the run failed, if it did, and returns the exit
// status: 1 when the application saw an error the chain should have
// absorbed or the script did not finish.
func (res *demoResult) verdict(stderr io.Writer) int {
	code := 0
	if n := res.rec.errorCount(); n > 0 {
		fmt.Fprintf(stderr, "esrt demo: the application saw %d error(s) the chain should have absorbed; the first: %s\n",
			n, oneLine(res.rec.firstError()))
		code = 1
	}
	if res.problem != nil {
		fmt.Fprintf(stderr, "esrt demo: %s\n", oneLine(res.problem))
		code = 1
	}
	return code
}
