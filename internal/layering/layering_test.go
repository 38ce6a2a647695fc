package layering

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	listOnce sync.Once
	listed   []Package
	listErr  error
)

// modulePackages lists the module's packages once for the tests.
func modulePackages(t *testing.T) []Package {
	t.Helper()
	listOnce.Do(func() { listed, listErr = List("../..") })
	if listErr != nil {
		t.Fatal(listErr)
	}
	// A listing that misses the tree would pass every check.
	have := map[string]bool{}
	for _, p := range listed {
		have[p.Path] = true
	}
	for _, want := range []string{"cmd/mcnlab", "controller", "controller/cloud/aws", "cloudmock/aws", "emulator", "topologies", "internal/layering"} {
		if !have[want] {
			t.Fatalf("go list found %d packages but not %s", len(listed), want)
		}
	}
	return listed
}

// TestLayering fails when a package of the module imports against
// DESIGN.md's direction.
func TestLayering(t *testing.T) {
	pkgs := modulePackages(t)
	for _, v := range Violations(pkgs) {
		t.Error(v)
	}
	// Each exception must still be needed: one that no import uses any
	// more is stale and would hide a future violation.
	for _, e := range Exceptions {
		used := false
		for _, p := range pkgs {
			imps := p.TestImports
			if !e.TestOnly {
				imps = append(imps, p.Imports...)
			}
			for _, to := range imps {
				if under(p.Path, e.From) && under(to, e.To) {
					used = true
				}
			}
		}
		if !used {
			t.Errorf("layering exception %s → %s is used by no import any more: remove it", e.From, e.To)
		}
	}
}

// TestCheckReportsWrongImports is the test of the test: deliberately wrong
// imports are reported, naming both packages and the rule, and the
// imports that DESIGN.md allows are not.
func TestCheckReportsWrongImports(t *testing.T) {
	for _, tc := range []struct {
		imp  Import
		want []string // substrings of the message; none: allowed
	}{
		{Import{From: "topologies", To: "controller"}, []string{"topologies imports controller", "imports upward", "cmd → scenarios/bench → lab → controller"}},
		{Import{From: "emulator/state", To: "dataplane/wg"}, []string{"emulator/state imports dataplane/wg", "imports upward"}},
		{Import{From: "controller", To: "lab"}, []string{"controller imports lab", "imports upward"}},
		{Import{From: "controller", To: "cloudmock/model"}, []string{"controller imports cloudmock/model", "the controller never imports cloudmock"}},
		{Import{From: "controller/cloud/aws", To: "cloudmock/aws"}, []string{"controller/cloud/aws imports cloudmock/aws", "never imports cloudmock"}},
		{Import{From: "controller/intent", To: "cloudmock/aws", Test: true}, []string{"controller/intent imports cloudmock/aws (in its tests)", "only tests under controller/cloud/*"}},
		{Import{From: "controller", To: "emulator"}, []string{"controller imports emulator", "two seams"}},
		{Import{From: "controller/gwconf", To: "emulator/probe"}, []string{"controller/gwconf imports emulator/probe", "imports neither emulator nor emulator/probe"}},
		{Import{From: "dataplane/gateway", To: "cloudmock/model"}, []string{"dataplane/gateway imports cloudmock/model", "dataplane and cloudmock are one layer"}},
		{Import{From: "cloudmock/realize", To: "dataplane/mgmt"}, []string{"cloudmock/realize imports dataplane/mgmt", "one layer"}},
		{Import{From: "bench", To: "scenarios/differential"}, []string{"bench imports scenarios/differential", "one layer"}},
		{Import{From: "cloudmock/model", To: "cloudmock/aws"}, []string{"cloudmock/model imports cloudmock/aws", "provider-neutral"}},
		{Import{From: "internal/roottest", To: "controller"}, []string{"internal/roottest imports controller", "internal/ may import only emulator and topologies"}},
		{Import{From: "webui", To: "controller"}, []string{"webui imports controller", `folder "webui" has no place`}},
		{Import{From: "controller", To: "webui/assets"}, []string{`folder "webui" has no place`}},

		{Import{From: "controller/cloud/aws", To: "cloudmock/aws", Test: true}, nil},
		{Import{From: "controller/cloud/aws", To: "cloudmock/model", Test: true}, nil},
		{Import{From: "cloudmock/realize", To: "dataplane/mgmt", Test: true}, nil},
		{Import{From: "cmd/mcnlab", To: "cloudmock/aws"}, nil},
		{Import{From: "cmd/mcnlab", To: "bench"}, nil},
		{Import{From: "bench", To: "controller/gwconf"}, nil},
		{Import{From: "lab", To: "controller"}, nil},
		{Import{From: "controller", To: "dataplane/mgmt"}, nil},
		{Import{From: "controller", To: "emulator/state"}, nil},
		{Import{From: "controller/gwconf", To: "emulator", Test: true}, nil},
		{Import{From: "controller/gwconf", To: "emulator/state"}, nil},
		{Import{From: "cloudmock/aws", To: "cloudmock/model"}, nil},
		{Import{From: "dataplane/wg", To: "emulator/netns"}, nil},
		{Import{From: "emulator", To: "topologies"}, nil},
		{Import{From: "emulator", To: "internal/roottest", Test: true}, nil},
		{Import{From: "internal/roottest", To: "emulator/state"}, nil},
	} {
		got := Check(tc.imp)
		if len(tc.want) == 0 {
			if got != "" {
				t.Errorf("%s: reported %q; DESIGN.md allows it", tc.imp, got)
			}
			continue
		}
		if got == "" {
			t.Errorf("%s: not reported", tc.imp)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: message %q does not say %q", tc.imp, got, w)
			}
		}
	}
}

// TestViolationsWalksEveryImport: Violations sees non-test and test imports
// of each package and reports only the wrong ones.
func TestViolationsWalksEveryImport(t *testing.T) {
	got := Violations([]Package{
		{Path: "topologies", TestImports: []string{"emulator"}},
		{Path: "controller", Imports: []string{"emulator/state", "cloudmock/model"}, TestImports: []string{"emulator"}},
		{Path: "controller/cloud/aws", TestImports: []string{"cloudmock/aws"}},
	})
	want := []string{"topologies imports emulator (in its tests)", "controller imports cloudmock/model"}
	if len(got) != len(want) {
		t.Fatalf("Violations = %q; want %d messages starting %q", got, len(want), want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]+": ") {
			t.Errorf("violation %d = %q; want it to start %q", i, got[i], want[i])
		}
	}
}

// TestEveryPackageHasDocComment fails when a package of the module lacks
// its doc comment, has several, or starts it other than "Package <name>".
func TestEveryPackageHasDocComment(t *testing.T) {
	for _, p := range modulePackages(t) {
		if m := CheckDoc(p); m != "" {
			t.Error(m)
		}
	}
}

// TestCheckDocReportsBadDocs is the test of the doc check, on packages
// written for it.
func TestCheckDocReportsBadDocs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("none.go", "package foo\n")
	write("doc.go", "// Package foo does things.\npackage foo\n")
	write("other.go", "// Package foo does more things.\npackage foo\n")
	write("tag.go", "//go:build linux\n\npackage foo\n")
	write("wrong.go", "// Foo does things.\npackage foo\n")
	write("main.go", "// Command tool does things.\npackage main\n")

	for _, tc := range []struct {
		name string
		p    Package
		want string
	}{
		{"no doc", Package{Path: "x/foo", Name: "foo", Dir: dir, GoFiles: []string{"none.go", "tag.go"}}, "package x/foo has no doc comment"},
		{"two docs", Package{Path: "x/foo", Name: "foo", Doc: "Package foo does things.", Dir: dir, GoFiles: []string{"doc.go", "other.go"}}, "package x/foo has 2 doc comments (doc.go, other.go)"},
		{"wrong start", Package{Path: "x/foo", Name: "foo", Doc: "Foo does things.", Dir: dir, GoFiles: []string{"wrong.go", "none.go"}}, `should begin "Package foo "`},
		{"good", Package{Path: "x/foo", Name: "foo", Doc: "Package foo does things.", Dir: dir, GoFiles: []string{"doc.go", "none.go", "tag.go"}}, ""},
		{"command", Package{Path: "cmd/tool", Name: "main", Doc: "Command tool does things.", Dir: dir, GoFiles: []string{"main.go"}}, ""},
		{"tests only", Package{Path: "x/foo", Name: "foo", Dir: dir}, ""},
	} {
		got := CheckDoc(tc.p)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: CheckDoc = %q; want %q", tc.name, got, tc.want)
		}
	}
}
