package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// tally counts the attempts sent to each node by outcome (a status code or
// "connection error"). It is safe for concurrent use.
type tally struct {
	mu     sync.Mutex
	nodes  []string // URLs, in cluster order
	names  map[string]string
	counts map[string]map[string]int // node URL → outcome → attempts
}

func newTally(urls, names []string) *tally {
	t := &tally{nodes: urls, names: map[string]string{}, counts: map[string]map[string]int{}}
	for i, u := range urls {
		t.names[u] = names[i]
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

// nodeAttempts are the attempts one node got.
type nodeAttempts struct {
	name    string
	total   int
	outcome string // such as "200: 10, 503: 1"; "-" for none
}

// perNode returns the attempts of every node, in cluster order.
func (t *tally) perNode() []nodeAttempts {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]nodeAttempts, 0, len(t.nodes))
	for _, u := range t.nodes {
		byOutcome := t.counts[u]
		a := nodeAttempts{name: t.names[u], outcome: "-"}
		var detail []string
		for _, o := range slices.Sorted(maps.Keys(byOutcome)) {
			a.total += byOutcome[o]
			detail = append(detail, fmt.Sprintf("%s: %d", o, byOutcome[o]))
		}
		if len(detail) > 0 {
			a.outcome = strings.Join(detail, ", ")
		}
		out = append(out, a)
	}
	return out
}
