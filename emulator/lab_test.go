package emulator

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
	"github.com/mcnlab/mcnlab/topologies"
)

func deployLine(t *testing.T, lab string, mutate func(*topologies.Topology)) error {
	t.Helper()
	topo := line(lab)
	if mutate != nil {
		mutate(topo)
	}
	plan, err := NewPlan(lab, topo)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = Destroy(context.Background(), lab, nil)
		roottest.AssertGone(t, lab)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return Deploy(ctx, plan, Options{})
}

func ping(t *testing.T, lab, from, to string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := probe.WaitReachable(ctx, NamespaceName(lab, from), netip.MustParseAddr(to), 50*time.Millisecond)
	return err
}

func TestDeployPingDestroy(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "dp")
	pidFile := t.TempDir() + "/pid"
	err := deployLine(t, lab, func(topo *topologies.Topology) {
		// A daemon left running by a start-up command must die with the lab.
		topo.Nodes[0].Exec = []string{"sleep 600 >/dev/null 2>&1 & echo $! > " + pidFile}
		// A friendly name over the kernel's 15 bytes gets a derived name.
		topo.Links[0].A.Interface = "uplink-to-router-one"
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := ping(t, lab, "h1", "10.0.3.10"); err != nil {
		t.Errorf("h1 -> h2 across two routers: %v", err)
	}
	if err := ping(t, lab, "h2", "10.0.1.10"); err != nil {
		t.Errorf("h2 -> h1: %v", err)
	}
	// A destination no router has a route for is not reached.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	if _, err := probe.WaitReachable(ctx, NamespaceName(lab, "h1"), netip.MustParseAddr("10.0.9.9"), 50*time.Millisecond); err == nil {
		t.Error("h1 reached 10.0.9.9, which no node has or routes")
	}
	cancel()
	// MTU and rate limit are in the kernel as the topology says.
	nl, err := netns.Netlink(NamespaceName(lab, "r1"))
	if err != nil {
		t.Fatal(err)
	}
	link, err := nl.LinkByName("eth1")
	if err != nil {
		t.Fatal(err)
	}
	if link.Attrs().MTU != 9000 {
		t.Errorf("r1 eth1 MTU = %d, want 9000", link.Attrs().MTU)
	}
	qs, err := nl.QdiscList(link)
	if err != nil {
		t.Fatal(err)
	}
	var rate uint64
	for _, q := range qs {
		if tb, ok := q.(*netlink.Tbf); ok {
			rate = tb.Rate * 8
		}
	}
	if rate != 100_000_000 {
		t.Errorf("r1 eth1 tbf rate = %d bit/s, want 100000000 (qdiscs %v)", rate, qs)
	}
	nl.Close()

	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if pid <= 0 {
		t.Fatalf("no daemon pid in %q", b)
	}
	rec, err := state.Load(lab)
	if err != nil || rec.Phase != state.PhaseReady {
		t.Fatalf("state after deploy: %+v, %v; want phase ready", rec, err)
	}
	if err := Destroy(context.Background(), lab, nil); err != nil {
		t.Fatal(err)
	}
	roottest.AssertGone(t, lab)
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid) + "/ns/net"); err == nil {
		t.Errorf("daemon pid %d started in h1 still runs after destroy", pid)
	}
	if err := Destroy(context.Background(), lab, nil); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("second destroy = %v, want ErrNotFound (idempotent)", err)
	}
}

func TestDeployTwiceIsAClearError(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "tw")
	if err := deployLine(t, lab, nil); err != nil {
		t.Fatal(err)
	}
	plan, _ := NewPlan(lab, line(lab))
	err := Deploy(context.Background(), plan, Options{})
	if err == nil || !strings.Contains(err.Error(), "already running") || !strings.Contains(err.Error(), "mcnlab destroy --lab "+lab) {
		t.Fatalf("second deploy of %s: %v; want an 'already running … mcnlab destroy --lab' error", lab, err)
	}
	// The running lab is untouched.
	if err := ping(t, lab, "h1", "10.0.3.10"); err != nil {
		t.Errorf("the first lab broke: %v", err)
	}
}

func TestTwoLabsSideBySide(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	a, b := roottest.LabName(t, "sa"), roottest.LabName(t, "sb")
	if err := deployLine(t, a, nil); err != nil {
		t.Fatal(err)
	}
	if err := deployLine(t, b, nil); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{a, b} {
		if err := ping(t, l, "h1", "10.0.3.10"); err != nil {
			t.Errorf("lab %s: %v", l, err)
		}
	}
}

func TestFailedDeployRollsBack(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "fr")
	err := deployLine(t, lab, func(topo *topologies.Topology) {
		topo.Nodes[3].Exec = []string{"echo broken-on-purpose; exit 3"}
	})
	if err == nil {
		t.Fatal("deploy with a failing exec command succeeded")
	}
	for _, want := range []string{"node h2", "exit status 3", "broken-on-purpose", "rolled back"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	roottest.AssertGone(t, lab)
}

func TestForeignNamespaceIsNeverTouched(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "fn")
	foreign := NamespaceName(lab, "r2")
	if err := netns.Create(foreign); err != nil {
		t.Fatal(err)
	}
	defer netns.Delete(foreign)
	plan, _ := NewPlan(lab, line(lab))
	err := Deploy(context.Background(), plan, Options{})
	if err == nil || !strings.Contains(err.Error(), foreign) {
		t.Fatalf("deploy over an existing namespace: %v; want an error naming %s", err, foreign)
	}
	if !netns.Exists(foreign) {
		t.Errorf("the existing namespace %s was removed by a lab that does not own it", foreign)
	}
	if _, err := os.Stat(state.Dir(lab)); err == nil {
		t.Errorf("a refused deploy left state in %s", state.Dir(lab))
	}
	if ns := roottest.Namespaces(lab); len(ns) != 1 {
		t.Errorf("namespaces of %s after a refused deploy: %v; want only the foreign one", lab, ns)
	}
}

func TestCancelledDeployRollsBack(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "cx")
	plan, _ := NewPlan(lab, line(lab))
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // as Ctrl-C before the first phase finishes
	err := Deploy(ctx, plan, Options{})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "rolled back") {
		t.Errorf("cancelled deploy = %v; want context.Canceled, rolled back", err)
	}
	roottest.AssertGone(t, lab)
}

// TestDeployVXLANOverlay: two routers joined by a topology link get a
// point-to-point VXLAN over it each; they ping each other across the
// overlay, the interfaces are what the topology asks, and the state
// records them.
func TestDeployVXLANOverlay(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "vx")
	a := netip.MustParseAddr
	err := deployLine(t, lab, func(topo *topologies.Topology) {
		// r1 eth1 10.0.2.1/30 -- r2 eth1 10.0.2.2/30 is the underlay.
		topo.Nodes[1].VXLAN = []topologies.VXLAN{{Name: "vx-r2", VNI: 42, Local: a("10.0.2.1"), Remote: a("10.0.2.2"),
			Address: netip.MustParsePrefix("10.99.0.1/30")}}
		topo.Nodes[2].VXLAN = []topologies.VXLAN{{Name: "vx-r1", VNI: 42, Local: a("10.0.2.2"), Remote: a("10.0.2.1"),
			Address: netip.MustParsePrefix("10.99.0.2/30"), Port: 8472, MTU: 1400}}
		topo.Nodes[1].VXLAN[0].Port = 8472
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := ping(t, lab, "r1", "10.99.0.2"); err != nil {
		t.Errorf("r1 -> r2 across the overlay: %v", err)
	}
	nl, err := netns.Netlink(NamespaceName(lab, "r2"))
	if err != nil {
		t.Fatal(err)
	}
	defer nl.Close()
	link, err := nl.LinkByName("vx-r1")
	if err != nil {
		t.Fatal(err)
	}
	vx, ok := link.(*netlink.Vxlan)
	if !ok || vx.VxlanId != 42 || vx.Port != 8472 || vx.MTU != 1400 || vx.Learning || vx.VtepDevIndex != 0 || vx.Group.String() != "10.0.2.1" {
		t.Errorf("r2 vx-r1 = %+v; want vni 42, port 8472, mtu 1400, learning off, no lower device, remote 10.0.2.1", link)
	}
	rec, err := state.Load(lab)
	if err != nil {
		t.Fatal(err)
	}
	want := state.VXLAN{Interface: "vx-r2", VNI: 42, Local: "10.0.2.1", Remote: "10.0.2.2", Port: 8472, Address: "10.99.0.1/30", MTU: 1450}
	if got := rec.Nodes[1].VXLAN; len(got) != 1 || got[0] != want {
		t.Errorf("state of r1 records vxlan %+v; want %+v", got, want)
	}
}
