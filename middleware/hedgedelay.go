package middleware

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esrt-dev/esrt/internal/latency"
)

// How long a hedging middleware waits before it hedges, and how often it
// may: the latency records of the operations it has seen, and the cap on
// the share of requests it hedges.

// maxLatencyKeys bounds the operations with a latency record of their own.
const maxLatencyKeys = 64

// latencies holds the latency record of each operation, by [latencyKey].
// Lookups read an immutable map through an atomic pointer; a new
// operation copies it. Past maxLatencyKeys, operations share one record.
type latencies struct {
	ops   atomic.Pointer[map[string]*opLatency]
	mu    sync.Mutex // serialises additions
	other opLatency
}

func (o *latencies) get(key string) *opLatency {
	if m := o.ops.Load(); m != nil {
		if l := (*m)[key]; l != nil {
			return l
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	var old map[string]*opLatency
	if m := o.ops.Load(); m != nil {
		old = *m
	}
	if l := old[key]; l != nil {
		return l
	}
	if len(old) >= maxLatencyKeys {
		return &o.other
	}
	m := make(map[string]*opLatency, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	l := new(opLatency)
	m[strings.Clone(key)] = l // a method may point into a request
	o.ops.Store(&m)
	return l
}

// refreshEvery is how many samples pass between recomputations of an
// operation's hedge delay.
const refreshEvery = 16

// opLatency is one operation's record of first-attempt latencies, and the
// hedge delay learnt from it. It is lock-free: a sample is a few atomic
// adds; every refreshEvery samples one observer recomputes the quantile,
// which readers load atomically.
type opLatency struct {
	hist  latency.Histogram
	seen  atomic.Uint64 // samples ever
	delay atomic.Int64  // the quantile in nanoseconds; 0 before enough samples
}

// observe records a sample of d, and recomputes the delay, the q-th
// quantile, once there are minSamples samples.
func (l *opLatency) observe(d time.Duration, q float64, minSamples uint64) {
	l.hist.Observe(d)
	if n := l.seen.Add(1); n >= minSamples && (n == minSamples || n%refreshEvery == 0) {
		l.delay.Store(int64(l.hist.Quantile(q)))
	}
}

// allowance caps hedges at a share of armed requests, as Finagle's backup
// requests are capped by their maxExtraLoad: each armed request adds the
// share of one hedge, each hedge takes one whole, and the credit saved is
// capped at allowanceBurst hedges. It starts with one hedge. Lock-free.
type allowance struct {
	credit atomic.Int64 // in 1/allowanceUnit of a hedge
	share  int64        // per armed request
}

const (
	allowanceUnit  = 1 << 16
	allowanceBurst = 10
)

func newAllowance(share float64) *allowance {
	a := &allowance{share: int64(share * allowanceUnit)}
	a.credit.Store(allowanceUnit)
	return a
}

func (a *allowance) deposit() {
	if a.credit.Load() < allowanceBurst*allowanceUnit {
		a.credit.Add(a.share)
	}
}

func (a *allowance) withdraw() bool {
	for {
		c := a.credit.Load()
		if c < allowanceUnit {
			return false
		}
		if a.credit.CompareAndSwap(c, c-allowanceUnit) {
			return true
		}
	}
}
