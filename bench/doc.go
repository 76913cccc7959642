// Package bench compares esrt with peer transports and clients, side by
// side in one run, so that only the clients' own work differs.
//
// The micro benchmarks (BenchmarkDefaultChain, BenchmarkLayers,
// BenchmarkClusterScale, BenchmarkSniffParse, BenchmarkCompression) run
// over a canned base transport; BenchmarkLoopback and
// BenchmarkLoopbackCallers over loopback HTTP; BenchmarkColdStart measures
// a new client and its first request; BenchmarkBulkIndexer loads an estest
// cluster in a child process. The scenario benchmarks
// (BenchmarkScenario...) put esrt's default chain, esrt with round-robin,
// elastic-transport-go, go-elasticsearch v9, opensearch-go v4 and a bare
// *http.Transport, each over its own *http.Transport with the same pool
// settings, in front of plain loopback nodes (nodes_test.go) that can be
// slowed, answer an error status, reset connections or die, and report
// each contender's numbers as custom metrics. They are short smoke runs
// unless -scenarios.full is given after -args.
//
// bench/run.sh runs the whole suite with a fixed count, summarises it with
// benchstat into bench/results, and regenerates the generated section of
// docs/BENCHMARKS.md with cmd/benchdoc. See docs/BENCHMARKS.md for results
// and how to reproduce them.
package bench
