package selector

import (
	"testing"
	"time"
)

var nowSink int64

// BenchmarkClock compares the pool's clock, which the router reads twice
// per attempt, with time.Now, which reads the wall and monotonic clocks.
func BenchmarkClock(b *testing.B) {
	p, err := NewPool(PoolConfig{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("nowNanos", func(b *testing.B) {
		for b.Loop() {
			nowSink = p.nowNanos()
		}
	})
	b.Run("time.Now", func(b *testing.B) {
		for b.Loop() {
			nowSink = time.Now().UnixNano()
		}
	})
}
