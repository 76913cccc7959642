package esrt_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every Go block of README.md and docs/*.md is code that compiles: it is
// found, line for line, in a test file of the repository (an Example, a
// test, or docsnippets_test.go), so the compiler and go vet check it and a
// renamed API breaks the build instead of the documentation.
func TestDocBlocksCompile(t *testing.T) {
	code := normalizeCode(testSources(t))
	docs, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, doc := range append([]string{"README.md"}, docs...) {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range strings.Split(string(b), "```go\n")[1:] {
			block, _, _ := strings.Cut(part, "```")
			total++
			if !strings.Contains(code, normalizeCode(block)) {
				t.Errorf("a Go block of %s is in no test file:\n%s", doc, block)
			}
		}
	}
	if total < 30 {
		t.Errorf("found %d Go blocks in README.md and docs/, want at least 30: is the block syntax still ```go?", total)
	}
}

// testSources returns every _test.go file of the repository, modules
// beside the root one included.
func testSources(t *testing.T) string {
	t.Helper()
	var src strings.Builder
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, "_test.go") {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			src.Write(b)
			src.WriteString("\n")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return src.String()
}

// normalizeCode drops indentation and blank lines, so that a block
// indented inside a function matches the document's.
func normalizeCode(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return "\n" + strings.Join(lines, "\n") + "\n"
}
