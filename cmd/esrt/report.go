package main

import (
	"fmt"
	"html"
	"io"
	"strings"
	"time"
)

// stateColours colour the node-state timeline and its legend.
var stateColours = map[string]string{
	stateHealthy: "#2e9e44",
	stateSlow:    "#f0a202",
	stateBreaker: "#8e44ad",
	stateDead:    "#d62828",
}

// The colours of the latency lines.
const (
	p50Colour = "#1f77b4"
	p99Colour = "#e4572e"
)

// Chart geometry, in SVG user units.
const (
	chartW, chartH = 960, 280
	padL, padR     = 70, 20
	padT, padB     = 20, 40
	bandH, bandGap = 34, 10
)

// writeReport writes the run as one self-contained HTML page: inline CSS
// and SVG, no script, no external resource, so that it opens offline.
func writeReport(w io.Writer, res *demoResult) error {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>esrt demo report</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse}td,th{padding:3px 10px;text-align:right;border-bottom:1px solid #ddd}
td:first-child,th:first-child{text-align:left}
.legend span{display:inline-block;margin-right:16px}.legend i{display:inline-block;width:14px;height:14px;margin-right:5px;vertical-align:-2px}
svg text{font:12px system-ui,sans-serif;fill:#444}
</style></head><body>
`)
	fmt.Fprintf(&b, "<h1>esrt demo: %d nodes, %.1fs</h1>\n<p>%d application errors; %d attempts sent again by the transport, %d bulk items by the indexer.</p>\n",
		len(res.names), res.elapsed.Seconds(), res.rec.errorCount(), res.transportRetries, res.bulkRetried)
	b.WriteString("<h2>Latency over time (p50 and p99 per second)</h2>\n")
	b.WriteString(legend([][2]string{{"p50", p50Colour}, {"p99", p99Colour}}))
	b.WriteString(latencyChart(res))
	b.WriteString("<h2>Node states</h2>\n")
	var items [][2]string
	for _, s := range []string{stateHealthy, stateSlow, stateBreaker, stateDead} {
		items = append(items, [2]string{s, stateColours[s]})
	}
	b.WriteString(legend(items))
	b.WriteString(timelineChart(res))
	b.WriteString("<h2>Script</h2>\n<ol>\n")
	for _, e := range res.events {
		fmt.Fprintf(&b, "<li>%.1fs: %s</li>\n", e.at.Seconds(), html.EscapeString(e.text))
	}
	b.WriteString("</ol>\n<h2>Summary</h2>\n<table><tr><th>operation</th><th>calls</th><th>errors</th><th>p50</th><th>p90</th><th>p99</th><th>max</th></tr>\n")
	for _, s := range res.rec.totals(summaryOps) {
		if s.op == "bulk" {
			s.op = "bulk items"
		}
		fmt.Fprintf(&b, "<tr><td>%s</td><td>%d</td><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
			s.op, s.calls, s.errors, fmtDur(s.p50), fmtDur(s.p90), fmtDur(s.p99), fmtDur(s.max))
	}
	b.WriteString("</table>\n</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// legend is a row of coloured keys.
func legend(items [][2]string) string {
	var b strings.Builder
	b.WriteString(`<p class="legend">`)
	for _, it := range items {
		fmt.Fprintf(&b, `<span><i style="background:%s"></i>%s</span>`, it[1], html.EscapeString(it[0]))
	}
	b.WriteString("</p>\n")
	return b.String()
}

// span is the run's length on the charts' time axis, at least 1 s.
func (res *demoResult) span() time.Duration {
	s := max(res.elapsed, time.Second)
	if n := len(res.timeline); n > 0 {
		s = max(s, res.timeline[n-1].at)
	}
	return s
}

// xOf places a moment of the run on a chart's time axis.
func xOf(at, span time.Duration) float64 {
	return padL + float64(at)/float64(span)*(chartW-padL-padR)
}

// timeAxis draws the time axis at y with a label every step, and the
// script's events as dashed lines from top to y.
func timeAxis(b *strings.Builder, res *demoResult, top, y float64) {
	span := res.span()
	step := time.Second * time.Duration(max(1, int(span.Seconds())/10))
	fmt.Fprintf(b, `<line x1="%d" y1="%.0f" x2="%d" y2="%.0f" stroke="#888"/>`+"\n", padL, y, chartW-padR, y)
	for t := time.Duration(0); t <= span; t += step {
		x := xOf(t, span)
		fmt.Fprintf(b, `<text x="%.1f" y="%.0f" text-anchor="middle">%ds</text>`+"\n", x, y+16, int(t.Seconds()))
	}
	for i, e := range res.events {
		x := xOf(e.at, span)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="#555" stroke-dasharray="4 3"/><text x="%.1f" y="%.0f">%d</text>`+"\n",
			x, top, x, y, x+3, top+12, i+1)
	}
}

// latencyChart draws p50 and p99 of every second as two lines.
func latencyChart(res *demoResult) string {
	secs := res.rec.seconds()
	var top time.Duration
	for _, s := range secs {
		top = max(top, s.p99)
	}
	top = niceCeil(top)
	span := res.span()
	plotH := float64(chartH - padT - padB)
	yOf := func(d time.Duration) float64 { return padT + plotH - float64(d)/float64(top)*plotH }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="latency" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="latency over time">`+"\n", chartW, chartH, chartW, chartH)
	for i := 0; i <= 4; i++ {
		d := top * time.Duration(i) / 4
		y := yOf(d)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e5e5e5"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n",
			padL, y, chartW-padR, y, padL-6, y+4, axisLabel(d))
	}
	timeAxis(&b, res, padT, padT+plotH)
	for _, line := range []struct {
		colour string
		of     func(secondStats) time.Duration
	}{{p50Colour, func(s secondStats) time.Duration { return s.p50 }}, {p99Colour, func(s secondStats) time.Duration { return s.p99 }}} {
		var pts []string
		for i, s := range secs {
			if s.calls > 0 {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", xOf(min(time.Duration(i)*time.Second+time.Second/2, span), span), yOf(line.of(s))))
			}
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2.5" points="%s"/>`+"\n", line.colour, strings.Join(pts, " "))
		for _, p := range pts {
			x, y, _ := strings.Cut(p, ",")
			fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="3.5" fill="%s"/>`+"\n", x, y, line.colour)
		}
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// niceCeil rounds a latency up to 1, 2 or 5 times a power of ten
// microseconds, and at least 1 ms.
func niceCeil(d time.Duration) time.Duration {
	for unit := time.Microsecond; ; unit *= 10 {
		for _, m := range []time.Duration{1, 2, 5} {
			if c := m * unit; c >= d && c >= time.Millisecond {
				return c
			}
		}
	}
}

// timelineChart draws a band per node, coloured by its state over time.
func timelineChart(res *demoResult) string {
	span := res.span()
	h := padT + len(res.names)*(bandH+bandGap) + padB
	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="nodes" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="node states over time">`+"\n", chartW, h, chartW, h)
	for n, name := range res.names {
		y := padT + n*(bandH+bandGap)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", padL-6, y+bandH/2+4, html.EscapeString(name))
		for i, s := range res.timeline {
			from := time.Duration(0)
			if i > 0 {
				from = res.timeline[i-1].at
			}
			x0, x1 := xOf(from, span), xOf(s.at, span)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s %s at %.2fs</title></rect>`+"\n",
				x0, y, x1-x0+0.6, bandH, stateColours[s.states[n]], html.EscapeString(name), s.states[n], s.at.Seconds())
		}
	}
	timeAxis(&b, res, padT, float64(h-padB+6))
	b.WriteString("</svg>\n")
	return b.String()
}

// axisLabel labels the latency axis: 0 as "0".
func axisLabel(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	return fmtDur(d)
}
