// Package roottest holds helpers for tests that need root and network
// namespaces: a skip with a clear message elsewhere, unique lab names, and a
// check that a lab left nothing behind.
package roottest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/state"
)

// Require skips the test unless it runs as root on Linux with namespaces.
func Require(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipped: needs root to create network namespaces (CI runs it as root; run `sudo make test`)")
	}
}

// LabName returns a lab name unique to this test process, short enough for
// the format's limit (24).
func LabName(t testing.TB, prefix string) string {
	t.Helper()
	return fmt.Sprintf("%s%d%03d", prefix, os.Getpid()%100000, time.Now().UnixNano()%1000)
}

// UseTempState points the state root at a fresh temporary directory for the
// test, so tests never see labs of other runs.
// Its directories are world-traversable, as /run/mcnlab is, so that
// daemons that drop privileges (FRR runs as user frr) reach their files.
func UseTempState(t testing.TB) {
	t.Helper()
	dir, err := os.MkdirTemp("", "mcnlab-state-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old := state.Root
	state.Root = filepath.Join(dir, "state")
	t.Cleanup(func() {
		state.Root = old
		os.RemoveAll(dir)
	})
}

// ReachableDir is a fresh temporary directory that every user can reach
// (it and its parents are mode 0755), for daemons that drop root (squid
// runs as proxy); it goes when the test ends.
func ReachableDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Namespaces lists namespaces whose names start with mcn-<lab>-.
func Namespaces(lab string) []string {
	ents, _ := os.ReadDir(netns.Dir)
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "mcn-"+lab+"-") {
			out = append(out, e.Name())
		}
	}
	return out
}

// AssertGone fails the test if any namespace or state of the lab remains.
func AssertGone(t testing.TB, lab string) {
	t.Helper()
	if ns := Namespaces(lab); len(ns) > 0 {
		t.Errorf("lab %s left namespaces behind: %v", lab, ns)
	}
	if _, err := os.Stat(state.Dir(lab)); err == nil {
		t.Errorf("lab %s left its state directory %s", lab, state.Dir(lab))
	}
}

// Missing skips the test because a tool or device it needs is absent, with
// the message; in CI (CI=true), where .ci/run installs every tool, it fails
// the test instead, so a broken install cannot hide as a skip.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("missing in CI, where .ci/run should have installed it: "+format, args...)
	}
	t.Skipf("skipped: "+format, args...)
}
