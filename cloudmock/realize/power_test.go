package realize

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/state"
)

// startIn starts `sleep 600` inside namespace ns, as a user's program on
// the instance; the test ends it if the lab has not.
func (l *lab) startIn(ns string) state.Process {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := emulator.StartDaemon(ctx, ns, []string{"sleep", "600"}, filepath.Join(l.t.TempDir(), "sleep.log"))
	l.ok(err)
	l.t.Cleanup(func() {
		if p.Alive() {
			l.t.Errorf("sleep pid %d outlives the test", p.PID)
			syscall.Kill(p.PID, syscall.SIGKILL)
		}
	})
	return p
}

// waitGone polls until the process has exited (it is reaped by
// StartDaemon's goroutine, so a zombie passes soon), failing after 10 s.
func (l *lab) waitGone(p state.Process, why string) {
	l.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for p.Alive() {
		if time.Now().After(deadline) {
			l.t.Fatalf("pid %d still runs 10 s after %s", p.PID, why)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stopping an instance removes its namespace (pings to it fail); starting
// it makes the namespace again with the same address (pings pass); a
// reboot remakes the namespace, ending what ran inside, and pings pass
// again.
func TestInstanceStopStartReboot(t *testing.T) {
	l := newLab(t)
	v := l.vpc("10.0.0.0/16")
	sub := l.subnet(v, "10.0.1.0/24")
	g := l.openGroup(v, "open", "10.0.0.0/16")
	a, b := l.instance(sub, g.ID), l.instance(sub, g.ID)
	l.sync()
	l.pingOK(l.ns(a), b.PrivateIP)

	must[[]model.StateChange](t)(l.cloud.StopInstances(acct, []string{b.ID}, false))
	l.sync()
	if netns.Exists(l.ns(b)) {
		t.Fatalf("namespace %s outlives the stop of its instance", l.ns(b))
	}
	l.pingFails(l.ns(a), b.PrivateIP)

	must[[]model.StateChange](t)(l.cloud.StartInstances(acct, []string{b.ID}))
	l.sync()
	if !netns.Exists(l.ns(b)) {
		t.Fatalf("no namespace %s once its instance started", l.ns(b))
	}
	l.pingOK(l.ns(a), b.PrivateIP)
	l.pingOK(l.ns(b), a.PrivateIP)

	sleeper := l.startIn(l.ns(a))
	if !sleeper.Alive() {
		t.Fatalf("sleep %+v is not running", sleeper)
	}
	l.ok(l.cloud.RebootInstances(acct, []string{a.ID}))
	l.sync()
	l.waitGone(sleeper, "its instance rebooted")
	if !netns.Exists(l.ns(a)) {
		t.Fatalf("no namespace %s once its instance rebooted", l.ns(a))
	}
	l.pingOK(l.ns(a), b.PrivateIP)
	l.pingOK(l.ns(b), a.PrivateIP)

	// A process in a stopped instance ends with it.
	sleeper = l.startIn(l.ns(b))
	must[[]model.StateChange](t)(l.cloud.StopInstances(acct, []string{b.ID}, false))
	l.sync()
	l.waitGone(sleeper, "its instance stopped")
}

// A gateway instance's reboot ends its daemon and starts a new one (another
// PID) that answers its socket; a stop ends it, and a start runs it again.
func TestGatewayInstanceReboot(t *testing.T) {
	l := gatewayLab(t)
	v := l.vpc("10.0.0.0/16")
	sub := l.subnet(v, "10.0.1.0/24")
	g := l.openGroup(v, "open", "10.0.0.0/16")
	gw, plain := l.gatewayInstance(sub, g.ID), l.instance(sub, g.ID)
	l.sync()
	ctx, cancel := context.WithTimeout(context.Background(), gwConverge)
	defer cancel()
	c := mgmt.NewClient(GatewaySocket(l.name, gw.ID))
	defer c.Close()
	healthy := func(when string) {
		t.Helper()
		h, err := c.Health(ctx)
		if err != nil {
			t.Fatalf("the gateway's socket does not answer %s: %v", when, err)
		}
		if h.Name != GatewayName(gw.ID) {
			t.Fatalf("gateway answers %s as %q, want %q", when, h.Name, GatewayName(gw.ID))
		}
	}
	healthy("after launch")
	first := l.daemon(gw)
	if !first.Alive() {
		t.Fatalf("gateway %+v is not running", first)
	}

	l.ok(l.cloud.RebootInstances(acct, []string{gw.ID}))
	second := l.daemon(gw) // syncs
	l.waitGone(first, "its instance rebooted")
	if second.PID == 0 || second.PID == first.PID || !second.Alive() {
		t.Fatalf("after the reboot the gateway is %+v, was %+v; want a new running process", second, first)
	}
	healthy("after the reboot")
	l.pingOK(l.ns(plain), gw.PrivateIP)

	must[[]model.StateChange](t)(l.cloud.StopInstances(acct, []string{gw.ID}, false))
	l.sync()
	l.waitGone(second, "its instance stopped")
	if _, err := os.Stat(GatewaySocket(l.name, gw.ID)); err == nil {
		if _, err := c.Health(ctx); err == nil {
			t.Fatal("the stopped gateway's socket still answers")
		}
	}
	must[[]model.StateChange](t)(l.cloud.StartInstances(acct, []string{gw.ID}))
	third := l.daemon(gw)
	if third.PID == 0 || third.PID == second.PID || !third.Alive() {
		t.Fatalf("after the start the gateway is %+v; want a new running process", third)
	}
	healthy("after the start")
}
