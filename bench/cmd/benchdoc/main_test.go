package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sample = `goos: linux
cpu: Test CPU
BenchmarkScenarioStorm503/esrt-2         	       1	  83154675 ns/op	         1.450 attempts/call
BenchmarkScenarioStorm503/elastic-transport-go-2     	       1	  13230254 ns/op	         4.000 attempts/call
BenchmarkDefaultChain/client-headers/esrt/parallel-16   	 100	  300 ns/op	  2000 B/op	  12 allocs/op
BenchmarkDefaultChain/client-headers/esrt-2   	 100	  1000 ns/op
BenchmarkDefaultChain/client-headers/esrt-2   	 100	  1200 ns/op
BenchmarkDefaultChain/client-headers/esrt-2   	 100	  9000 ns/op
PASS
`

// TestParse checks that names lose their -GOMAXPROCS suffix but for the
// /parallel variants, and that the median is taken.
func TestParse(t *testing.T) {
	rs := runs{}
	if cpu := parse(strings.NewReader(sample), rs); cpu != "Test CPU" {
		t.Errorf("cpu %q", cpu)
	}
	if v, ok := rs.median("ScenarioStorm503/esrt", "attempts/call"); !ok || v != 1.45 {
		t.Errorf("attempts/call = %v, %v; want 1.45", v, ok)
	}
	if v, ok := rs.median("DefaultChain/client-headers/esrt/parallel@16", "allocs/op"); !ok || v != 12 {
		t.Errorf("parallel@16 allocs/op = %v, %v; want 12", v, ok)
	}
	if v, _ := rs.median("DefaultChain/client-headers/esrt", "ns/op"); v != 1200 {
		t.Errorf("median ns/op = %v, want 1200", v)
	}
}

// TestUpdateKeepsHandWrittenText checks that only the text between the
// markers changes, and that a document without them gets the section at
// its end.
func TestUpdateKeepsHandWrittenText(t *testing.T) {
	dir := t.TempDir()
	doc := filepath.Join(dir, "B.md")
	os.WriteFile(doc, []byte("# Title\n\nhand\n"), 0o644)
	if err := update(doc, begin+"\none\n"+end+"\n"); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(doc, append(must(os.ReadFile(doc)), "after\n"...), 0o644)
	if err := update(doc, begin+"\ntwo\n"+end+"\n"); err != nil {
		t.Fatal(err)
	}
	want := "# Title\n\nhand\n\n" + begin + "\ntwo\n" + end + "\nafter\n"
	if got := string(must(os.ReadFile(doc))); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestSectionReportsMissedTargets checks that a target over its limit is
// written down as missed, with the measured value, and one not measured as
// such.
func TestSectionReportsMissedTargets(t *testing.T) {
	rs := runs{}
	parse(strings.NewReader(sample), rs)
	s := section(rs, "Test CPU", "a machine", "bench/run.sh", "")
	for _, want := range []string{
		"| 503 storm: ≤ 1.25 attempts per call | 1.45 | missed |",
		"| Slow node: esrt's p99 ≤ 1.2× its healthy p99 | — | not measured |",
		"esrt is ahead of elastic-transport-go (elastic-transport-go ÷ esrt 2.76)",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("section lacks %q:\n%s", want, s)
		}
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
