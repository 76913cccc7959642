// Package bench compares esrt with peer transports, side by side in one
// run, over the same canned base transport, so that only the transports'
// own work is measured. See docs/BENCHMARKS.md for results and how to
// reproduce them.
package bench
