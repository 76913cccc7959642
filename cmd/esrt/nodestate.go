package main

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/rt"
)

// The states the live view and the report give a node.
const (
	stateHealthy = "healthy"
	stateSlow    = "slow"
	stateBreaker = "breaker open"
	stateDead    = "dead"
)

// slowAttempt is how long an answer must take at least for its node to
// count as slow. The demo's loopback nodes answer in about a millisecond;
// its slowed node takes demoSlowLatency more.
const slowAttempt = demoSlowLatency / 2

// nodeWatch follows the state of each node of a transport's pool through
// public API only: the pool's Status (dead, failures, when the next probe
// may go, the latency estimate), the breaker hook (open or closed) and the
// attempt hook (how long the node's answers take). A node is slow when its
// latest two answers (other than to _bulk requests, slow on any node) took
// slowAttempt or more, and twice as long as the latest answer of some other
// live node: one slow answer may be a hiccup, and on a busy machine every
// node is slow. The pool's latency estimate, decayed over seconds, would
// stay high for a while after the node is fast again.
type nodeWatch struct {
	tr    *esrt.Transport
	names map[string]string // node URL → name
	order []string          // node URLs, in cluster order

	mu       sync.Mutex
	breakers map[string]rt.BreakerState  // node URL → breaker state
	latest   map[string][2]time.Duration // node URL → its latest two answers' durations
	seen     map[string]bool             // name+" "+state → a snapshot showed it
}

// nodeView is one node's state at one moment.
type nodeView struct {
	name, state, detail string
}

func newNodeWatch(urls, names []string) *nodeWatch {
	w := &nodeWatch{names: map[string]string{}, order: urls,
		breakers: map[string]rt.BreakerState{}, latest: map[string][2]time.Duration{}, seen: map[string]bool{}}
	for i, u := range urls {
		w.names[u] = names[i]
	}
	return w
}

// hooks record breaker changes and answers' durations.
func (w *nodeWatch) hooks() *rt.Hooks {
	return &rt.Hooks{
		OnBreakerChange: func(i rt.BreakerInfo) {
			if i.Node == nil {
				return
			}
			w.mu.Lock()
			defer w.mu.Unlock()
			w.breakers[i.Node.String()] = i.To
		},
		OnAttemptDone: func(i rt.AttemptDoneInfo) {
			if i.Response == nil || i.Node == nil || strings.HasSuffix(i.Request.URL.Path, "/_bulk") {
				return
			}
			u := i.Node.String()
			w.mu.Lock()
			defer w.mu.Unlock()
			w.latest[u] = [2]time.Duration{w.latest[u][1], i.Duration}
		},
	}
}

// seenIn reports whether a snapshot showed the node named name in state.
func (w *nodeWatch) seenIn(name, state string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seen[name+" "+state]
}

// poolState is what the pool says of a node.
type poolState struct {
	dead     bool
	failures int
	retryAt  time.Time
	latency  time.Duration
}

// snapshot returns every node's state at now, in cluster order.
func (w *nodeWatch) snapshot(now time.Time) []nodeView {
	status := map[string]poolState{}
	for _, st := range w.tr.Pool().Status() {
		status[st.Node.String()] = poolState{st.Dead, st.Failures, st.RetryAt, st.Latency}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	views := make([]nodeView, 0, len(w.order))
	for _, u := range w.order {
		st := status[u]
		v := nodeView{name: w.names[u], state: stateHealthy}
		switch {
		case st.dead:
			v.state = stateDead
			v.detail = fmt.Sprintf("%d failure(s), next probe in %s", st.failures, max(st.retryAt.Sub(now), 0).Round(100*time.Millisecond))
		case w.breakers[u] == rt.BreakerOpen:
			v.state = stateBreaker
		case w.slow(u, status):
			v.state = stateSlow
			v.detail = fmt.Sprintf("latest answer %s", w.latest[u][1].Round(time.Millisecond))
		}
		if v.detail == "" && st.latency > 0 {
			v.detail = fmt.Sprintf("latency estimate %s", st.latency.Round(10*time.Microsecond))
		}
		w.seen[v.name+" "+v.state] = true
		views = append(views, v)
	}
	return views
}

// slow reports whether node u is slow; w.mu is held.
func (w *nodeWatch) slow(u string, status map[string]poolState) bool {
	d := min(w.latest[u][0], w.latest[u][1])
	if d < slowAttempt {
		return false
	}
	for _, o := range w.order {
		if o != u && !status[o].dead && w.latest[o][1] > 0 && 2*w.latest[o][1] <= d {
			return true
		}
	}
	return false
}

// allUp reports whether no node is dead or behind an open breaker.
func allUp(views []nodeView) bool {
	for _, v := range views {
		if v.state == stateDead || v.state == stateBreaker {
			return false
		}
	}
	return true
}
