package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// run runs mcnlab with args in-process and returns stdout, stderr and the error.
func run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRoot()
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), errb.String(), err
}

func TestEveryCommandHasHelp(t *testing.T) {
	for _, c := range newRoot().Commands() {
		if c.Short == "" {
			t.Errorf("command %q has no short help", c.Name())
		}
		out, _, err := run(t, c.Name(), "--help")
		if err != nil || !strings.Contains(out, "Usage:") {
			t.Errorf("mcnlab %s --help: %v, output %q", c.Name(), err, out)
		}
	}
	out, _, err := run(t, "completion", "bash")
	if err != nil || !strings.Contains(out, "mcnlab") {
		t.Errorf("mcnlab completion bash: %v", err)
	}
}

func TestValidate(t *testing.T) {
	out, _, err := run(t, "validate", "../../topologies/generic.yaml")
	if err != nil || !strings.Contains(out, "ok (lab generic: 5 nodes, 4 links)") {
		t.Errorf("validate generic.yaml: %v, %q", err, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("name: x\nversion: 1\nnodes:\n  h1:\n    kind: hots\n"), 0o644)
	_, errOut, err := run(t, "validate", bad)
	want := bad + `:5:11: nodes.h1.kind: unknown kind "hots"; did you mean "host"?`
	if err == nil || !strings.Contains(errOut, want) {
		t.Errorf("validate bad file: err %v, stderr %q; want it to contain %q", err, errOut, want)
	}
}

func TestSchemaIsJSON(t *testing.T) {
	out, _, err := run(t, "schema")
	var v map[string]any
	if err != nil || json.Unmarshal([]byte(out), &v) != nil || v["$schema"] == nil {
		t.Errorf("mcnlab schema did not print a JSON Schema: %v", err)
	}
}

func TestDeployInvalidCreatesNothing(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "iv")
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("name: x\nversion: 1\nnodes:\n  h1: {kind: host}\n  h2: {kind: host}\nlinks:\n  - endpoints: [{node: h1, interface: eth0, address: 10.0.0.1/24}, {node: h2, interface: eth0, address: 10.0.1.1/24}]\n"), 0o644)
	_, _, err := run(t, "deploy", "-t", bad, "--lab", lab)
	if err == nil || !strings.Contains(err.Error(), bad+":7:") {
		t.Fatalf("deploy of an invalid file: %v; want a file:line error", err)
	}
	roottest.AssertGone(t, lab)
	if ents, _ := os.ReadDir(state.Root); len(ents) > 0 {
		t.Errorf("state written for an invalid topology: %v", ents)
	}
}

func TestDeployGenericEndToEnd(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "ge")
	t.Cleanup(func() { run(t, "destroy", "--lab", lab); roottest.AssertGone(t, lab) })
	out, _, err := run(t, "deploy", "-t", "../../topologies/generic.yaml", "--lab", lab)
	if err != nil {
		t.Fatalf("deploy: %v\n%s", err, out)
	}
	out, _, err = run(t, "reach", "--lab", lab)
	if err != nil || !strings.Contains(out, "6 of 6 host pairs reachable") {
		t.Errorf("reach: %v\n%s", err, out)
	}
	out, _, err = run(t, "inspect", "--lab", lab, "--json")
	var rec state.Lab
	if err != nil || json.Unmarshal([]byte(out), &rec) != nil || rec.Phase != state.PhaseReady || len(rec.Nodes) != 5 {
		t.Errorf("inspect --json: %v, %+v", err, rec)
	}
	if _, _, err := run(t, "deploy", "-t", "../../topologies/generic.yaml", "--lab", lab); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Errorf("second deploy: %v; want 'already running'", err)
	}
	out, _, err = run(t, "destroy", "--lab", lab)
	if err != nil || !strings.Contains(out, "destroyed") {
		t.Errorf("destroy: %v %q", err, out)
	}
	roottest.AssertGone(t, lab)
	out, _, err = run(t, "destroy", "--lab", lab)
	if err != nil || !strings.Contains(out, "nothing to destroy") {
		t.Errorf("second destroy: %v %q; want success with 'nothing to destroy'", err, out)
	}
}
