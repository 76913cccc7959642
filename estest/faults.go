package estest

import (
	"net/http"
	"time"
)

// Failure is an error response injected by [Node.FailNext] or
// [Node.SetFailFunc]. Its body is the Elasticsearch error envelope
// {"error":{"root_cause":[...],"type":...,"reason":...},"status":...}.
type Failure struct {
	// Status is the HTTP status. If zero, 503.
	Status int
	// Type is error.type. If empty, one Elasticsearch uses for Status:
	// es_rejected_execution_exception for 429, cluster_block_exception for
	// 503, security_exception for 401 and 403, and so on.
	Type string
	// Reason is error.reason. If empty, a typical reason for Type.
	Reason string
	// Header holds extra response headers, for example Retry-After.
	Header http.Header
}

// ResetMode says whether and how a request's connection is reset.
type ResetMode int

const (
	// NoReset answers the request normally.
	NoReset ResetMode = iota
	// ResetBeforeApply resets the connection after reading the request,
	// without applying it: the store is unchanged.
	ResetBeforeApply
	// ResetAfterApply applies the request to the store, then resets the
	// connection instead of answering: the client cannot know the write
	// happened, which is how retries create duplicates.
	ResetAfterApply
)

// BulkItem identifies one action of a _bulk request, for
// [Node.RejectBulkItems].
type BulkItem struct {
	Pos    int    // 0-based position in the request
	Action string // "index", "create", "update" or "delete"
	Index  string
	ID     string // as sent, or the generated id of an index/create without one
}

// faults is a node's fault injection state, guarded by Node.mu.
type faults struct {
	hang        chan struct{} // non-nil while hanging; closed by Unhang
	latency     time.Duration
	latencyFunc func(*http.Request) time.Duration
	failCount   int
	failure     Failure
	failFunc    func(*http.Request) *Failure
	resetCount  int
	resetMode   ResetMode
	resetFunc   func(*http.Request) ResetMode
	rejectBulk  func(BulkItem) bool
	maxInFlight int
}

// Hang makes the node read requests and never answer them until Unhang
// (which lets them proceed normally), the client gives up, the node is
// killed or the cluster closed. Connections are still accepted.
func (n *Node) Hang() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.faults.hang == nil {
		n.faults.hang = make(chan struct{})
	}
}

// Unhang releases hung requests, which are then answered, and stops
// hanging new ones.
func (n *Node) Unhang() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.faults.hang != nil {
		close(n.faults.hang)
		n.faults.hang = nil
	}
}

// SetLatency delays every answer by d (0 removes the delay). The delay runs
// after the request was read and before anything else happens to it; it
// ends early when the client gives up, the node is killed or the cluster
// closed.
func (n *Node) SetLatency(d time.Duration) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.faults.latency = d
}

// SetLatencyFunc delays each request by f's result, added to SetLatency's.
// f sees the request with its decoded body; it must be safe for concurrent
// use. A nil f removes it.
func (n *Node) SetLatencyFunc(f func(*http.Request) time.Duration) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.faults.latencyFunc = f
}

// FailNext answers the next count requests with f instead of handling them.
// A later call replaces the earlier one; count 0 cancels it.
func (n *Node) FailNext(count int, f Failure) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.faults.failCount, n.faults.failure = count, f
}

// SetFailFunc calls f for each request not already failed by FailNext; a
// non-nil result is answered instead of handling the request. f sees the
// request with its decoded body; it must be safe for concurrent use. A nil
// f removes it.
func (n *Node) SetFailFunc(f func(*http.Request) *Failure) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.faults.failFunc = f
}

// ResetNext resets the connection of the next count requests (TCP RST, no
// response) in the given mode. A later call replaces the earlier one.
//
// net/http's Transport silently retries a GET or HEAD that fails this way
// on a reused connection; use other methods or fresh connections to see the
// reset.
func (n *Node) ResetNext(count int, mode ResetMode) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.faults.resetCount, n.faults.resetMode = count, mode
}

// SetResetFunc calls f for each request not already reset by ResetNext and
// resets its connection in the mode returned (for example "10% of
// requests"). f sees the request with its decoded body; it must be safe for
// concurrent use. A nil f removes it.
func (n *Node) SetResetFunc(f func(*http.Request) ResetMode) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.faults.resetFunc = f
}

// RejectBulkItems calls f for each action of every _bulk request the node
// handles; items for which it returns true are not applied and answered
// with a per-item 429 es_rejected_execution_exception inside the 200
// response, whose "errors" is then true. f must be safe for concurrent use;
// nil removes it.
func (n *Node) RejectBulkItems(f func(BulkItem) bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.faults.rejectBulk = f
}

// SetMaxInFlight caps the requests the node handles at once: a request
// arriving while k are in flight (hung and delayed ones included) is
// answered 429 es_rejected_execution_exception at once. k <= 0 removes the
// cap.
func (n *Node) SetMaxInFlight(k int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.faults.maxInFlight = k
}

// Heal removes every injected fault: it unhangs, removes latency, pending
// failures and resets, fault functions and the in-flight cap. It does not
// revive a killed node.
func (n *Node) Heal() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.faults.hang != nil {
		close(n.faults.hang)
	}
	n.faults = faults{}
}

// snapshot returns a copy of the fault state for one request; the counted
// faults are consumed by takeFailure and takeReset.
func (n *Node) snapshot() faults {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.faults
}

// takeFailure consumes one FailNext count.
func (n *Node) takeFailure() (Failure, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.faults.failCount <= 0 {
		return Failure{}, false
	}
	n.faults.failCount--
	return n.faults.failure, true
}

// takeReset consumes one ResetNext count.
func (n *Node) takeReset() ResetMode {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.faults.resetCount <= 0 {
		return NoReset
	}
	n.faults.resetCount--
	return n.faults.resetMode
}

// delay holds a request while the node hangs and for its latency; it
// aborts the handler when the client gives up, the node is killed or the
// cluster closes meanwhile.
func (n *Node) delay(l *life, r *http.Request, f faults, body []byte) {
	if f.hang != nil && !n.wait(l, r, 0, f.hang) {
		abort()
	}
	d := f.latency
	if f.latencyFunc != nil {
		d += f.latencyFunc(view(r, body))
	}
	if d > 0 && !n.wait(l, r, d, nil) {
		abort()
	}
}

// wait blocks for d (without end when d is 0) or until release is closed.
// It reports false when the client gives up, the node is killed or the
// cluster closes first.
func (n *Node) wait(l *life, r *http.Request, d time.Duration, release <-chan struct{}) bool {
	var timer <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-timer:
	case <-release:
	case <-r.Context().Done():
		return false
	case <-l.killed:
		return false
	case <-n.c.closed:
		return false
	}
	return true
}

// failureFor returns the failure injected into a request, or nil: a
// FailNext count first, then the fail function.
func (n *Node) failureFor(r *http.Request, f faults, body []byte) *Failure {
	if fail, ok := n.takeFailure(); ok {
		return &fail
	}
	if f.failFunc != nil {
		return f.failFunc(view(r, body))
	}
	return nil
}

// resetFor returns how a request's connection is reset: a ResetNext count
// first, then the reset function.
func (n *Node) resetFor(r *http.Request, f faults, body []byte) ResetMode {
	mode := n.takeReset()
	if mode == NoReset && f.resetFunc != nil {
		mode = f.resetFunc(view(r, body))
	}
	return mode
}

// response renders f as an error answer.
func (f Failure) response() response {
	status := f.Status
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	typ, reason := f.Type, f.Reason
	if typ == "" {
		typ, reason = failureType(status, reason)
	}
	if reason == "" {
		reason = "injected failure"
	}
	resp := newError(status, typ, reason).response()
	resp.header = f.Header.Clone()
	return resp
}

// failureType picks the error type and a reason Elasticsearch uses for
// status.
func failureType(status int, reason string) (string, string) {
	var typ, r string
	switch status {
	case http.StatusBadRequest:
		typ, r = "illegal_argument_exception", "injected bad request"
	case http.StatusUnauthorized:
		typ, r = "security_exception", "unable to authenticate user [elastic] for REST request [/]"
	case http.StatusForbidden:
		typ, r = "security_exception", "action [indices:data/read/search] is unauthorized for user [elastic]"
	case http.StatusNotFound:
		typ, r = "resource_not_found_exception", "injected not found"
	case http.StatusRequestTimeout:
		typ, r = "timeout_exception", "request timed out"
	case http.StatusConflict:
		typ, r = "version_conflict_engine_exception", "version conflict"
	case http.StatusTooManyRequests:
		e := rejected("coordinating", 54215758)
		typ, r = e.typ, e.reason
	case http.StatusServiceUnavailable:
		typ, r = "cluster_block_exception", "blocked by: [SERVICE_UNAVAILABLE/2/no master];"
	case http.StatusGatewayTimeout:
		typ, r = "timeout_exception", "gateway timeout"
	case http.StatusBadGateway:
		typ, r = "exception", "bad gateway"
	default:
		typ, r = "exception", "injected failure"
	}
	if reason != "" {
		r = reason
	}
	return typ, r
}
