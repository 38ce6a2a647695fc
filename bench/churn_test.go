package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// The churn test re-runs this test binary as a deploying child process and
// kills it with SIGKILL at a random moment.
const (
	childLabEnv   = "MCNLAB_TEST_CHILD_LAB"
	childStateEnv = "MCNLAB_TEST_CHILD_STATE"
	churnNodes    = 100
)

func TestMain(m *testing.M) {
	if lab := os.Getenv(childLabEnv); lab != "" {
		state.Root = os.Getenv(childStateEnv)
		os.Exit(childDeploy(lab))
	}
	code := m.Run()
	roottest.Cleanup()
	os.Exit(code)
}

// childDeploy deploys a tree lab and then waits to be killed.
func childDeploy(lab string) int {
	tr, err := GenerateTree(lab, churnNodes)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	plan, err := emulator.NewPlan(lab, tr.Topology)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := emulator.Deploy(context.Background(), plan, emulator.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	select {} // a deployed lab whose owner is killed must be destroyable too
}

// TestChurnLeavesNothing runs 50 deploy/destroy cycles of a 100-node lab, 10
// of them with the deploying process killed by SIGKILL at a random moment,
// and checks after every cycle that no namespace or state of the lab remains.
func TestChurnLeavesNothing(t *testing.T) {
	roottest.Require(t)
	if testing.Short() {
		t.Skip("skipped in -short mode: 50 lab cycles")
	}
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "ch")
	t.Cleanup(func() { _ = emulator.Destroy(context.Background(), lab, nil); roottest.AssertGone(t, lab) })
	tr, err := GenerateTree(lab, churnNodes)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := emulator.NewPlan(lab, tr.Topology)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	killed, midDeploy := 0, 0
	for cycle := range 50 {
		if cycle%5 == 4 {
			// Let the child get anywhere from process start to a finished
			// deploy before the kill.
			child := exec.Command(os.Args[0], "-test.run=^$")
			child.Env = append(os.Environ(), childLabEnv+"="+lab, childStateEnv+"="+state.Root)
			if err := child.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Duration(rand.IntN(400)) * time.Millisecond) // the random kill moment, not a readiness wait
			if rec, err := state.Load(lab); err == nil && rec.Phase == state.PhaseDeploying {
				midDeploy++
			}
			if err := child.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			_ = child.Wait()
			killed++
		} else if err := emulator.Deploy(ctx, plan, emulator.Options{}); err != nil {
			t.Fatalf("cycle %d: %v", cycle, err)
		}
		// A child killed before it recorded anything leaves nothing to destroy.
		if err := emulator.Destroy(ctx, lab, nil); err != nil && (cycle%5 != 4 || !errors.Is(err, state.ErrNotFound)) {
			t.Fatalf("cycle %d: destroy: %v", cycle, err)
		}
		if ns := roottest.Namespaces(lab); len(ns) > 0 {
			t.Fatalf("cycle %d (killed=%v): %d namespaces left after destroy, e.g. %s", cycle, cycle%5 == 4, len(ns), ns[0])
		}
		if _, err := os.Stat(state.Dir(lab)); err == nil {
			t.Fatalf("cycle %d: state %s left after destroy", cycle, state.Dir(lab))
		}
	}
	t.Logf("50 cycles, %d deploys killed by SIGKILL (%d of them mid-deploy): nothing left", killed, midDeploy)
}
