package layering

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Package is what the checks need of one package of the module, as `go
// list` reports it.
type Package struct {
	Path string // inside the module: "controller/cloud/aws"
	Name string // package clause: "aws", "main"
	Doc  string // the doc comment's first sentence
	Dir  string
	// GoFiles are the non-test files (names in Dir) that the build uses.
	GoFiles []string
	// Imports, TestImports: module paths the package's non-test files,
	// and only its test files (in-package and external), import.
	Imports, TestImports []string
}

// List runs `go list` in the module at dir and returns its packages, sorted
// by path. A package that go list cannot load is an error, so that no
// package escapes the checks unseen.
func List(dir string) ([]Package, error) {
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Name,Doc,Dir,GoFiles,Imports,TestImports,XTestImports,Module,Error", "./...")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list ./... in %s: %w\n%s", dir, err, stderr.Bytes())
	}
	type listed struct {
		ImportPath, Name, Doc, Dir         string
		GoFiles                            []string
		Imports, TestImports, XTestImports []string
		Module                             *struct{ Path string }
		Error                              *struct{ Err string }
	}
	var pkgs []Package
	var errs []error
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var l listed
		if err := dec.Decode(&l); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list ./... in %s: decode: %w", dir, err)
		}
		if l.Error != nil {
			errs = append(errs, fmt.Errorf("go list: package %s: %s", l.ImportPath, l.Error.Err))
			continue
		}
		if l.Module == nil {
			return nil, fmt.Errorf("go list: package %s is in no module", l.ImportPath)
		}
		mod := l.Module.Path
		rel := func(paths []string) []string {
			var out []string
			for _, p := range paths {
				if p == mod || strings.HasPrefix(p, mod+"/") {
					out = append(out, strings.TrimPrefix(strings.TrimPrefix(p, mod), "/"))
				}
			}
			return out
		}
		p := Package{Path: rel([]string{l.ImportPath})[0], Name: l.Name, Doc: l.Doc, Dir: l.Dir, GoFiles: l.GoFiles, Imports: rel(l.Imports)}
		self := map[string]bool{p.Path: true}
		for _, t := range rel(append(l.TestImports, l.XTestImports...)) {
			// An external test imports its own package; a test import
			// that non-test code also makes is checked as non-test.
			if !self[t] && !contains(p.Imports, t) && !contains(p.TestImports, t) {
				p.TestImports = append(p.TestImports, t)
			}
		}
		pkgs = append(pkgs, p)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].Path < pkgs[j].Path })
	return pkgs, nil
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Violations applies Check to every import of pkgs and returns the
// messages of those that break a rule.
func Violations(pkgs []Package) []string {
	var out []string
	for _, p := range pkgs {
		for _, to := range p.Imports {
			if m := Check(Import{From: p.Path, To: to}); m != "" {
				out = append(out, m)
			}
		}
		for _, to := range p.TestImports {
			if m := Check(Import{From: p.Path, To: to, Test: true}); m != "" {
				out = append(out, m)
			}
		}
	}
	return out
}

// CheckDoc returns what is wrong with the package's doc comment, or "": a
// package has exactly one doc comment (one file says what the package
// holds and what it must not do, STYLE.md), and outside package main it
// begins "Package <name> ", as go doc expects. It reads the package
// clauses of p.GoFiles; a package with no non-test files has nothing to
// document.
func CheckDoc(p Package) string {
	if len(p.GoFiles) == 0 {
		return ""
	}
	var with []string
	fset := token.NewFileSet()
	for _, name := range p.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			return fmt.Sprintf("package %s: %v", p.Path, err)
		}
		if f.Doc != nil {
			with = append(with, name)
		}
	}
	return checkDoc(p, with)
}

// checkDoc is CheckDoc given the files that carry a package doc comment.
func checkDoc(p Package, withDoc []string) string {
	switch {
	case len(withDoc) == 0 || strings.TrimSpace(p.Doc) == "":
		return fmt.Sprintf("package %s has no doc comment: say in one file, above its package clause, what the package holds and what it must not do", p.Path)
	case len(withDoc) > 1:
		return fmt.Sprintf("package %s has %d doc comments (%s): keep one, in one file", p.Path, len(withDoc), strings.Join(withDoc, ", "))
	case p.Name != "main" && !strings.HasPrefix(p.Doc, "Package "+p.Name+" "):
		return fmt.Sprintf("package %s: its doc comment (in %s) should begin %q, not %q", p.Path, withDoc[0], "Package "+p.Name+" ", firstWords(p.Doc))
	}
	return ""
}

func firstWords(s string) string {
	f := strings.Fields(s)
	if len(f) > 3 {
		f = f[:3]
	}
	return strings.Join(f, " ")
}
