package emulator

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/internal/roottest"
	"github.com/mcnlab/mcnlab/topologies"
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

// A failing command's error quotes the command clipped as the topology's
// errors quote values, and only the end of a long output.
func TestExecErrorIsBounded(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "eb")
	cmd := "yes x | head -c 100000; echo; echo the reason; exit 3 #" + strings.Repeat("a", 100000)
	topo := parseTopology(t, fmt.Sprintf("name: x\nversion: 1\nnodes:\n  h1: {kind: host, exec: [%q]}\n", cmd))
	plan, err := NewPlan(lab, topo)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = Destroy(context.Background(), lab, nil); roottest.AssertGone(t, lab) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = Deploy(ctx, plan, Options{})
	if err == nil {
		t.Fatal("deploy with a failing command succeeded")
	}
	msg := err.Error()
	for _, want := range []string{
		fmt.Sprintf("node h1: exec[0] %q… (%d bytes): exit status 3; output:\n… (100012 bytes of output; the last 4096 follow)\n", cmd[:topologies.MaxValueShown], len(cmd)),
		"x\nx\n\nthe reason\n",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%.600s", want, msg)
		}
	}
	if len(msg) > 5000 {
		t.Errorf("error is %d bytes long, want it bounded", len(msg))
	}
	roottest.AssertGone(t, lab)
}
