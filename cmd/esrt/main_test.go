package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"demo"}, &out, &errOut); code != 0 {
		t.Fatalf("demo exited %d: %s", code, errOut.String())
	}
	for _, want := range []string{
		"started cluster",
		"indexed 3 books with _bulk (errors: false)",
		"retry: attempt 2 after status 503",
		"retry: attempt 3 after status 503",
		"search answered 200 after 2 retries",
		"Designing Data-Intensive Applications",
		"Relevant Search",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "The Go Programming Language") {
		t.Errorf("the search matched a book without the words searched for:\n%s", out.String())
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
