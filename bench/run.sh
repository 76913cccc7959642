#!/usr/bin/env bash
# Runs the benchmark suite against the peers with a fixed count, summarises
# it with benchstat and regenerates the generated section of
# docs/BENCHMARKS.md (between <!-- generated:begin --> and
# <!-- generated:end -->; the hand-written sections are left as they are).
#
#   bench/run.sh            # the full suite: about 15 minutes on 2 cores
#   COUNT=1 bench/run.sh    # fewer repetitions of the micro benchmarks
#
# The raw output and benchstat's summary are kept in bench/results/.
set -euo pipefail
cd "$(dirname "$0")"
count=${COUNT:-5}
out=results
mkdir -p "$out"
raw="$out/raw.txt"
: >"$raw"

run() { # go test flags...
	echo "+ go test $*" >&2
	go test -run '^$' -timeout 60m "$@" . | tee -a "$raw"
}

# The transports' own work over a canned base: serial at -cpu 1, and
# RunParallel at 1 to 16 procs.
run -bench '^BenchmarkDefaultChain/client-headers(-post-1k)?/[^/]+$' -benchmem -count "$count" -cpu 1 -benchtime 200ms
run -bench '^BenchmarkDefaultChain/client-headers(-post-1k)?/[^/]+/parallel$' -benchmem -count "$count" -cpu 1,2,4,8,16 -benchtime 200ms
# Loopback by number of callers, cold start, the cluster's scale, sniff
# parsing and compression.
run -bench '^BenchmarkLoopbackCallers$' -benchmem -count "$count" -cpu 2 -benchtime 2000x
run -bench '^BenchmarkColdStart$' -benchmem -count "$count" -cpu 2 -benchtime 200x
run -bench '^Benchmark(ClusterScale|SniffParse|Compression)$' -benchmem -count "$count" -cpu 1 -benchtime 300ms
# Bulk ingest: a fresh cluster process per run.
run -bench '^BenchmarkBulkIndexer$' -benchmem -count "$(( count < 3 ? count : 3 ))" -cpu 2 -benchtime 100000x
# The failure scenarios: one run each, at full length; their contenders
# take turns (or run side by side) inside the run.
run -bench '^BenchmarkScenario' -count 1 -cpu 2 -benchtime 1x -args -scenarios.full

GOFLAGS= go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da "$raw" >"$out/benchstat.txt"

machine="$(nproc) cores, $(go env GOVERSION), $(go env GOOS)/$(go env GOARCH), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end of the run, $(date -u +%Y-%m-%d)"
go run ./cmd/benchdoc -doc ../docs/BENCHMARKS.md -machine "$machine" \
	-command "bench/run.sh (COUNT=$count)" -benchstat bench/results/benchstat.txt "$raw"
echo "docs/BENCHMARKS.md regenerated from $raw" >&2
