package main

import (
	"fmt"
	"strings"
)

// target is one of esrt's targets, checked against the run.
type target struct {
	what  string
	check func(rs runs) (measured string, met, ok bool)
}

// ratioTarget checks that a's unit over b's is at most limit (at least,
// when atLeast).
func ratioTarget(what, a, b, unit string, limit float64, atLeast bool) target {
	return target{what, func(rs runs) (string, bool, bool) {
		x, ok1 := rs.median(a, unit)
		y, ok2 := rs.median(b, unit)
		if !ok1 || !ok2 || y == 0 {
			return "", false, false
		}
		r := x / y
		return fmt.Sprintf("%.2f×", r), (r <= limit) != atLeast || r == limit, true
	}}
}

// valueTarget checks that name's unit is at most limit.
func valueTarget(what, name, unit string, limit float64, format string) target {
	return target{what, func(rs runs) (string, bool, bool) {
		v, ok := rs.median(name, unit)
		if !ok {
			return "", false, false
		}
		return fmt.Sprintf(format, v), v <= limit, true
	}}
}

var targets = []target{
	valueTarget("Slow node: esrt's p99 ≤ 1.2× its healthy p99", "ScenarioSlowNode/esrt", "p99-ratio", 1.2, "%.2f×"),
	valueTarget("503 storm: ≤ 1.25 attempts per call", "ScenarioStorm503/esrt", "attempts/call", 1.25, "%.2f"),
	valueTarget("Writes reset after apply: 0 duplicates", "ScenarioWriteReset/after-apply/esrt", "dup-docs", 0, "%.0f"),
	valueTarget("Node death: 0 failed calls", "ScenarioNodeDeath/esrt", "failed-calls", 0, "%.0f"),
	{"Node death: slowest call ≤ healthy p99 + 20 ms", func(rs runs) (string, bool, bool) {
		s, ok1 := rs.median("ScenarioNodeDeath/esrt", "slowest-ns")
		h, ok2 := rs.median("ScenarioNodeDeath/esrt", "healthy-p99-ns")
		if !ok1 || !ok2 {
			return "", false, false
		}
		return fmt.Sprintf("%.1f ms against %.1f ms + 20 ms", s/1e6, h/1e6), s <= h+20e6, true
	}},
	valueTarget("Node death: revived node used within 2 s", "ScenarioNodeDeath/esrt", "revived-ms", 2000, "%.0f ms"),
	ratioTarget("Overhead: ≤ 1.5× elastic-transport-go at -cpu 1 (ns/op)", "DefaultChain/client-headers/esrt", "DefaultChain/client-headers/elastic-transport-go", "ns/op", 1.5, false),
	{"Overhead: the same, counting only the work above the canned base (ns/op − baseline's)", func(rs runs) (string, bool, bool) {
		e, ok1 := rs.median("DefaultChain/client-headers/esrt", "ns/op")
		g, ok2 := rs.median("DefaultChain/client-headers/elastic-transport-go", "ns/op")
		base, ok3 := rs.median("DefaultChain/client-headers/baseline", "ns/op")
		if !ok1 || !ok2 || !ok3 || g <= base {
			return "", false, false
		}
		r := (e - base) / (g - base)
		return fmt.Sprintf("%.2f× (%.0f ns against %.0f ns)", r, e-base, g-base), r <= 1.5, true
	}},
	ratioTarget("Overhead: ≤ 1× elastic-transport-go at 16 procs (ns/op)", "DefaultChain/client-headers/esrt/parallel@16", "DefaultChain/client-headers/elastic-transport-go/parallel@16", "ns/op", 1, false),
	ratioTarget("Loopback, 1 caller: ≤ 1.05× bare per request", "LoopbackCallers/1/esrt", "LoopbackCallers/1/bare", "ns/op", 1.05, false),
	ratioTarget("Loopback, 16 callers: ≤ 1.05× bare per request", "LoopbackCallers/16/esrt", "LoopbackCallers/16/bare", "ns/op", 1.05, false),
	ratioTarget("Loopback, 64 callers: ≤ 1.05× bare per request", "LoopbackCallers/64/esrt", "LoopbackCallers/64/bare", "ns/op", 1.05, false),
	ratioTarget("Loopback, 256 callers: ≤ 1.05× bare per request", "LoopbackCallers/256/esrt", "LoopbackCallers/256/bare", "ns/op", 1.05, false),
	valueTarget("Loopback, 256 callers: no connection churn (new connections per request ≤ 0.01)", "LoopbackCallers/256/esrt", "newconns/op", 0.01, "%.3f"),
	ratioTarget("Bulk: ≥ 1.5× esutil's docs/s", "BulkIndexer/esrt", "BulkIndexer/go-elasticsearch", "docs/s", 1.5, true),
	ratioTarget("Bulk: ≤ 0.5× esutil's bytes per document", "BulkIndexer/esrt", "BulkIndexer/go-elasticsearch", "B/op", 0.5, false),
	valueTarget("Bulk with 2 % of items answered 429: 0 lost", "BulkIndexer/429/esrt", "lost-docs", 0, "%.0f"),
	ratioTarget("Compression: ≥ 2× faster than stdlib unpooled gzip (time ÷ stdlib ≤ 0.5)", "Compression/esrt", "Compression/stdlib-unpooled", "ns/op", 0.5, false),
}

func renderTargets(rs runs, b *strings.Builder) {
	b.WriteString("### Targets\n\n| target | measured | |\n|---|---|---|\n")
	for _, t := range targets {
		m, met, ok := t.check(rs)
		verdict := "missed"
		switch {
		case !ok:
			m, verdict = "—", "not measured"
		case met:
			verdict = "met"
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", t.what, m, verdict)
	}
	b.WriteString("\n")
}
