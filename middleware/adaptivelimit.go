package middleware

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/esrt-dev/esrt/rt"
)

// adaptiveLimit is the limit of one traffic class of a [Limiter]: the AIMD
// state that [Limiter] documents and the queue of requests waiting for a
// slot. Its methods are safe for concurrent use; the zero value is unusable
// until init.
type adaptiveLimit struct {
	mu       sync.Mutex
	limit    float64 // the limit; int(limit) requests may be in flight
	min, max float64
	increase float64
	decrease float64
	inFlight int
	// seq numbers admissions from 1; recovery is the first seq admitted
	// after the last decrease: a rejection of an older request belongs to
	// the congestion event that caused that decrease.
	seq       uint64
	recovery  uint64
	slowStart bool
	// The queue: a doubly linked list of waiters, oldest first.
	head, tail *waiter
	queued     int

	rejections, decreases uint64
}

// waiter is a request waiting in a class's queue. Fields are guarded
// by the class's mutex; ready is closed when the waiter is admitted.
type waiter struct {
	ready      chan struct{}
	prev, next *waiter
	admitted   bool
	tk         ticket
}

// ticket identifies an admission: its sequence number and the
// number of requests in flight once it was admitted.
type ticket struct {
	seq  uint64
	load int
}

// verdict is what the answer to an admitted request says about the
// cluster's load.
type verdict int

const (
	verdictNeutral  verdict = iota // no information: an error, a 5xx, a cancel
	verdictSuccess                 // the cluster accepted the request
	verdictRejected                // the cluster rejected it: 429
)

// init checks cfg, the configuration of the class called name, and sets
// the starting limit. Errors are [*rt.ConfigError] values naming
// name.field.
func (c *adaptiveLimit) init(name string, cfg LimiterClassConfig) error {
	bad := func(field, format string, args ...any) error {
		return &rt.ConfigError{Field: name + "." + field, Err: fmt.Errorf(format, args...)}
	}
	switch {
	case cfg.Min < 0:
		return bad("Min", "negative limit %d", cfg.Min)
	case cfg.Max < 0:
		return bad("Max", "negative limit %d", cfg.Max)
	case cfg.Initial < 0:
		return bad("Initial", "negative limit %d", cfg.Initial)
	case cfg.Increase < 0 || math.IsNaN(cfg.Increase) || math.IsInf(cfg.Increase, 0):
		return bad("Increase", "increase %v is not a finite positive number", cfg.Increase)
	case cfg.Decrease < 0 || cfg.Decrease >= 1 || math.IsNaN(cfg.Decrease):
		return bad("Decrease", "factor %v not between 0 and 1 exclusive", cfg.Decrease)
	}
	lo := max(cfg.Min, 1)
	hi := cfg.Max
	if hi == 0 {
		hi = max(1000, lo)
	}
	if hi < lo {
		return bad("Max", "limit %d below Min %d", hi, lo)
	}
	initial := cfg.Initial
	if initial == 0 {
		initial = min(max(20, lo), hi)
	}
	if initial < lo || initial > hi {
		return bad("Initial", "limit %d outside %d..%d", initial, lo, hi)
	}
	c.limit, c.min, c.max = float64(initial), float64(lo), float64(hi)
	c.increase = cmp.Or(cfg.Increase, 1)
	c.decrease = cmp.Or(cfg.Decrease, 0.9)
	c.slowStart = !cfg.NoSlowStart
	return nil
}

// acquire admits a request, waiting in the queue while the class is at its
// limit. It returns ctx.Err() when ctx ends first.
func (c *adaptiveLimit) acquire(ctx context.Context) (ticket, error) {
	c.mu.Lock()
	if c.head == nil && c.inFlight < int(c.limit) {
		tk := c.admitLocked()
		c.mu.Unlock()
		return tk, nil
	}
	w := &waiter{ready: make(chan struct{})}
	c.push(w)
	c.mu.Unlock()

	select {
	case <-w.ready:
		return w.tk, nil
	case <-ctx.Done():
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if w.admitted {
		// Admitted as the context ended: hand the slot on.
		c.inFlight--
		c.admitWaitersLocked()
	} else {
		c.remove(w)
	}
	return ticket{}, ctx.Err()
}

// admitLocked admits one request.
func (c *adaptiveLimit) admitLocked() ticket {
	c.inFlight++
	c.seq++
	return ticket{seq: c.seq, load: c.inFlight}
}

// admitWaitersLocked admits waiters, oldest first, while there is room.
func (c *adaptiveLimit) admitWaitersLocked() {
	for c.head != nil && c.inFlight < int(c.limit) {
		w := c.head
		c.remove(w)
		w.tk, w.admitted = c.admitLocked(), true
		close(w.ready)
	}
}

// release ends the request admitted with tk, with its verdict.
func (c *adaptiveLimit) release(tk ticket, o verdict) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch o {
	case verdictSuccess:
		if tk.seq >= c.recovery && 2*c.inFlight >= int(c.limit) {
			step := c.increase / c.limit
			if c.slowStart {
				step = c.increase
			}
			c.limit = min(c.max, c.limit+step)
		}
	case verdictRejected:
		c.rejectedLocked(tk)
	}
	c.inFlight--
	c.admitWaitersLocked()
}

// rejected reports a rejection of the request admitted with tk that came
// after it was released (a rejected bulk item).
func (c *adaptiveLimit) rejected(tk ticket) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rejectedLocked(tk)
}

// rejectedLate reports a rejection whose admission is unknown (a retried
// attempt): it counts as new once a generation of requests, as many as are
// in flight, was admitted since the last decrease.
func (c *adaptiveLimit) rejectedLate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seq+1-c.recovery < uint64(c.inFlight) {
		c.rejections++ // too soon after the last decrease
		return
	}
	c.rejectedLocked(ticket{seq: c.seq})
}

func (c *adaptiveLimit) rejectedLocked(tk ticket) {
	c.rejections++
	if tk.seq < c.recovery {
		return // same congestion event as the last decrease
	}
	base := c.limit
	if c.slowStart && tk.load > 0 {
		base = min(c.limit, max(float64(tk.load), c.limit/2))
	}
	c.limit = max(c.min, base*c.decrease)
	c.recovery = c.seq + 1
	c.slowStart = false
	c.decreases++
}

func (c *adaptiveLimit) push(w *waiter) {
	w.prev = c.tail
	if c.tail != nil {
		c.tail.next = w
	} else {
		c.head = w
	}
	c.tail = w
	c.queued++
}

func (c *adaptiveLimit) remove(w *waiter) {
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		c.head = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		c.tail = w.prev
	}
	w.prev, w.next = nil, nil
	c.queued--
}

func (c *adaptiveLimit) stats() LimiterClassStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return LimiterClassStats{
		Limit:      int(c.limit),
		InFlight:   c.inFlight,
		Queued:     c.queued,
		Admitted:   c.seq,
		Rejections: c.rejections,
		Decreases:  c.decreases,
	}
}
