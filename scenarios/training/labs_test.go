package training

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
	"github.com/mcnlab/mcnlab/lab"
)

func TestMain(m *testing.M) {
	code := m.Run()
	roottest.Cleanup()
	os.Exit(code)
}

// TestLabsParse: every embedded lab parses, maps to a chapter, and has a
// task, objectives and a solution.
func TestLabsParse(t *testing.T) {
	all, err := List()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatal("no labs")
	}
	for _, l := range all {
		if l.Task == "" || len(l.Objectives) == 0 || len(l.Solution) == 0 || len(l.Hints) == 0 || l.Total() == 0 {
			t.Errorf("lab %s: task %d bytes, %d objectives, %d solution steps, %d hints", l.Name, len(l.Task), len(l.Objectives), len(l.Solution), len(l.Hints))
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"chapter", "chapter: cooking\ntitle: t\ntask: t\ntopology: {}\nobjectives: []\nsolution: []\n", `x.yaml:1:10: chapter: "cooking" is not a chapter (valid: public-cloud-basics,`},
		{"file topology", "chapter: cloud-core\ntitle: t\ntask: t\ntopology: ../x.yaml\nobjectives: []\nsolution: []\n", "x.yaml:4:11: topology: a training lab carries its topology inline, as a mapping"},
		{"action as check", "chapter: cloud-core\ntitle: t\ntask: t\ntopology: {}\nobjectives: [{name: n, points: 1, check: {kill: gw}}]\nsolution: []\n", "x.yaml:5:42: objectives[0].check: kill is not a check (valid: reach, connect, route, session, flightpath, capture, counter, exec)"},
		{"check as solution", "chapter: cloud-core\ntitle: t\ntask: t\ntopology: {}\nobjectives: []\nsolution: [{reach: simulate}]\n", "x.yaml:6:12: solution[0]: reach is not an action (put checks in objectives)"},
		{"zero points", "chapter: cloud-core\ntitle: t\ntask: t\ntopology: {}\nobjectives: [{name: n, points: 0, check: {reach: simulate}}]\nsolution: []\n", "x.yaml:5:32: objectives[0].points: an objective is worth at least 1 point"},
		{"inline topology", "chapter: cloud-core\ntitle: t\ntask: t\ntopology:\n  name: x\n  version: 1\n  nodes:\n    h1: {kind: toaster}\nobjectives: []\nsolution: []\n", "x.yaml:8:16: topology.nodes.h1.kind: unknown kind \"toaster\"; valid kinds: host"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v\nwant %s", err, tc.want)
			}
		})
	}
}

// mcnlab runs the mcnlab binary and returns its output and exit status.
func mcnlab(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(roottest.MCNLab(t), args...)
	// The OCI lab's client is the OCI TypeScript SDK, which .ci/run
	// installs beside cloudmock/oci's test of it.
	sdk, _ := filepath.Abs("../../cloudmock/oci/tssdk/node_modules")
	cmd.Env = append(os.Environ(), lab.StateRootEnv+"="+state.Root, "NODE_PATH="+sdk)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	case err != nil:
		t.Fatalf("mcnlab %v: %v", args, err)
	}
	return string(out), 0
}

// TestEveryLab: for every lab, start → check (fails, some objective not
// met) → solve → check (passes with full points) → stop, with nothing
// left behind: no check is one that cannot fail.
func TestEveryLab(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	all, err := List()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range all {
		t.Run(l.Name, func(t *testing.T) {
			t.Cleanup(func() {
				mcnlab(t, "lab", "stop", l.Name)
				roottest.AssertGone(t, LabName(l.Name))
			})
			if out, code := mcnlab(t, "lab", "start", l.Name); code != 0 || !strings.Contains(out, strings.TrimSpace(strings.SplitN(l.Task, "\n", 2)[0])) {
				t.Fatalf("start: exit %d:\n%s", code, out)
			}
			var g Grade
			out, code := mcnlab(t, "lab", "check", "--json", l.Name)
			if err := json.Unmarshal([]byte(out), &g); err != nil || code != 1 || g.Passed || g.Score >= g.Total {
				t.Fatalf("check before solving: exit %d, %v, %+v:\n%s", code, err, g, out)
			}
			for _, o := range g.Objectives {
				if !o.Passed && o.Wrong == "" {
					t.Errorf("objective %q failed without saying what is wrong", o.Name)
				}
			}
			if out, code := mcnlab(t, "lab", "solve", l.Name); code != 0 {
				t.Fatalf("solve: exit %d:\n%s", code, out)
			}
			out, code = mcnlab(t, "lab", "check", l.Name)
			if code != 0 || !strings.Contains(out, "lab passed") {
				t.Fatalf("check after solving: exit %d:\n%s", code, out)
			}
			t.Logf("%s: %d of %d points before solving; passed after", l.Name, g.Score, g.Total)
			if out, code := mcnlab(t, "lab", "stop", l.Name); code != 0 {
				t.Errorf("stop: exit %d:\n%s", code, out)
			}
		})
	}
}
