package selector

import (
	"testing"
	"unsafe"
)

// The router allocates an attempt's copy of the request, its URL, its edits
// and its body tracker in one allocation; past 512 bytes it takes the next
// size class (576), 64 bytes more per request (BenchmarkDefaultChain).
func TestAttemptFitsItsSizeClass(t *testing.T) {
	if got := unsafe.Sizeof(attempt{}); got > 512 {
		t.Errorf("an attempt takes %d bytes, want at most 512", got)
	}
}
