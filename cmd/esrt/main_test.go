package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"demo"}, &out, &errOut); code != 0 {
		t.Fatalf("demo exited %d: %s\n%s", code, errOut.String(), out.String())
	}
	text := out.String()
	for _, want := range []string{
		"indexed 3 books with _bulk (errors: false)",
		`search for "data search": Relevant Search; Designing Data-Intensive Applications`,
		"30 searches, 0 failed; served by: node-0 10, node-1 10, node-2 10",
		"node down: node-1 after 1 failure(s)",
		"retry: attempt 2 after a connection error",
		"node down: node-0 after 1 failure(s)",
		"retry: attempt 2 after 503",
		"10 searches, 0 failed",
		"node up: node-1",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	// While node-1 is dead it serves nothing and no search fails.
	if !regexp.MustCompile(`30 searches, 0 failed; served by: node-0 \d+, node-1 0, node-2 \d+`).MatchString(text) {
		t.Error("no phase shows node-1 routed around")
	}
	if strings.Count(text, "30 searches, 0 failed") != 3 || !regexp.MustCompile(`\d+ searches meanwhile, 0 failed`).MatchString(text) {
		t.Error("a search failed")
	}
	// Before the faults and after every node is back, the spread is even.
	if n := strings.Count(text, "30 searches, 0 failed; served by: node-0 10, node-1 10, node-2 10"); n != 2 {
		t.Errorf("the even spread shows %d times, want before the faults and after recovery", n)
	}
	if t.Failed() {
		t.Log(text)
	}
}

func TestRunUsage(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		wantOut  string
	}{
		{nil, 2, "usage: esrt"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"help"}, 0, "usage: esrt"},
		{[]string{"version"}, 0, "esrt 0."},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := run(context.Background(), tt.args, &out, &errOut)
		if code != tt.wantCode || !strings.Contains(out.String()+errOut.String(), tt.wantOut) {
			t.Errorf("run(%q) = %d, %q; want %d and %q", tt.args, code, out.String()+errOut.String(), tt.wantCode, tt.wantOut)
		}
	}
}
