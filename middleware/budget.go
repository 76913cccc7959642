package middleware

import (
	"cmp"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esrt-dev/esrt/rt"
)

// BudgetConfig configures a [Budget]. The zero value allows retries of up to
// 20 % of first attempts plus 10 per second, over a 10 s window.
type BudgetConfig struct {
	// Ratio is the share of first attempts that may be retried (or hedged).
	// If zero, 0.2.
	Ratio float64
	// MinPerSecond is a floor of retries always allowed per second, so that
	// a client with little traffic can still retry. If zero, 10; negative
	// means none.
	MinPerSecond int
	// Window is the span over which attempts are counted. If zero, 10 s.
	Window time.Duration
	// Now is the clock. If nil, time.Now.
	Now func() time.Time
}

// Budget caps extra attempts — retries and hedges — at a share of first
// attempts, so that a cluster in trouble sees about (1+Ratio)× its normal
// load instead of (MaxRetries+1)×, the retry storm that keeps a struggling
// cluster down. It counts first attempts and extra attempts in one-second
// buckets over a sliding window. A Budget is safe for concurrent use and is
// meant to be shared by every retrying and hedging middleware of a client.
// The retry middleware asks it only for retries of attempts that reached a
// server: an attempt whose connection was refused is no load to limit.
//
// Deposit, called for every request, is one atomic add: it neither locks
// nor reads the clock. Withdraw spreads the first attempts counted since
// its previous call evenly over the seconds in between, which is exact for
// a steady load and what the budget measures anyway: the rate of first
// attempts.
type Budget struct {
	ratio   float64
	floor   int
	window  int64 // seconds
	now     func() time.Time
	pending atomic.Int64 // first attempts not yet put into buckets

	mu       sync.Mutex
	buckets  []secondCounts
	lastSync int64 // Unix second of the last Withdraw; 0 before the first
}

// secondCounts is what a Budget counted in one second.
type secondCounts struct {
	second         int64
	firsts, extras int
}

// NewBudget returns a Budget. Errors are [*rt.ConfigError] values.
func NewBudget(cfg BudgetConfig) (*Budget, error) {
	ratio := cmp.Or(cfg.Ratio, 0.2)
	if ratio < 0 {
		return nil, &rt.ConfigError{Field: "Ratio", Err: fmt.Errorf("negative ratio %v", ratio)}
	}
	floor := cfg.MinPerSecond
	switch {
	case floor == 0:
		floor = 10
	case floor < 0:
		floor = 0
	}
	window := cmp.Or(cfg.Window, 10*time.Second)
	if window < time.Second {
		return nil, &rt.ConfigError{Field: "Window", Err: fmt.Errorf("window %v shorter than 1s", window)}
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	secs := int64(window / time.Second)
	return &Budget{ratio: ratio, floor: floor, window: secs, now: now, buckets: make([]secondCounts, secs)}, nil
}

// bucket returns the bucket of second sec, reset if it is stale. b.mu must
// be held.
func (b *Budget) bucket(sec int64) *secondCounts {
	bk := &b.buckets[sec%b.window]
	if bk.second != sec {
		*bk = secondCounts{second: sec}
	}
	return bk
}

// sync moves the pending first attempts into the buckets of the seconds
// since the last sync (at most a window's worth), spread evenly. b.mu must
// be held.
func (b *Budget) sync(now int64) {
	n := b.pending.Swap(0)
	from := b.lastSync + 1
	if b.lastSync == 0 || from > now {
		from = now
	}
	span := now - from + 1
	if span > b.window {
		// Older seconds have left the window: only their share stays.
		n = n * b.window / span
		from, span = now-b.window+1, b.window
	}
	b.lastSync = now
	for sec := from; sec <= now; sec++ {
		share := n / span
		if sec == now {
			share = n - (n/span)*(span-1) // the remainder goes to now
		}
		b.bucket(sec).firsts += int(share)
	}
}

// Deposit records a first attempt.
func (b *Budget) Deposit() { b.pending.Add(1) }

// Withdraw asks for one extra attempt and reports whether the budget allows
// it; when it does, the attempt is counted.
func (b *Budget) Withdraw() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now().Unix()
	b.sync(now)
	cur := b.bucket(now)
	oldest := cur.second - b.window + 1
	var firsts, extras int
	for i := range b.buckets {
		if bk := &b.buckets[i]; bk.second >= oldest {
			firsts += bk.firsts
			extras += bk.extras
		}
	}
	allowed := b.ratio*float64(firsts) + float64(b.floor)*float64(b.window)
	if float64(extras+1) > allowed {
		return false
	}
	cur.extras++
	return true
}
