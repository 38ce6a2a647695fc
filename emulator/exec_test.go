package emulator

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestExecTimeoutNamesTheLimit deploys a host whose start-up command runs
// past the (shortened) limit: deploy fails saying it timed out after that
// limit, where it used to say only "signal: killed", and rolls back.
func TestExecTimeoutNamesTheLimit(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "et")
	topo := parseTopology(t, "name: x\nversion: 1\nnodes:\n  h1: {kind: host, exec: [echo started; sleep 30]}\n")
	plan, err := NewPlan(lab, topo)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = Destroy(context.Background(), lab, nil); roottest.AssertGone(t, lab) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	err = Deploy(ctx, plan, Options{ExecTimeout: 300 * time.Millisecond})
	want := fmt.Sprintf("deploy lab %s: node h1: exec[0] \"echo started; sleep 30\": timed out after 300ms and was killed; output:\nstarted\n (rolled back: nothing of the lab is left)", lab)
	if err == nil || err.Error() != want {
		t.Fatalf("deploy with a command past its limit:\n%v\nwant\n%s", err, want)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("deploy took %s to give up on a command limited to 300ms", d)
	}
	roottest.AssertGone(t, lab)
}
