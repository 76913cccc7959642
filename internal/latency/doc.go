// Package latency records the recent latency of a node or of an operation,
// lock-free, for esrt's routing and hedging:
//
//   - [Average] is a node's typical latency, a time-decayed geometric mean
//     of its samples, which the latency-aware selector compares across
//     nodes;
//   - [Histogram] is the distribution of an operation's recent latencies,
//     from which the hedging middleware reads a quantile as its delay.
package latency
