package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/emulator/state"
)

// labNameSandbox points the state root at sandbox/run/mcnlab, beside a
// directory victim/ that a path-like lab name could reach ("../../victim")
// and a directory under the root that is not a lab (no state file). It
// returns the sandbox.
func labNameSandbox(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	old := state.Root
	state.Root = filepath.Join(dir, "run", "mcnlab")
	t.Cleanup(func() { state.Root = old })
	for _, d := range []string{filepath.Join(dir, "victim", "sub"), filepath.Join(state.Root, "notalab", "keep")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "victim", "sub", "file"), []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// tree lists every path under dir with its mode and size.
func tree(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			out[p] = "error: " + err.Error()
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			out[p] = "error: " + err.Error()
			return nil
		}
		out[p] = fmt.Sprintf("%v %d", fi.Mode(), fi.Size())
		return nil
	})
	return out
}

// labCommands are the commands that take --lab, each as it would be typed
// (LAB stands for --lab=NAME), none of which may touch a path when the name
// is no lab's.
var labCommands = [][]string{
	{"destroy", "LAB"},
	{"inspect", "LAB"},
	{"reach", "LAB"},
	{"exec", "LAB", "h1", "--", "true"},
	{"routes", "pending", "LAB"},
	{"routes", "approved", "LAB"},
	{"routes", "tables", "LAB"},
	{"routes", "approve", "dc1", "10.100.0.0/24", "LAB"},
	{"tokens", "list", "LAB"},
	{"controller", "start", "LAB"},
	{"controller", "stop", "LAB"},
	{"controller", "restart", "LAB"},
	{"controller", "run", "LAB"},
	{"plan", "-t", "../../topologies/aws-transit.yaml", "LAB"},
}

// checkNoCommandTouches runs every lab command with --lab=name and fails if
// any of them succeeded or changed anything in the sandbox.
func checkNoCommandTouches(t *testing.T, dir, name string) {
	before := tree(t, dir)
	for _, c := range labCommands {
		var args []string
		for _, a := range c {
			if a == "LAB" {
				a = "--lab=" + name
			}
			args = append(args, a)
		}
		// destroy is idempotent: a lab that is not there is nothing to do.
		if _, _, err := run(t, args...); err == nil && c[0] != "destroy" {
			t.Errorf("mcnlab %q succeeded for a lab that does not exist", args)
		}
		after := tree(t, dir)
		for p, m := range before {
			if after[p] != m {
				t.Fatalf("mcnlab %q changed %s: %q -> %q", args, p, m, after[p])
			}
		}
		for p := range after {
			if _, ok := before[p]; !ok {
				t.Fatalf("mcnlab %q created %s", args, p)
			}
		}
	}
}

// A lab name that is a path is refused by every command with the rule for
// lab names, and nothing outside (or inside) the state root is touched:
// `destroy --lab ../../victim` once removed victim as root.
func TestLabNameIsNeverAPath(t *testing.T) {
	dir := labNameSandbox(t)
	for _, name := range []string{"../../victim", "../../victim/sub", "..", "../..", "/", "notalab/keep", "run/../../victim"} {
		_, _, err := run(t, "destroy", "--lab", name)
		want := `--lab: bad lab name "` + name + `"; use a-z, 0-9 and '-', starting and ending with a letter or digit`
		if err == nil || err.Error() != want {
			t.Errorf("destroy --lab %s: %v\nwant %s", name, err, want)
		}
		checkNoCommandTouches(t, dir, name)
	}
	_, _, err := run(t, "destroy", "--lab", dir)
	if want := fmt.Sprintf("--lab: lab name %q is %d bytes long; the limit is 24 (namespaces are named mcn-<lab>-<node>)", dir, len(dir)); err == nil || err.Error() != want {
		t.Errorf("destroy --lab %s: %v\nwant %s", dir, err, want)
	}
	checkNoCommandTouches(t, dir, dir)
	// A directory under the root without a state file is not a lab:
	// nothing to destroy, and it stays.
	if out, _, err := run(t, "destroy", "--lab", "notalab"); err != nil || !strings.Contains(out, "lab notalab: nothing to destroy") {
		t.Errorf("destroy --lab notalab: %v, %q; want nothing to destroy", err, out)
	}
	checkNoCommandTouches(t, dir, "notalab")
	if b, err := os.ReadFile(filepath.Join(dir, "victim", "sub", "file")); err != nil || string(b) != "precious" {
		t.Errorf("victim/sub/file: %q, %v", b, err)
	}
	// An empty --lab is an error, not the topology's name or the only lab.
	for _, c := range [][]string{{"deploy", "-t", "../../topologies/generic.yaml", "--lab", ""}, {"destroy", "--lab", ""}, {"inspect", "--lab="}} {
		_, _, err := run(t, c...)
		const want = "--lab: lab name is empty; use 1 to 24 of a-z, 0-9 and '-'"
		if err == nil || err.Error() != want {
			t.Errorf("mcnlab %q: %v\nwant %s", c, err, want)
		}
	}
}

// FuzzLabName holds that no command, given any --lab value, touches a path
// when no lab of that name exists: not outside the state root, not inside.
func FuzzLabName(f *testing.F) {
	for _, s := range []string{"../..", "..", ".", "", "a/../../victim", "notalab", "/tmp", "x\x00y", "lab-1", "-", "a b", strings.Repeat("a", 30), "notalab/keep", "./notalab"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		dir := labNameSandbox(t)
		checkNoCommandTouches(t, dir, name)
	})
}
