package emulator

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/internal/roottest"
	"github.com/mcnlab/mcnlab/topologies"
)

// interop is h1 -- dc (frr, AS 65001) -- edge (bird, AS 65002) -- h2; the
// routers know each other's LAN only through BGP.
const interop = `
name: x
version: 1
nodes:
  h1: {kind: host, routes: [{to: default, via: 10.0.1.1}]}
  h2: {kind: host, routes: [{to: default, via: 10.0.2.1}]}
  dc:
    kind: frr
    bgp: {asn: 65001, networks: [10.0.1.0/24], neighbors: [{address: 10.0.12.2, asn: 65002}]}
  edge:
    kind: bird
    bgp: {asn: 65002, networks: [10.0.2.0/24], neighbors: [{address: 10.0.12.1, asn: 65001}]}
links:
  - endpoints: [{node: h1, interface: eth0, address: 10.0.1.10/24}, {node: dc, interface: eth0, address: 10.0.1.1/24}]
  - endpoints: [{node: dc, interface: eth1, address: 10.0.12.1/30}, {node: edge, interface: eth1, address: 10.0.12.2/30}]
  - endpoints: [{node: edge, interface: eth0, address: 10.0.2.1/24}, {node: h2, interface: eth0, address: 10.0.2.10/24}]
`

func parseTopology(t *testing.T, src string) *topologies.Topology {
	t.Helper()
	topo, err := topologies.Parse("interop.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return topo
}

func TestDaemonConfigs(t *testing.T) {
	pl, err := NewPlan("x", parseTopology(t, interop))
	if err != nil {
		t.Fatal(err)
	}
	frr := DaemonFor("x", pl.Nodes[2])
	bgpd := frr.Files["bgpd.conf"]
	for _, want := range []string{"router bgp 65001", "bgp router-id 10.0.1.1", "neighbor 10.0.12.2 remote-as 65002", "neighbor 10.0.12.2 timers 1 3", "network 10.0.1.0/24", "maximum-paths 16", "neighbor 10.0.12.2 bfd\n", "neighbor 10.0.12.2 bfd profile mcnlab\n"} {
		if !strings.Contains(bgpd, want) {
			t.Errorf("frr bgpd.conf lacks %q:\n%s", want, bgpd)
		}
	}
	bfdd := frr.Files["bfdd.conf"]
	for _, want := range []string{"\nbfd\n profile mcnlab\n", "detect-multiplier 3", "receive-interval 100", "transmit-interval 100"} {
		if !strings.Contains(bfdd, want) {
			t.Errorf("frr bfdd.conf lacks %q:\n%s", want, bfdd)
		}
	}
	if frr.Owner != "frr" || len(frr.Start) != 3 || !strings.Contains(frr.Start[1], "/bfdd -d") || !strings.Contains(frr.Start[1], "--bfdctl /") || !strings.Contains(frr.Start[2], "/bgpd -d") {
		t.Errorf("frr daemon = %+v", frr)
	}
	bird := DaemonFor("x", pl.Nodes[3]).Files["bird.conf"]
	for _, want := range []string{"router id 10.0.12.2;", "route 10.0.2.0/24 blackhole;", "local as 65002;", "neighbor 10.0.12.1 as 65001;", "hold time 3;", "export where source = RTS_BGP", "protocol bfd {", "min rx interval 100 ms;", "multiplier 3;", "bfd on;", "error wait time 1, 5;"} {
		if !strings.Contains(bird, want) {
			t.Errorf("bird.conf lacks %q:\n%s", want, bird)
		}
	}
	if DaemonFor("x", pl.Nodes[0]) != nil {
		t.Error("a host got a routing daemon")
	}
}

func needDaemons(t *testing.T) {
	t.Helper()
	for _, p := range []string{FRRDir + "/bgpd", BIRDBin} {
		if _, err := os.Stat(p); err != nil {
			roottest.Missing(t, "%s is not installed (Debian packages frr and bird2)", p)
		}
	}
}

// TestFRRAndBIRDExchangeRoutes proves the frr and bird kinds: the two real
// daemons peer over eBGP, install each other's LAN in the kernel, and the
// hosts behind them reach each other.
func TestFRRAndBIRDExchangeRoutes(t *testing.T) {
	roottest.Require(t)
	needDaemons(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "ib")
	plan, err := NewPlan(lab, parseTopology(t, interop))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = Destroy(context.Background(), lab, nil); roottest.AssertGone(t, lab) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := Deploy(ctx, plan, Options{}); err != nil {
		t.Fatal(err)
	}
	// FRR's daemons keep /var/tmp/frr/<daemon>.<pid> while they run (the
	// PID of the process that made it, just before it forked); destroy
	// stops them so that they remove it.
	t.Cleanup(func() {
		pids, _ := NodePIDs(lab, "dc")
		comms := map[int]string{}
		for _, pid := range pids {
			comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
			comms[pid] = strings.TrimSpace(string(comm))
		}
		if err := Destroy(context.Background(), lab, nil); err != nil {
			t.Error(err)
		}
		for pid, comm := range comms {
			for p := pid - 3; p <= pid && comm != ""; p++ {
				d := fmt.Sprintf("/var/tmp/frr/%s.%d", comm, p)
				if _, err := os.Stat(d); err == nil && !otherDaemon(comm, p, pid) {
					t.Errorf("%s of FRR's pid %d outlives destroy", d, pid)
				}
			}
		}
	})
	start := time.Now()
	if _, err := probe.WaitReachable(ctx, NamespaceName(lab, "h1"), netip.MustParseAddr("10.0.2.10"), 100*time.Millisecond); err != nil {
		t.Fatalf("h1 -> h2 over BGP-learned routes: %v", err)
	}
	t.Logf("BGP converged and h1 reached h2 %s after deploy", time.Since(start).Round(time.Millisecond))
	// Each router holds the other's LAN as a route from its daemon.
	for _, c := range []struct {
		node, prefix string
		proto        netlink.RouteProtocol
	}{{"dc", "10.0.2.0/24", 186}, {"edge", "10.0.1.0/24", 12}} { // RTPROT_BGP (FRR), RTPROT_BIRD
		nl, err := netns.Netlink(NamespaceName(lab, c.node))
		if err != nil {
			t.Fatal(err)
		}
		routes, err := nl.RouteList(nil, netlink.FAMILY_V4)
		found := false
		for _, r := range routes {
			if r.Dst != nil && r.Dst.String() == c.prefix && r.Protocol == c.proto {
				found = true
			}
		}
		if err != nil || !found {
			t.Errorf("%s has no route to %s from protocol %d: %v %v", c.node, c.prefix, c.proto, routes, err)
		}
		nl.Close()
	}
}

func TestBadBIRDConfigRollsBack(t *testing.T) {
	roottest.Require(t)
	needDaemons(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "bb")
	src := strings.Replace(interop, "    bgp: {asn: 65002, networks: [10.0.2.0/24], neighbors: [{address: 10.0.12.1, asn: 65001}]}", "    config: \"protocol bgp { this is not bird }\"", 1)
	plan, err := NewPlan(lab, parseTopology(t, src))
	if err != nil {
		t.Fatal(err)
	}
	err = Deploy(context.Background(), plan, Options{})
	if err == nil || !strings.Contains(err.Error(), "node edge: start") || !strings.Contains(err.Error(), "rolled back") {
		t.Fatalf("deploy with a broken bird.conf: %v; want the daemon's error and a rollback", err)
	}
	roottest.AssertGone(t, lab)
}

// otherDaemon reports whether a running process named comm other than
// ours could have made /var/tmp/frr/COMM.P (its PID is P or a few above,
// as a daemon forks after naming it): another lab's FRR on this machine,
// whose file is not ours to miss.
func otherDaemon(comm string, p, ours int) bool {
	for q := p; q <= p+3; q++ {
		if q == ours {
			continue
		}
		if c, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", q)); err == nil && strings.TrimSpace(string(c)) == comm {
			return true
		}
	}
	return false
}
