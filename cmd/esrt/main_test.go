package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// phaseRE matches one phase of the demo's output.
var phaseRE = regexp.MustCompile(`(\d+) searches(?: meanwhile)?: (\d+) succeeded, (\d+) failed\n  attempts: (.*)\n`)

// demoPhase is one phase of the demo's output: what the application saw,
// and the attempts per node and outcome.
type demoPhase struct {
	searches, succeeded, failed int
	attempts                    map[string]map[string]int // node → outcome → count
	text                        string
}

func parsePhases(t *testing.T, text string) []demoPhase {
	t.Helper()
	partRE := regexp.MustCompile(`^(node-\d) (\d+)(?: \((.*)\))?$`)
	detailRE := regexp.MustCompile(`^(.+): (\d+)$`)
	var out []demoPhase
	for _, m := range phaseRE.FindAllStringSubmatch(text, -1) {
		p := demoPhase{attempts: map[string]map[string]int{}, text: m[0]}
		p.searches, _ = strconv.Atoi(m[1])
		p.succeeded, _ = strconv.Atoi(m[2])
		p.failed, _ = strconv.Atoi(m[3])
		for _, part := range strings.Split(m[4], ", node-") {
			if !strings.HasPrefix(part, "node-") {
				part = "node-" + part
			}
			pm := partRE.FindStringSubmatch(part)
			if pm == nil {
				t.Fatalf("attempts part %q of %q", part, m[4])
			}
			total, _ := strconv.Atoi(pm[2])
			p.attempts[pm[1]] = map[string]int{}
			sum := 0
			if pm[3] != "" {
				for _, d := range strings.Split(pm[3], ", ") {
					dm := detailRE.FindStringSubmatch(d)
					if dm == nil {
						t.Fatalf("attempts detail %q", d)
					}
					n, _ := strconv.Atoi(dm[2])
					p.attempts[pm[1]][dm[1]] = n
					sum += n
				}
			}
			if sum != total {
				t.Errorf("%s: %d attempts, details add up to %d", part, total, sum)
			}
		}
		out = append(out, p)
	}
	return out
}

func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"demo"}, &out, &errOut); code != 0 {
		t.Fatalf("demo exited %d: %s\n%s", code, errOut.String(), out.String())
	}
	text := out.String()
	defer func() {
		if t.Failed() {
			t.Log(text)
		}
	}()
	for _, want := range []string{
		"indexed 3 books with _bulk (errors: false)",
		`search for "data search": Relevant Search; Designing Data-Intensive Applications`,
		"node down: node-1 after 1 failure(s)",
		"retry: attempt 2 after a connection error",
		"node down: node-0 after 1 failure(s)",
		"retry: attempt 2 after 503",
		"node up: node-1",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	phases := parsePhases(t, text)
	if len(phases) != 5 {
		t.Fatalf("%d phases in the output, want 5", len(phases))
	}
	for _, p := range phases {
		if p.failed != 0 || p.succeeded != p.searches {
			t.Errorf("a search failed: %q", p.text)
		}
		// What the application saw and what the nodes did agree: every
		// success is exactly one attempt answered 200, and a 503 or a
		// connection error is an attempt, never a success.
		ok := 0
		for _, byOutcome := range p.attempts {
			ok += byOutcome["200"]
		}
		if ok != p.succeeded {
			t.Errorf("%d attempts answered 200 for %d successful searches: %q", ok, p.succeeded, p.text)
		}
	}
	// Before the faults and after every node is back, the spread is even.
	even := "30 searches: 30 succeeded, 0 failed\n  attempts: node-0 10 (200: 10), node-1 10 (200: 10), node-2 10 (200: 10)\n"
	if phases[0].text != even || phases[4].text != even {
		t.Errorf("the first and last phases are not evenly spread:\n%s%s", phases[0].text, phases[4].text)
	}
	// While node-1 is dead, its attempts fail to connect and no search fails.
	if a := phases[1].attempts["node-1"]; a["connection error"] == 0 || a["200"] != 0 {
		t.Errorf("node-1 dead: %q", phases[1].text)
	}
	// The 503 is one attempt of a search that succeeded on another node.
	if a := phases[2].attempts["node-0"]; a["503"] != 1 {
		t.Errorf("503 phase: %q", phases[2].text)
	}
}

// Every command line either does what it says or is refused: unknown
// commands, flags and stray arguments exit 2 with the usage on stderr and
// run nothing; --help prints the usage on stdout and exits 0.
func TestRunCommandLine(t *testing.T) {
	tests := []struct {
		args       []string
		wantCode   int
		wantStdout string // a substring; "" for an empty stdout
		wantStderr string // a substring; "" for an empty stderr
	}{
		{nil, 2, "", "usage: esrt <command>"},
		{[]string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{[]string{"--bogus"}, 2, "", `unknown command "--bogus"`},
		{[]string{"help"}, 0, "usage: esrt <command>", ""},
		{[]string{"-h"}, 0, "usage: esrt <command>", ""},
		{[]string{"--help"}, 0, "usage: esrt <command>", ""},
		{[]string{"help", "demo", "extra"}, 2, "", `unexpected argument "demo"`},
		{[]string{"version"}, 0, "esrt 0.", ""},
		{[]string{"version", "--help"}, 0, "usage: esrt version", ""},
		{[]string{"version", "now"}, 2, "", `esrt version: unexpected argument "now"`},
		{[]string{"version", "--short"}, 2, "", "esrt version: flag provided but not defined: -short"},
		{[]string{"demo", "--help"}, 0, "usage: esrt demo", ""},
		{[]string{"demo", "-h"}, 0, "usage: esrt demo", ""},
		{[]string{"demo", "--nodes=5"}, 2, "", "esrt demo: flag provided but not defined: -nodes"},
		{[]string{"demo", "fast"}, 2, "", `esrt demo: unexpected argument "fast"`},
		{[]string{"demo", "--", "fast"}, 2, "", `esrt demo: unexpected argument "fast"`},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := run(context.Background(), tt.args, &out, &errOut)
		if code != tt.wantCode {
			t.Errorf("run(%q) exited %d, want %d\nstdout: %s\nstderr: %s", tt.args, code, tt.wantCode, out.String(), errOut.String())
			continue
		}
		for _, c := range []struct {
			name, got, want string
		}{{"stdout", out.String(), tt.wantStdout}, {"stderr", errOut.String(), tt.wantStderr}} {
			if c.want == "" && c.got != "" || !strings.Contains(c.got, c.want) {
				t.Errorf("run(%q) %s = %q, want %q", tt.args, c.name, c.got, c.want)
			}
		}
		// A refused command line names what is wrong and shows the usage.
		if tt.wantCode == 2 && !strings.Contains(errOut.String(), "usage: esrt") {
			t.Errorf("run(%q): no usage on stderr: %q", tt.args, errOut.String())
		}
	}
}
