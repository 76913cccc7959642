package bench

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// sizePeers adds go-elasticsearch's typed API to TestBinarySize; it takes
// minutes to compile from a cold cache, so CI leaves it out:
//
//	go test -run TestBinarySize -v . -args -size.peers
var sizePeers = flag.Bool("size.peers", false, "TestBinarySize: also build the go-elasticsearch typed API program")

// TestBinarySize builds the three programs of bench/size — the same index,
// search and bulk work with net/http alone, with esrt's transport and
// client, and with go-elasticsearch's typed API — and checks what esrt
// adds: at most 2 MB over net/http stripped of symbols (-ldflags=-s -w, as
// binaries usually ship), at most 2.25 MB with them, and, with -size.peers,
// less than go-elasticsearch's typed API adds either way. docs/BENCHMARKS.md has the
// numbers.
func TestBinarySize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds three programs; skipped with -short")
	}
	dir := t.TempDir()
	build := func(prog string, strip bool) int64 {
		t.Helper()
		out := filepath.Join(dir, prog)
		if strip {
			out += "-stripped"
		}
		args := []string{"build", "-tags", "sizepeers", "-ldflags=" + map[bool]string{true: "-s -w"}[strip], "-o", out}
		cmd := exec.Command("go", append(args, "./size/"+prog)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", prog, err, b)
		}
		fi, err := os.Stat(out)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	for _, strip := range []bool{true, false} {
		base, esrt := build("nethttp", strip), build("esrtclient", strip)
		t.Logf("stripped=%v: net/http %d B, esrt +%d B", strip, base, esrt-base)
		limit := int64(2_000_000)
		if !strip {
			limit = 2_250_000
		}
		if esrt-base > limit {
			t.Errorf("stripped=%v: esrt adds %d B to the program, over %d", strip, esrt-base, limit)
		}
		if !*sizePeers {
			continue
		}
		goes := build("goestyped", strip)
		t.Logf("stripped=%v: go-elasticsearch typed +%d B", strip, goes-base)
		if esrt >= goes {
			t.Errorf("stripped=%v: esrt's program (%d B) is not smaller than go-elasticsearch's typed one (%d B)", strip, esrt, goes)
		}
	}
}
