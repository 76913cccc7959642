package esrt_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// noLeakCheck lists the test packages, by directory, that may go without
// goleak's check in TestMain, each with the reason. None may yet.
var noLeakCheck = map[string]string{}

// Every directory of the repository that holds tests, in every module of
// go.work, has a TestMain that runs goleak, so that a goroutine a test
// leaves behind fails it; a new package cannot forget it.
func TestEveryTestPackageChecksForLeaks(t *testing.T) {
	dirs := testDirs(t, ".")
	if len(dirs) < 20 {
		t.Fatalf("found only %d directories with tests: %v", len(dirs), dirs)
	}
	for _, m := range workModules(t) {
		if !slices.ContainsFunc(dirs, func(d string) bool { return d == m || strings.HasPrefix(d, m+"/") || m == "." }) {
			t.Errorf("go.work module %s has no tests in the walk", m)
		}
	}
	for _, dir := range dirs {
		if _, ok := noLeakCheck[dir]; ok {
			continue
		}
		if !hasLeakCheck(t, dir) {
			t.Errorf("%s: no TestMain calling goleak (add a main_test.go or leak_test.go: func TestMain(m *testing.M) { goleak.VerifyTestMain(m) })", dir)
		}
	}
	for dir := range noLeakCheck {
		if !slices.Contains(dirs, dir) {
			t.Errorf("noLeakCheck lists %s, which has no tests", dir)
		}
	}
}

// testDirs returns the directories under root holding a _test.go file,
// skipping testdata and hidden directories.
func testDirs(t *testing.T, root string) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		if strings.HasSuffix(name, "_test.go") && !slices.Contains(dirs, dir) {
			dirs = append(dirs, dir)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

// workModules returns the module directories go.work uses.
func workModules(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("go.work")
	if err != nil {
		t.Fatal(err)
	}
	var mods []string
	for line := range strings.SplitSeq(string(b), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, ".") {
			mods = append(mods, strings.TrimPrefix(filepath.ToSlash(filepath.Clean(line)), "./"))
		}
	}
	if len(mods) == 0 {
		t.Fatal("go.work lists no module")
	}
	return mods
}

// hasLeakCheck reports whether a _test.go file of dir declares a TestMain
// that calls a function of go.uber.org/goleak.
func hasLeakCheck(t *testing.T, dir string) bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		if name := goleakName(f); name != "" && callsIn(testMain(f), name) {
			return true
		}
	}
	return false
}

// goleakName returns the name under which f imports goleak, or "".
func goleakName(f *ast.File) string {
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == "go.uber.org/goleak" {
			if imp.Name != nil {
				return imp.Name.Name
			}
			return "goleak"
		}
	}
	return ""
}

// testMain returns f's TestMain, or nil.
func testMain(f *ast.File) *ast.FuncDecl {
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == "TestMain" {
			return fn
		}
	}
	return nil
}

// callsIn reports whether fn calls a function of the package imported as
// pkg.
func callsIn(fn *ast.FuncDecl, pkg string) bool {
	if fn == nil || fn.Body == nil {
		return false
	}
	found := false
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == pkg {
					found = true
				}
			}
		}
		return !found
	})
	return found
}
