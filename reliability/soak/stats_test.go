package soak_test

// This file counts what the workers did and saw: operations, latencies,
// errors by kind, and the transport's attempts and retries (through
// rt.Hooks).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/esrt-dev/esrt/client"
	"github.com/esrt-dev/esrt/rt"
)

// Read outcomes that are defects while a node is healthy.
const (
	readError    = "error"     // the call failed
	readNotFound = "not-found" // an acknowledged document was not found
	readMismatch = "mismatch"  // it was found with other content, or twice
)

// stats is safe for concurrent use.
type stats struct {
	mu        sync.Mutex
	ops       map[string]int
	latencies map[string][]time.Duration
	errs      map[string]int
	samples   map[string]string // one message per error kind
	reads     map[string]int    // read defects by outcome, a node healthy
	badReads  []string          // the first read defects, explained
	readsDown map[string]int    // read defects while no node was healthy

	attempts, retries, nodeDowns atomic.Int64
}

func newStats() *stats {
	return &stats{
		ops:       map[string]int{},
		latencies: map[string][]time.Duration{},
		errs:      map[string]int{},
		samples:   map[string]string{},
		reads:     map[string]int{},
		readsDown: map[string]int{},
	}
}

// hooks counts the transport's attempts, retries and nodes taken down.
func (s *stats) hooks() *rt.Hooks {
	return &rt.Hooks{
		OnAttemptStart: func(rt.AttemptInfo) { s.attempts.Add(1) },
		OnRetry:        func(rt.RetryInfo) { s.retries.Add(1) },
		OnNodeDown:     func(rt.NodeInfo) { s.nodeDowns.Add(1) },
	}
}

// op records an operation of kind that took d and ended with err.
func (s *stats) op(kind string, d time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ops[kind]++
	s.latencies[kind] = append(s.latencies[kind], d)
	if err != nil {
		s.sawErrorLocked(kind, err)
	}
}

// sawError records an error of kind that is no operation of its own,
// such as a bulk indexer's failed request.
func (s *stats) sawError(kind string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sawErrorLocked(kind, err)
}

func (s *stats) sawErrorLocked(kind string, err error) {
	k := kind + ": " + errorKind(err)
	s.errs[k]++
	if _, ok := s.samples[k]; !ok {
		s.samples[k] = err.Error()
	}
}

// badRead records a read defect; healthy is the number of healthy nodes
// when it was seen, why what was read and the scheduler's history.
func (s *stats) badRead(outcome string, healthy int, why string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.badReads) < 20 {
		s.badReads = append(s.badReads, outcome+": "+why)
	}
	if healthy > 0 {
		s.reads[outcome]++
	} else {
		s.readsDown[outcome]++
	}
}

// errorKind names the class of err: an HTTP status, a context's end, or
// what broke the connection.
func errorKind(err error) string {
	var ce *client.Error
	var ne net.Error
	switch {
	case errors.As(err, &ce):
		return fmt.Sprintf("status %d %s", ce.Status, ce.Type)
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline exceeded"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "eof"
	case errors.As(err, &ne):
		return "net error"
	}
	return fmt.Sprintf("other (%T)", err)
}

// latency is an operation kind's percentiles.
type latency struct {
	Count int    `json:"count"`
	P50   string `json:"p50"`
	P99   string `json:"p99"`
	Max   string `json:"max"`
}

// percentiles summarises the latencies of every kind.
func (s *stats) percentiles() map[string]latency {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]latency, len(s.latencies))
	for k, ds := range s.latencies {
		ds = slices.Clone(ds)
		slices.Sort(ds)
		at := func(q float64) string {
			return ds[min(len(ds)-1, int(q*float64(len(ds))))].Round(10 * time.Microsecond).String()
		}
		out[k] = latency{Count: len(ds), P50: at(0.50), P99: at(0.99), Max: ds[len(ds)-1].Round(10 * time.Microsecond).String()}
	}
	return out
}
