package soak_test

// This file is the fault scheduler: every 100 to 300 ms it heals a faulted
// node or faults a healthy one, never the last healthy node.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esrt-dev/esrt/estest"
)

// Fault kinds, as the summary names them.
const (
	faultKill        = "kill"
	fault5xx         = "5xx"
	fault429         = "429"
	faultResetBefore = "reset-before-apply"
	faultResetAfter  = "reset-after-apply"
	faultLatency     = "latency"
	faultBulkReject  = "bulk-reject"
)

var faultKinds = []string{faultKill, fault5xx, fault429, faultResetBefore, faultResetAfter, faultLatency, faultBulkReject}

// scheduler injects faults into a cluster's nodes. Its methods are safe
// for concurrent use.
type scheduler struct {
	c   *estest.Cluster
	rng *rand.Rand // used by run's goroutine only

	mu         sync.Mutex
	faulted    []string // per node: the fault in place, "" when healthy
	injected   map[string]int
	heals      int
	reviveErrs int
	minHealthy int
	since      time.Time     // start of the current state
	allHealthy time.Duration // time with every node healthy
	degraded   time.Duration // time with some node faulted
	events     []event       // what the scheduler did, in order
}

// event is one fault or heal, for explaining a failed read.
type event struct {
	at   time.Time
	node int
	what string // a fault kind, or "heal"
}

func newScheduler(c *estest.Cluster, seed uint64) *scheduler {
	n := len(c.Nodes())
	return &scheduler{
		c:          c,
		rng:        rand.New(rand.NewPCG(seed, 0x5c4ed)),
		faulted:    make([]string, n),
		injected:   make(map[string]int),
		minHealthy: n,
		since:      time.Now(),
	}
}

// run steps until ctx ends, then heals every node.
func (s *scheduler) run(ctx context.Context) {
	defer s.healAll()
	for {
		t := time.NewTimer(time.Duration(100+s.rng.IntN(201)) * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		s.step()
	}
}

// step faults a healthy node while two or more are healthy (more often
// than not), else heals a faulted one.
func (s *scheduler) step() {
	s.mu.Lock()
	defer s.mu.Unlock()
	var healthy, faulted []int
	for i, f := range s.faulted {
		if f == "" {
			healthy = append(healthy, i)
		} else {
			faulted = append(faulted, i)
		}
	}
	if len(healthy) >= 2 && (len(faulted) == 0 || s.rng.IntN(10) < 6) {
		i := healthy[s.rng.IntN(len(healthy))]
		kind := faultKinds[s.rng.IntN(len(faultKinds))]
		s.inject(s.c.Node(i), kind)
		s.transition()
		s.faulted[i] = kind
		s.injected[kind]++
		s.record(i, kind)
	} else if len(faulted) > 0 {
		s.heal(faulted[s.rng.IntN(len(faulted))])
	}
	s.minHealthy = min(s.minHealthy, s.healthyLocked())
}

// inject applies a fault of the given kind to n.
func (s *scheduler) inject(n *estest.Node, kind string) {
	count := 1 + s.rng.IntN(3)
	switch kind {
	case faultKill:
		n.Kill()
	case fault5xx:
		status := []int{http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}[s.rng.IntN(3)]
		n.FailNext(count, estest.Failure{Status: status})
	case fault429:
		n.FailNext(count, estest.Failure{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"1"}}})
	case faultResetBefore:
		n.ResetNext(count, estest.ResetBeforeApply)
	case faultResetAfter:
		n.ResetNext(count, estest.ResetAfterApply)
	case faultLatency:
		n.SetLatency(time.Duration(5+s.rng.IntN(96)) * time.Millisecond)
	case faultBulkReject:
		var seen atomic.Uint64
		n.RejectBulkItems(func(estest.BulkItem) bool { return seen.Add(1)%4 == 0 })
	}
}

// heal removes node i's fault; a node that cannot be revived stays
// faulted until a later step.
func (s *scheduler) heal(i int) {
	n := s.c.Node(i)
	n.Heal()
	if s.faulted[i] == faultKill {
		if err := n.Revive(); err != nil {
			s.reviveErrs++
			return
		}
	}
	s.transition()
	s.faulted[i] = ""
	s.heals++
	s.record(i, "heal")
}

// record logs an event, keeping at most the last 100000.
func (s *scheduler) record(node int, what string) {
	if len(s.events) == 100_000 {
		s.events = append(s.events[:0], s.events[50_000:]...)
	}
	s.events = append(s.events, event{at: time.Now(), node: node, what: what})
}

// history describes the events from a second before from to the end of
// an operation, and the faults in place then.
func (s *scheduler) history(from time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, e := range s.events {
		if e.at.After(from.Add(-time.Second)) {
			fmt.Fprintf(&b, "%+dms node %d %s; ", e.at.Sub(from).Milliseconds(), e.node, e.what)
		}
	}
	fmt.Fprintf(&b, "now %+dms: faults %q", time.Since(from).Milliseconds(), s.faulted)
	return b.String()
}

// healAll heals every node (the scheduler's last act).
func (s *scheduler) healAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faulted {
		if f != "" {
			s.heal(i)
		}
	}
}

// transition adds the time since the last change to the state it ends.
func (s *scheduler) transition() {
	now := time.Now()
	if s.healthyLocked() == len(s.faulted) {
		s.allHealthy += now.Sub(s.since)
	} else {
		s.degraded += now.Sub(s.since)
	}
	s.since = now
}

// healthy returns how many nodes have no fault in place.
func (s *scheduler) healthy() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.healthyLocked()
}

func (s *scheduler) healthyLocked() int {
	n := 0
	for _, f := range s.faulted {
		if f == "" {
			n++
		}
	}
	return n
}

// faultSummary is what the scheduler did, for the report.
type faultSummary struct {
	Injected     map[string]int `json:"injected"`
	Heals        int            `json:"heals"`
	ReviveErrors int            `json:"revive_errors"`
	MinHealthy   int            `json:"min_healthy_nodes"`
	AllHealthy   string         `json:"time_all_healthy"`
	Degraded     string         `json:"time_degraded"`
}

func (s *scheduler) summary() faultSummary {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.transition()
	inj := make(map[string]int, len(s.injected))
	for k, v := range s.injected {
		inj[k] = v
	}
	return faultSummary{
		Injected:     inj,
		Heals:        s.heals,
		ReviveErrors: s.reviveErrs,
		MinHealthy:   s.minHealthy,
		AllHealthy:   s.allHealthy.Round(time.Millisecond).String(),
		Degraded:     s.degraded.Round(time.Millisecond).String(),
	}
}
