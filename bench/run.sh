#!/usr/bin/env bash
# Runs the benchmark suite against the peers with a fixed count, summarises
# it with benchstat and regenerates the generated section of
# docs/BENCHMARKS.md (between <!-- generated:begin --> and
# <!-- generated:end -->; the hand-written sections are left as they are).
#
#   bench/run.sh            # the full suite: about 15 minutes on 2 cores
#   COUNT=1 bench/run.sh    # fewer repetitions of the micro benchmarks
#   SMOKE=1 bench/run.sh    # every benchmark once, short: checks the script
#
# The raw output and benchstat's summary are kept in bench/results/.
set -euo pipefail
cd "$(dirname "$0")"
count=${COUNT:-5}
out=results
mkdir -p "$out"
raw="$out/raw.txt"
: >"$raw"

# bt DURATION: the -test.benchtime to use, 1x for a smoke run.
bt() { if [ "${SMOKE:-}" = 1 ]; then echo 1x; else echo "$1"; fi; }
full=-scenarios.full
[ "${SMOKE:-}" = 1 ] && full=

go test -c -o "$out/bench.test" .
run() { # test binary flags...
	echo "+ bench.test $*" >&2
	"$out/bench.test" -test.run '^$' -test.timeout 60m "$@" | tee -a "$raw"
}

# Each repetition runs every contender once, so that repetitions, not
# contenders, take turns: a noisy spell of the machine hits them alike.
for i in $(seq "$count"); do
	echo "== repetition $i of $count" >&2
	# The transports' own work over a canned base: serial at -cpu 1, and
	# RunParallel at 1 to 16 procs.
	run -test.bench '^BenchmarkDefaultChain/client-headers(-post-1k)?/[^/]+$' -test.benchmem -test.cpu 1 -test.benchtime "$(bt 200ms)"
	run -test.bench '^BenchmarkDefaultChain/client-headers(-post-1k)?/[^/]+/parallel$' -test.benchmem -test.cpu 1,2,4,8,16 -test.benchtime "$(bt 200ms)"
	# Loopback by number of callers, cold start, the cluster's scale, sniff
	# parsing and compression.
	run -test.bench '^BenchmarkLoopbackCallers$' -test.benchmem -test.cpu 2 -test.benchtime "$(bt 2000x)"
	run -test.bench '^BenchmarkColdStart$' -test.benchmem -test.cpu 2 -test.benchtime "$(bt 200x)"
	run -test.bench '^Benchmark(ClusterScale|SniffParse|Compression)$' -test.benchmem -test.cpu 1 -test.benchtime "$(bt 300ms)"
	# Bulk ingest, a fresh cluster process per run: three repetitions at
	# most, it is the slowest.
	if [ "$i" -le 3 ]; then
		run -test.bench '^BenchmarkBulkIndexer$' -test.benchmem -test.cpu 2 -test.benchtime "$(bt 100000x)"
	fi
done
# The failure scenarios: one run each, at full length; their contenders
# take turns (or run side by side) inside the run.
run -test.bench '^BenchmarkScenario' -test.cpu 2 -test.benchtime 1x $full

GOFLAGS= go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da "$raw" >"$out/benchstat.txt"

machine="$(nproc) cores, $(go env GOVERSION), $(go env GOOS)/$(go env GOARCH), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end of the run, $(date -u +%Y-%m-%d)"
go run ./cmd/benchdoc -doc ../docs/BENCHMARKS.md -machine "$machine" \
	-command "bench/run.sh (COUNT=$count)" -benchstat bench/results/benchstat.txt "$raw"
echo "docs/BENCHMARKS.md regenerated from $raw" >&2
