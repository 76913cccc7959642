package selector

import "time"

// nowNanos returns the current time in Unix nanoseconds. Without an
// injected clock it reads only the monotonic clock (about half the cost of
// time.Now), offset so that it reads as Unix time: the router reads the
// time twice per attempt.
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
