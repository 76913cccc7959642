package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

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
		{[]string{"demo", "--duration", "soon"}, 2, "", `esrt demo: invalid value "soon" for flag -duration`},
		{[]string{"demo", "--duration", "500ms"}, 2, "", "esrt demo: --duration must be at least 1s, not 500ms"},
		{[]string{"demo", "--report", "/nonexistent/report.html"}, 2, "", "esrt demo: --report: open /nonexistent/report.html: no such file or directory"},
		{[]string{"bench", "--help"}, 0, "usage: esrt bench", ""},
		{[]string{"bench", "-h"}, 0, "usage: esrt bench", ""},
		{[]string{"bench", "now"}, 2, "", `esrt bench: unexpected argument "now"`},
		{[]string{"request", "--help"}, 0, "usage: esrt request", ""},
		{[]string{"nodes", "--help"}, 0, "usage: esrt nodes", ""},
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
