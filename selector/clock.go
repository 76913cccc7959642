package selector

import "time"

// nowNanos returns the pool's time in Unix nanoseconds: PoolConfig.Now if
// set, else the monotonic clock offset to Unix time once per process, so
// that a wall-clock step does not distort durations or the dead-node
// schedule. One monotonic read costs half a time.Now (BenchmarkClock).
func (p *Pool) nowNanos() int64 {
	if p.clock != nil {
		return p.clock().UnixNano()
	}
	return epochUnix + int64(time.Since(epoch))
}

// epoch anchors the monotonic clock to Unix time once per process.
var (
	epoch     = time.Now()
	epochUnix = epoch.UnixNano()
)
