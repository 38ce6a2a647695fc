package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// TestDeployIntoClosedPipe runs the built binary as `mcnlab deploy | head
// -1`, and as `mcnlab deploy | true` (the reader gone before the first
// line, so that the first write already fails, whatever the timing): the
// deploy must still finish, exit 0 and record the lab ready (SIGPIPE used
// to kill it half-way, leaving the lab in phase deploying).
func TestDeployIntoClosedPipe(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	bin := roottest.MCNLab(t)
	for _, c := range []struct {
		name      string
		readFirst bool
	}{{"head", true}, {"true", false}} {
		t.Run(c.name, func(t *testing.T) {
			lab := roottest.LabName(t, "sp")
			t.Cleanup(func() { run(t, "destroy", "--lab", lab); roottest.AssertGone(t, lab) })
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "deploy", "-t", "../../topologies/generic.yaml", "--lab", lab)
			cmd.Env = append(os.Environ(), mcnlab.StateRootEnv+"="+state.Root)
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = w, &stderr
			if !c.readFirst {
				r.Close()
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w.Close()
			if c.readFirst {
				// head -1: read a line, then close the pipe while deploy
				// still works.
				first, err := bufio.NewReader(r).ReadString('\n')
				r.Close()
				if err != nil || !strings.HasPrefix(first, "deploying lab "+lab) {
					t.Errorf("first line %q, %v; want the deploying line", first, err)
				}
			}
			if err := cmd.Wait(); err != nil {
				t.Fatalf("deploy with its output closed: %v (want exit 0)\nstderr:\n%s", err, stderr.String())
			}
			rec, err := state.Load(lab)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Phase != state.PhaseReady {
				t.Errorf("lab %s is in phase %s after deploy; want %s", lab, rec.Phase, state.PhaseReady)
			}
			out, _, err := run(t, "destroy", "--lab", lab)
			if err != nil || !strings.Contains(out, "destroyed") {
				t.Errorf("destroy: %v %q", err, out)
			}
			roottest.AssertGone(t, lab)
		})
	}
}
