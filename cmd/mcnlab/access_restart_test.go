package main

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/ipsec"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// checkDaemonRestart kills only the gateway daemon of the spoke's first
// gateway instance (lab.KillGateway: SIGKILL to its PID) under a ping
// stream from branch 1 to the VPC's host. The emulated cloud restarts the
// daemon; the charon beside it runs on and the restarted daemon reloads
// its connections (keep.Keep), so branch 1's tunnel to it stays up and
// traffic goes on: the test measures the longest time without an answer
// and wants at most 5 s.
func checkDaemonRestart(t *testing.T, lab string) {
	ctx, g := firstBranchGateway(t, lab)
	before, err := emulator.GatewayPIDOf(lab, g.Node, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	gap := outageDuring(t, emulator.NamespaceName(lab, "b1h"), netip.MustParseAddr("100.81.1.10"), func() {
		if err := mcnlab.KillGateway(ctx, lab, g); err != nil {
			t.Fatal(err)
		}
		if err := mcnlab.RestartGateway(ctx, lab, g, mcnlab.Options{}); err != nil {
			t.Fatal(err)
		}
		waitS2CUp(ctx, t, lab)
	})
	after, err := emulator.GatewayPIDOf(lab, g.Node, g.ID)
	if err != nil || after == before {
		t.Fatalf("gateway daemon of %s: pid %d before the kill, %d (%v) after; want a new one", accessGW1, before, after, err)
	}
	t.Logf("%s's daemon (pid %d) killed and restarted (pid %d) by the cloud: longest time without an answer %s", accessGW1, before, after, gap.Round(time.Millisecond))
	if gap > 5*time.Second {
		t.Errorf("branch 1 -> VPC stopped for %s after %s's daemon was killed; want at most 5 s", gap, accessGW1)
	}
	s2cReachNS(t, workloadNS(t, lab, accessVH), netip.MustParseAddr("100.65.1.10"))
}

// checkApplianceRestart kills every process of the spoke's first gateway
// instance (its daemon and its charon, as an appliance crash would) but
// leaves the instance running, under a ping stream from branch 1: the
// cloud restarts the daemon, the daemon starts the charon again
// (keep.Keep), branch 1's tunnel to it comes back, and traffic, which
// went over the backup tunnel meanwhile, resumes within 5 s.
func checkApplianceRestart(t *testing.T, lab string) {
	ctx, g := firstBranchGateway(t, lab)
	ns := workloadNS(t, lab, accessGW1)
	start := time.Now()
	var back time.Duration
	gap := outageDuring(t, emulator.NamespaceName(lab, "b1h"), netip.MustParseAddr("100.81.1.10"), func() {
		killNamespace(t, ns)
		if err := mcnlab.RestartGateway(ctx, lab, g, mcnlab.Options{}); err != nil {
			t.Fatal(err)
		}
		waitS2CUp(ctx, t, lab)
		back = time.Since(start)
	})
	t.Logf("%s's daemon and charon killed: tunnel branch1 up again at both ends after %s; longest time without an answer %s",
		accessGW1, back.Round(time.Millisecond), gap.Round(time.Millisecond))
	if gap > 5*time.Second {
		t.Errorf("branch 1 -> VPC stopped for %s after %s's processes were killed; want at most 5 s", gap, accessGW1)
	}
	s2cReachNS(t, workloadNS(t, lab, accessVH), netip.MustParseAddr("100.65.1.10"))
}

// waitS2CUp waits until branch 1's and branch 2's tunnels to the spoke's
// first gateway are up at both ends.
func waitS2CUp(ctx context.Context, t *testing.T, lab string) {
	t.Helper()
	for _, w := range []struct{ node, conn string }{{accessGW1, "branch1"}, {accessGW1, "branch2"}, {"br1", "branch1"}, {"br2", "branch2"}} {
		if err := ipsec.WaitUp(ctx, emulator.CharonDir(lab, w.node), w.conn); err != nil {
			t.Fatalf("%s: %v", w.node, err)
		}
	}
}

// firstBranchGateway is the spoke's first gateway instance, with a
// context that ends a minute later or with the test.
func firstBranchGateway(t *testing.T, lab string) (context.Context, mcnlab.Gateway) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	g, err := mcnlab.FindGateway(ctx, lab, accessGW1)
	if err != nil {
		t.Fatal(err)
	}
	return ctx, g
}
