package middleware

import (
	"fmt"
	"sync"
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
type Budget struct {
	ratio   float64
	floor   int
	window  int64 // seconds
	now     func() time.Time
	mu      sync.Mutex
	buckets []budgetBucket
}

type budgetBucket struct {
	second         int64
	firsts, extras int
}

// NewBudget returns a Budget. Errors are [*rt.ConfigError] values.
func NewBudget(cfg BudgetConfig) (*Budget, error) {
	ratio := cfg.Ratio
	if ratio == 0 {
		ratio = 0.2
	}
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
	window := cfg.Window
	if window == 0 {
		window = 10 * time.Second
	}
	if window < time.Second {
		return nil, &rt.ConfigError{Field: "Window", Err: fmt.Errorf("window %v shorter than 1s", window)}
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	secs := int64(window / time.Second)
	return &Budget{ratio: ratio, floor: floor, window: secs, now: now, buckets: make([]budgetBucket, secs)}, nil
}

// bucket returns the bucket of the current second, reset if it is stale.
// b.mu must be held.
func (b *Budget) bucket() *budgetBucket {
	sec := b.now().Unix()
	bk := &b.buckets[sec%b.window]
	if bk.second != sec {
		*bk = budgetBucket{second: sec}
	}
	return bk
}

// Deposit records a first attempt.
func (b *Budget) Deposit() {
	b.mu.Lock()
	b.bucket().firsts++
	b.mu.Unlock()
}

// Withdraw asks for one extra attempt and reports whether the budget allows
// it; when it does, the attempt is counted.
func (b *Budget) Withdraw() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	cur := b.bucket()
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
