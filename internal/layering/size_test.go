package layering

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSizes fails when a Go file of the module, tests included, is over
// MaxFileLines or holds a function over MaxFuncLines.
func TestSizes(t *testing.T) {
	n := 0
	err := filepath.WalkDir("../..", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "vendor" || strings.HasPrefix(d.Name(), ".") && p != "../..") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		rel, _ := filepath.Rel("../..", p)
		for _, m := range CheckSize(rel, src) {
			t.Error(m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("walked %d Go files: the module has hundreds", n)
	}
}

// TestCheckSizeReportsLongCode is the test of the test: a function one
// line over the limit and a file one line over are reported with their
// names and lines; code at the limits is not.
func TestCheckSizeReportsLongCode(t *testing.T) {
	fn := func(name string, lines int) string { // a function of exactly lines lines
		return "func " + name + "() {\n" + strings.Repeat("\t_ = 0\n", lines-2) + "}\n"
	}
	at := "package p\n\n" + fn("fits", MaxFuncLines) + "\nfunc (r *R[K]) Also() {}\n"
	if got := CheckSize("p/at.go", []byte(at)); len(got) != 0 {
		t.Errorf("code at the limits was reported: %q", got)
	}
	over := "package p\n\n" + fn("long", MaxFuncLines+1)
	got := CheckSize("p/over.go", []byte(over))
	if len(got) != 1 || got[0] != "p/over.go:3: func long has 101 lines; split it (at most 100)" {
		t.Errorf("long function: got %q", got)
	}
	method := "package p\n\ntype R[K any] struct{}\n\nfunc (r *R[K]) " + strings.TrimPrefix(fn("Big", MaxFuncLines+1), "func ")
	if got := CheckSize("p/m.go", []byte(method)); len(got) != 1 || !strings.Contains(got[0], "func (*R).Big has 101 lines") {
		t.Errorf("long method: got %q", got)
	}
	file := "package p\n" + strings.Repeat("\n", MaxFileLines-1)
	if got := CheckSize("p/f.go", []byte(file)); len(got) != 0 {
		t.Errorf("a file of %d lines was reported: %q", MaxFileLines, got)
	}
	file += "var x = 1\n"
	if got := CheckSize("p/f.go", []byte(file)); len(got) != 1 || got[0] != "p/f.go has 801 lines; split it (at most 800)" {
		t.Errorf("long file: got %q", got)
	}
	if got := CheckSize("p/bad.go", []byte("package p\nfunc {")); len(got) != 1 || !strings.HasPrefix(got[0], "p/bad.go:") {
		t.Errorf("unparsable file: got %q", got)
	}
}
