package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// table is one generated table: the benchmarks whose names start with
// prefix, one row per benchmark, a column per unit.
type table struct {
	title  string
	prefix string
	about  string   // what the table measures, one paragraph
	units  []string // the columns; the first is the one the ratio and the sentence use
	higher bool     // for the first unit, higher is better
}

var tables = []table{
	{"Slow node", "ScenarioSlowNode/", "Three nodes answering in 1 ms, 16 callers; then one node answers 20 ms later. p99-ratio is the p99 while one node is slow over the same contender's healthy p99; slow-share-% is the share of requests the slow node got.",
		[]string{"p99-ratio", "p99-ns", "healthy-p99-ns", "slow-share-%", "failed-calls"}, false},
	{"Sequential spread", "ScenarioSpread/", "600 sequential requests to three equal nodes: the least and the most any node got (even is 33.3 %).",
		[]string{"min-share-%", "max-share-%"}, true},
	{"Node death", "ScenarioNodeDeath/", "Three nodes answering in 1 ms, 8 callers; one node is killed (listener and connections closed) for 3 s, then revived. All contenders run at the same time. revived-ms is the time from the revival to the node's first request (5000 means not within the 5 s window).",
		[]string{"failed-calls", "slowest-ns", "dead-p99-ns", "healthy-p99-ns", "revived-ms"}, false},
	{"503 storm", "ScenarioStorm503/", "Every node answers 503; 16 callers. attempts/call is the requests the cluster got per call; ns/op is the time a call takes to fail.",
		[]string{"attempts/call", "attempts/s", "ns/op", "failed-calls"}, false},
	{"Writes under connection resets", "ScenarioWriteReset/", "4 callers POST documents without ids; every tenth connection is reset, before the node reads the request or after it applied it. dup-docs are documents stored twice; caller-errors are failures the caller was told of.",
		[]string{"dup-docs", "caller-errors", "lost-docs", "ns/op"}, false},
	{"Overhead over a canned base", "DefaultChain/", "A GET and a 1 KiB POST carrying a client's headers, over a base that answers at once: the transports' own work. baseline is the base alone; contract-floor is the least a transport that keeps the RoundTripper contract can do (see the hand-written section above). Serial at -cpu 1, and RunParallel at 1–16 procs (parallel@N).",
		[]string{"ns/op", "B/op", "allocs/op"}, false},
	{"Loopback, by number of callers", "LoopbackCallers/", "Searches over loopback HTTP to three plain nodes, from 1 to 256 callers. ns/op is wall time per request (the inverse of throughput); newconns/op counts the connections the nodes accepted per request (churn). Every contender has its own *http.Transport with room for 256 idle connections per node, except esrt-own-base: esrt over its default base transport, as esrt.New builds it (HTTPTransportConfig.MaxIdleConnsPerHost at its default).",
		[]string{"ns/op", "p50-ns", "p99-ns", "newconns/s", "B/op"}, false},
	{"Cold start", "ColdStart/", "A new client (its own *http.Transport), its first request to a live node, and closing it. goroutines counts those running after the first request beyond those before: three are the connection's (two in net/http's client, one in the node).",
		[]string{"ns/op", "B/op", "allocs/op", "goroutines"}, false},
	{"Scale of the cluster", "ClusterScale/", "A request over a canned base with 3, 30 and 300 nodes configured: selection and health bookkeeping; in the -one-down cases the first node refuses every connection (the bare transport, which would fail, is left out).",
		[]string{"ns/op", "B/op", "allocs/op"}, false},
	{"Sniff parsing", "SniffParse/", "Parsing a GET /_nodes/http answer of 1 000 nodes.",
		[]string{"ns/op", "B/op", "allocs/op"}, false},
	{"Request compression", "Compression/", "A 1 MiB NDJSON bulk body sent with request compression on, over a canned base; stdlib-unpooled is a new compress/gzip writer and buffer per request.",
		[]string{"ns/op", "B/op", "allocs/op"}, false},
	{"Bulk ingest", "BulkIndexer/", "Documents of about 200 bytes, with ids, indexed into a three-node estest cluster in a child process, 4 workers and 1 MiB flushes each; one op is one document, so B/op is bytes allocated per document. In the 429 cases every 50th item a node sees is answered 429 and not applied: lost-docs are documents missing from the index at the end, failed-docs those the indexer reported as failed. A document sent twice is stored once (it has an id): duplicates under resets are in the writes table.",
		[]string{"docs/s", "B/op", "allocs/op", "client-cpu-ns/doc", "lost-docs", "failed-docs"}, true},
}

// render writes t's markdown: its paragraph, the table with the ratio of
// the first unit to esrt's in the same group, and one sentence.
func (t table) render(rs runs, b *strings.Builder) {
	names := rs.names(t.prefix)
	if len(names) == 0 {
		fmt.Fprintf(b, "### %s\n\nNot measured in this run.\n\n", t.title)
		return
	}
	fmt.Fprintf(b, "### %s\n\n%s\n\n", t.title, t.about)
	b.WriteString("| case | contender |")
	for _, u := range t.units {
		fmt.Fprintf(b, " %s |", header(u))
	}
	fmt.Fprintf(b, " %s ÷ esrt |\n|---|---|", header(t.units[0]))
	for range t.units {
		b.WriteString("---:|")
	}
	b.WriteString("---:|\n")
	cmp := map[string][]comparison{}
	for _, n := range names {
		group, c := split(strings.TrimPrefix(n, t.prefix))
		if group == "" {
			group = "—"
		}
		fmt.Fprintf(b, "| %s | %s |", group, c)
		for _, u := range t.units {
			v, ok := rs.median(n, u)
			fmt.Fprintf(b, " %s |", formatUnit(v, ok, u))
		}
		v, _ := rs.median(n, t.units[0])
		e, ok := rs.median(esrtName(t.prefix, n), t.units[0])
		r := ratio(v, e, ok)
		fmt.Fprintf(b, " %s |\n", r)
		if c == "esrt" || !ok || !isPeer(c) {
			continue
		}
		cmp[c] = append(cmp[c], comparison{better(e, v, t.higher), v, e})
	}
	b.WriteString("\n" + sentence(t, cmp) + "\n\n")
}

// esrtName is the name of esrt's benchmark in n's group.
func esrtName(prefix, n string) string {
	parts := strings.Split(strings.TrimPrefix(n, prefix), "/")
	for i, p := range parts {
		if slices.Contains(contenderOrder, p) {
			parts[i] = "esrt"
		}
	}
	return prefix + strings.Join(parts, "/")
}

func isPeer(c string) bool {
	return slices.Contains([]string{"elastic-transport-go", "go-elasticsearch", "opensearch-go", "bare", "direct", "stdlib-unpooled"}, c)
}

// better is 1 when esrt's e beats the peer's v, -1 when it loses, 0 when
// they are within 2 % (or both zero).
func better(e, v float64, higher bool) int {
	if e == v || math.Abs(e-v) <= 0.02*math.Max(math.Abs(e), math.Abs(v)) {
		return 0
	}
	if (e > v) == higher {
		return 1
	}
	return -1
}

// comparison is esrt against one peer in one case: who is ahead (1 esrt,
// -1 the peer, 0 level) and the two values.
type comparison struct {
	verdict    int
	peer, esrt float64
}

// sentence says, for each peer, where esrt is ahead or behind on the
// table's first unit.
func sentence(t table, cmp map[string][]comparison) string {
	var parts []string
	for _, c := range contenderOrder {
		cs := cmp[c]
		if len(cs) == 0 {
			continue
		}
		var ahead, behind int
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, x := range cs {
			switch x.verdict {
			case 1:
				ahead++
			case -1:
				behind++
			}
			if x.esrt != 0 {
				lo, hi = math.Min(lo, x.peer/x.esrt), math.Max(hi, x.peer/x.esrt)
			}
		}
		rng := ""
		switch {
		case math.IsInf(lo, 1):
		case len(cs) == 1 || fmt.Sprintf("%.2f", lo) == fmt.Sprintf("%.2f", hi):
			rng = fmt.Sprintf(" (%s ÷ esrt %.2f)", c, lo)
		default:
			rng = fmt.Sprintf(" (%s ÷ esrt %.2f to %.2f)", c, lo, hi)
		}
		switch {
		case len(cs) == 1 && ahead == 1:
			parts = append(parts, "ahead of "+c+rng)
		case len(cs) == 1 && behind == 1:
			parts = append(parts, "behind "+c+rng)
		case len(cs) == 1:
			parts = append(parts, "level with "+c+rng)
		default:
			parts = append(parts, fmt.Sprintf("ahead of %s in %d of %d cases and behind it in %d%s", c, ahead, len(cs), behind, rng))
		}
	}
	dir := "lower"
	if t.higher {
		dir = "higher"
	}
	if len(parts) == 0 {
		return "No peer was measured here."
	}
	return fmt.Sprintf("On %s (%s is better; level means within 2 %%), esrt is %s.", t.units[0], dir, strings.Join(parts, "; "))
}

func ratio(v, e float64, ok bool) string {
	if !ok {
		return "—"
	}
	if e == 0 {
		if v == 0 {
			return "="
		}
		return "∞"
	}
	return fmt.Sprintf("%.2f", v/e)
}

// header names unit's column: durations other than ns/op are shown in
// milliseconds.
func header(unit string) string {
	if u, ok := strings.CutSuffix(unit, "-ns"); ok {
		return u + " (ms)"
	}
	return unit
}

func formatUnit(v float64, ok bool, unit string) string {
	if ok && strings.HasSuffix(unit, "-ns") {
		return fmt.Sprintf("%.2f", v/1e6)
	}
	return format(v, ok)
}

func format(v float64, ok bool) string {
	switch {
	case !ok:
		return "—"
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return thousands(int64(v))
	case math.Abs(v) >= 100:
		return thousands(int64(math.Round(v)))
	}
	return fmt.Sprintf("%.3g", v)
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ' ')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
