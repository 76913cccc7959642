package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/esrt-dev/esrt/estest"
)

// tally counts the attempts sent to each node by outcome (a status code or
// "connection error"). It is safe for concurrent use.
type tally struct {
	mu     sync.Mutex
	nodes  []string // URLs, in cluster order
	names  map[string]string
	counts map[string]map[string]int // node URL → outcome → attempts
}

func newTally(nodes []*estest.Node) *tally {
	t := &tally{names: map[string]string{}, counts: map[string]map[string]int{}}
	for _, n := range nodes {
		t.nodes = append(t.nodes, n.URL())
		t.names[n.URL()] = n.Name()
	}
	return t
}

func (t *tally) add(node, outcome string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.counts[node] == nil {
		t.counts[node] = map[string]int{}
	}
	t.counts[node][outcome]++
}

// take returns the counts since the last take, such as
// "node-0 11 (200: 10, 503: 1), node-1 0, node-2 10 (200: 10)", and
// starts counting afresh.
func (t *tally) take() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	parts := make([]string, 0, len(t.nodes))
	for _, u := range t.nodes {
		byOutcome := t.counts[u]
		total := 0
		var detail []string
		for _, o := range slices.Sorted(maps.Keys(byOutcome)) {
			total += byOutcome[o]
			detail = append(detail, fmt.Sprintf("%s: %d", o, byOutcome[o]))
		}
		part := fmt.Sprintf("%s %d", t.names[u], total)
		if total > 0 {
			part += " (" + strings.Join(detail, ", ") + ")"
		}
		parts = append(parts, part)
	}
	t.counts = map[string]map[string]int{}
	return strings.Join(parts, ", ")
}
