// Command benchdoc regenerates the generated section of
// docs/BENCHMARKS.md from go test -bench output: the machine, the command,
// one table per scenario with each contender's medians and their ratio to
// esrt's in the same run, one sentence per table on where esrt is ahead or
// behind, and esrt's targets, met or missed. bench/run.sh runs it:
//
//	benchdoc -doc docs/BENCHMARKS.md -machine "..." -command "..." results.txt...
//
// Only the text between the markers <!-- generated:begin --> and
// <!-- generated:end --> changes; without them, the section is appended.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"
)

const (
	begin = "<!-- generated:begin -->"
	end   = "<!-- generated:end -->"
)

func main() {
	doc := flag.String("doc", "docs/BENCHMARKS.md", "the document to update")
	machine := flag.String("machine", "", "the machine the run was on")
	command := flag.String("command", "bench/run.sh", "the command that made the run")
	stat := flag.String("benchstat", "", "where benchstat's summary of the run is, to link to")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "benchdoc: name the files of go test -bench output")
		os.Exit(2)
	}
	rs := runs{}
	cpu := ""
	for _, name := range flag.Args() {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchdoc:", err)
			os.Exit(1)
		}
		if c := parse(f, rs); c != "" {
			cpu = c
		}
		f.Close()
	}
	if len(rs) == 0 {
		fmt.Fprintln(os.Stderr, "benchdoc: no benchmark results in", strings.Join(flag.Args(), ", "))
		os.Exit(1)
	}
	if err := update(*doc, section(rs, cpu, *machine, *command, *stat)); err != nil {
		fmt.Fprintln(os.Stderr, "benchdoc:", err)
		os.Exit(1)
	}
}

// section is the generated text, markers included.
func section(rs runs, cpu, machine, command, stat string) string {
	var b strings.Builder
	b.WriteString(begin + "\n")
	b.WriteString("## Against the peers: failures, scale and ingest (generated)\n\n")
	b.WriteString("This section is written by `bench/run.sh` from one run; do not edit it by hand. ")
	b.WriteString("Each row is a median (scenario benchmarks run once, their contenders interleaved or side by side); ")
	b.WriteString("the last column is the first metric's ratio to esrt's in the same case of the same run. ")
	b.WriteString("A missed target is reported as missed.\n\n")
	fmt.Fprintf(&b, "- Machine: %s", machine)
	if cpu != "" {
		fmt.Fprintf(&b, ", %s", cpu)
	}
	fmt.Fprintf(&b, "\n- Command: `%s`\n", command)
	if stat != "" {
		fmt.Fprintf(&b, "- benchstat's summary, with the spread of each value: [%s](%s)\n", stat, "../"+stat)
	}
	b.WriteString("\n")
	renderTargets(rs, &b)
	for _, t := range tables {
		t.render(rs, &b)
	}
	b.WriteString(end + "\n")
	return b.String()
}

// update replaces the generated section of the file doc with s, or
// appends s.
func update(doc, s string) error {
	old, err := os.ReadFile(doc)
	if err != nil {
		return err
	}
	i, j := bytes.Index(old, []byte(begin)), bytes.Index(old, []byte(end))
	var out []byte
	switch {
	case i < 0 && j < 0:
		out = append(append(bytes.TrimRight(old, "\n"), "\n\n"...), s...)
	case i >= 0 && j > i:
		rest := old[j+len(end):]
		rest = bytes.TrimPrefix(rest, []byte("\n"))
		out = append(append(append([]byte{}, old[:i]...), s...), rest...)
	default:
		return fmt.Errorf("%s: the markers %s and %s are not in order", doc, begin, end)
	}
	return os.WriteFile(doc, out, 0o644)
}
