package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/esrt-dev/esrt/estest"
)

// demoSlowLatency is how long the slowed node takes to answer.
const demoSlowLatency = 200 * time.Millisecond

// The 429 burst: the next burstRequests _bulk requests, whichever node
// they reach, are refused as a whole, and the next burstItems bulk items
// one by one inside 200 answers.
const (
	burstRequests = 6
	burstItems    = 40
)

// storyStep is one scripted event: at a fraction of the run's duration,
// do something to the cluster, once ready (if not nil) says it may.
type storyStep struct {
	at    float64
	text  string
	ready func() bool
	do    func() error
}

// storyEvent is a step that happened, for the live view and the report.
type storyEvent struct {
	at   time.Duration // since the start of the run
	text string
}

// story is the demo's script over a three-node cluster: a node killed,
// another slowed, a burst of 429s on bulk, then both revived.
type story struct {
	steps          []storyStep
	next           int
	bulkRejects    atomic.Int64 // _bulk requests still to refuse
	itemRejects    atomic.Int64 // bulk items still to refuse
	refusedBulk    atomic.Int64 // _bulk requests refused
	refusedItems   atomic.Int64 // bulk items refused
	killed, slow   *estest.Node
	killedWentDown func() bool
}

// newStory scripts the story against cluster's nodes 1 (killed) and 2
// (slowed). seen reports whether the live view showed a node in a state:
// the nodes are revived only once it showed node 1 dead and node 2 slow,
// so that every run shows both, however busy the machine.
func newStory(cluster *estest.Cluster, seen func(name, state string) bool) *story {
	s := &story{killed: cluster.Node(1), slow: cluster.Node(2)}
	shown := func() bool { return seen(s.killed.Name(), stateDead) && seen(s.slow.Name(), stateSlow) }
	for _, n := range cluster.Nodes() {
		n.SetFailFunc(s.refuseBulk)
		n.RejectBulkItems(s.refuseItem)
	}
	s.steps = []storyStep{
		{at: 0.15, text: s.killed.Name() + " killed (connections refused)", do: func() error { s.killed.Kill(); return nil }},
		{at: 0.30, text: fmt.Sprintf("%s slowed to %s per answer", s.slow.Name(), demoSlowLatency), do: func() error {
			s.slow.SetLatency(demoSlowLatency)
			return nil
		}},
		{at: 0.45, text: fmt.Sprintf("429 burst on bulk: the next %d _bulk requests and %d bulk items refused", burstRequests, burstItems),
			do: func() error {
				s.bulkRejects.Store(burstRequests)
				s.itemRejects.Store(burstItems)
				return nil
			}},
		{at: 0.70, text: fmt.Sprintf("%s revived, %s back to full speed", s.killed.Name(), s.slow.Name()), ready: shown,
			do: func() error {
				s.slow.SetLatency(0)
				return s.killed.Revive()
			}},
	}
	return s
}

// refuseBulk answers a _bulk request 429 while the burst lasts.
func (s *story) refuseBulk(r *http.Request) *estest.Failure {
	if !strings.HasSuffix(r.URL.Path, "/_bulk") || s.bulkRejects.Add(-1) < 0 {
		return nil
	}
	s.refusedBulk.Add(1)
	return &estest.Failure{Status: http.StatusTooManyRequests}
}

// refuseItem refuses a bulk item with 429 while the burst lasts.
func (s *story) refuseItem(estest.BulkItem) bool {
	if s.itemRejects.Add(-1) < 0 {
		return false
	}
	s.refusedItems.Add(1)
	return true
}

// due runs the steps whose time has come within a run of duration d, at
// elapsed, and returns what they did. A step that is not ready yet waits,
// and so do the steps after it.
func (s *story) due(elapsed, d time.Duration) ([]storyEvent, error) {
	var done []storyEvent
	for s.next < len(s.steps) {
		st := s.steps[s.next]
		if elapsed < time.Duration(st.at*float64(d)) || st.ready != nil && !st.ready() {
			break
		}
		if err := st.do(); err != nil {
			return done, fmt.Errorf("%s: %w", st.text, err)
		}
		done = append(done, storyEvent{at: elapsed, text: st.text})
		s.next++
	}
	return done, nil
}

// over reports whether every step ran and the burst was used up.
func (s *story) over() bool {
	return s.next == len(s.steps) && s.bulkRejects.Load() <= 0 && s.itemRejects.Load() <= 0
}

// remaining says what is left of the story, for an error.
func (s *story) remaining() string {
	if s.next < len(s.steps) {
		return "waiting to run: " + s.steps[s.next].text
	}
	return fmt.Sprintf("the 429 burst is not used up (%d _bulk requests, %d items left)",
		max(s.bulkRejects.Load(), 0), max(s.itemRejects.Load(), 0))
}
