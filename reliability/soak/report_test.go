package soak_test

// This file is the soak's summary: what it measured, how it is reported,
// and the assertions on it.

import (
	"encoding/json"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/client"
)

// summary is a soak's numbers.
type summary struct {
	Config       soakConfig              `json:"config"`
	Elapsed      string                  `json:"elapsed"`
	Operations   map[string]int          `json:"operations"`
	Faults       faultSummary            `json:"faults"`
	Writes       tally                   `json:"writes"`
	Attempts     int64                   `json:"transport_attempts"`
	Retries      int64                   `json:"transport_retries"`
	NodeDowns    int64                   `json:"nodes_taken_down"`
	BulkIDs      client.BulkIndexerStats `json:"bulk_indexer_ids_only"`
	BulkMixed    client.BulkIndexerStats `json:"bulk_indexer_mixed"`
	Errors       map[string]int          `json:"errors_seen"`
	Samples      map[string]string       `json:"error_samples"`
	BadReads     map[string]int          `json:"bad_reads_node_healthy"`
	DownReads    map[string]int          `json:"bad_reads_no_node_healthy"`
	BadReadNotes []string                `json:"bad_read_examples,omitempty"`
	Latency      map[string]latency      `json:"latency"`
	Verdict      verdict                 `json:"verdict"`
	HeapBefore   heap                    `json:"heap_before"`
	HeapAfter    heap                    `json:"heap_after"`

	GoroutinesBefore int `json:"goroutines_before"`
	GoroutinesAfter  int `json:"goroutines_after"`
	goroutineDump    string
}

// fill copies the counters of the run into s.
func (s *summary) fill(st *stats, sched *scheduler, led *ledger) {
	st.mu.Lock()
	s.Operations, s.Errors, s.Samples = st.ops, st.errs, st.samples
	s.BadReads, s.DownReads, s.BadReadNotes = st.reads, st.readsDown, st.badReads
	st.mu.Unlock()
	s.Latency = st.percentiles()
	s.Attempts, s.Retries, s.NodeDowns = st.attempts.Load(), st.retries.Load(), st.nodeDowns.Load()
	s.Faults = sched.summary()
	s.Writes = led.tally()
}

// heap is the heap after a full collection.
type heap struct {
	Alloc uint64 `json:"alloc_bytes"` // live objects
	InUse uint64 `json:"inuse_bytes"` // spans holding them
}

func measureHeap() heap {
	runtime.GC()
	runtime.GC() // the first may leave finalizers' objects for the second
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return heap{Alloc: m.HeapAlloc, InUse: m.HeapInuse}
}

// heapFloor is the least heap the bound is computed from. Right after
// setup the live heap is about 0.25 MiB, and after a run about 0.35 to
// 0.45 MiB, whether the run lasted 3 s or 5 min, with 8 or 24 workers,
// with or without -race: that growth is paid once (type and encoder
// caches, pools, the testing package's log), and twice so small a heap
// is too close to it. A floor of 1 MiB leaves room for that noise, while
// a leak of what the soak moves passes the bound within a minute or so:
// the cluster, had it been kept after a soak of 15 s, held 1.4 MiB. In CI's
// 3 s the heap check catches only a large leak; soaks of minutes are for
// small ones.
const heapFloor = 1 << 20

// heapBound is the most live heap allowed after the soak.
func heapBound(before heap) uint64 {
	return 2 * max(before.Alloc, heapFloor)
}

func countGoroutines() int { return runtime.NumGoroutine() }

// settleGoroutines waits, for at most 30 s, until no more goroutines run
// than before; it returns their number and, if more run, their stacks.
func settleGoroutines(before int) (int, string) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		n := countGoroutines()
		if n <= before {
			return n, ""
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			return n, string(buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// report logs the summary as indented JSON and writes it to the report
// file if one was asked for.
func report(t *testing.T, cfg soakConfig, s *summary) {
	s.Config = cfg
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("soak summary:\n%s", b)
	if cfg.Report != "" {
		if err := os.WriteFile(cfg.Report, append(b, '\n'), 0o644); err != nil {
			t.Errorf("writing the soak report: %v", err)
		}
	}
}

// check asserts the soak's invariants on the summary.
func check(t *testing.T, s *summary) {
	if s.Verdict.failed() {
		t.Errorf("the store does not match the acknowledged writes: %d missing, %d duplicates, %d mismatches, %d under a wrong id, %d unknown; %q",
			s.Verdict.Missing, s.Verdict.Duplicates, s.Verdict.Mismatches, s.Verdict.WrongIDs, s.Verdict.Unknown, s.Verdict.Examples)
	}
	if s.Writes.Unended != 0 {
		t.Errorf("%d writes never ended after the bulk indexer was closed", s.Writes.Unended)
	}
	for outcome, n := range s.BadReads {
		t.Errorf("%d reads of acknowledged documents ended with %s while a node was healthy", n, outcome)
	}
	if s.Faults.MinHealthy < 1 {
		t.Errorf("the scheduler left %d healthy nodes at some time, want at least 1", s.Faults.MinHealthy)
	}
	if bound := heapBound(s.HeapBefore); s.HeapAfter.Alloc > bound {
		t.Errorf("live heap after the soak is %d bytes, more than 2 × max(%d before, %d floor)", s.HeapAfter.Alloc, s.HeapBefore.Alloc, heapFloor)
	}
	if s.GoroutinesAfter > s.GoroutinesBefore {
		t.Errorf("%d goroutines after the soak, %d before:\n%s", s.GoroutinesAfter, s.GoroutinesBefore, s.goroutineDump)
	}
}
