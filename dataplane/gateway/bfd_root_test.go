package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/internal/roottest"
	"github.com/mcnlab/mcnlab/topologies"
)

// bfdTopology is a VPC router r (kind %s: frr or bird) with a LAN and one
// link to each of two gateways, gw1 and gw2, which both announce
// 10.99.0.0/24: r reaches it by ECMP over both.
const bfdTopology = `
name: x
version: 1
nodes:
  r:
    kind: %s
    bgp: {asn: 65000, networks: [10.9.0.0/24], neighbors: [{address: 10.0.1.2, asn: 65001}, {address: 10.0.2.2, asn: 65002}]}
  gw1: {kind: router}
  gw2: {kind: router}
  h: {kind: host, routes: [{to: default, via: 10.9.0.1}]}
links:
  - endpoints: [{node: r, interface: gw1, address: 10.0.1.1/30}, {node: gw1, interface: vpc, address: 10.0.1.2/30}]
  - endpoints: [{node: r, interface: gw2, address: 10.0.2.1/30}, {node: gw2, interface: vpc, address: 10.0.2.2/30}]
  - endpoints: [{node: r, interface: lan, address: 10.9.0.1/24}, {node: h, interface: eth0, address: 10.9.0.10/24}]
`

// vtyshJSON runs a vtysh show command against node's FRR and decodes its
// JSON answer.
func vtyshJSON(ctx context.Context, lab, node, cmd string, v any) error {
	out, err := exec.CommandContext(ctx, "vtysh", "--vty_socket", emulator.NodeDir(lab, node), "-c", cmd).Output()
	if err != nil {
		return fmt.Errorf("vtysh -c %q: %w", cmd, err)
	}
	if err := json.Unmarshal(out, v); err != nil {
		return fmt.Errorf("vtysh -c %q: %w in %q", cmd, err, out)
	}
	return nil
}

// Addresses of bfdTopology.
var (
	behind     = netip.MustParsePrefix("10.99.0.0/24")
	routerAddr = []netip.Addr{netip.MustParseAddr("10.0.1.1"), netip.MustParseAddr("10.0.2.1")}
	gwAddr     = []netip.Addr{netip.MustParseAddr("10.0.1.2"), netip.MustParseAddr("10.0.2.2")}
)

// startBFDLab deploys bfdTopology with r of the given kind, starts and
// configures both gateways, and waits until r routes 10.99.0.0/24 by ECMP
// through them. ctx ends with the test.
func startBFDLab(t *testing.T, kind string) (*lab, context.Context) {
	t.Helper()
	bin := roottest.MCNLab(t)
	roottest.UseTempState(t)
	l := &lab{name: roottest.LabName(t, "bf"), bin: bin}
	topo, err := topologies.Parse("bfd.yaml", []byte(fmt.Sprintf(bfdTopology, kind)))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := emulator.NewPlan(l.name, topo)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := emulator.Destroy(context.Background(), l.name, nil); err != nil {
			t.Errorf("destroy: %v", err)
		}
		roottest.AssertGone(t, l.name)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	if err := emulator.Deploy(ctx, plan, emulator.Options{}); err != nil {
		t.Fatal(err)
	}
	if l.sockDir, err = os.MkdirTemp("", "mcngw"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(l.sockDir) })
	l.logDir = t.TempDir()

	for i := 1; i <= 2; i++ {
		g := l.startDaemon(t, fmt.Sprintf("gw%d", i))
		g.i = i
		l.gws = append(l.gws, g)
		_, err := g.client.PutConfig(ctx, mgmt.Config{
			Name: g.name, ASN: uint32(65000 + i), RouterID: gwAddr[i-1],
			Prefixes:  []netip.Prefix{behind},
			Neighbors: []mgmt.Neighbor{{Name: "r", Address: routerAddr[i-1], ASN: 65000}},
		})
		if err != nil {
			t.Fatalf("PUT config of gw%d: %v", i, err)
		}
	}
	rns := emulator.NamespaceName(l.name, "r")
	eventually(t, converge, func() string {
		if got := nextHopsOf(t, rns, behind); !slices.Equal(got, gwAddr) {
			return fmt.Sprintf("r's route to %s via %v; want ECMP via %v", behind, got, gwAddr)
		}
		return ""
	})
	return l, ctx
}

// nextHopsOf returns the next hops of the kernel's route to p in namespace
// ns, whichever daemon installed it; nil when there is none.
func nextHopsOf(t *testing.T, ns string, p netip.Prefix) []netip.Addr {
	t.Helper()
	nl, err := netns.Netlink(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer nl.Close()
	dst := &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
	routes, err := nl.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Dst: dst}, netlink.RT_FILTER_DST)
	if err != nil {
		t.Fatal(err)
	}
	var hops []netip.Addr
	for _, r := range routes {
		if r.Gw != nil {
			a, _ := netip.AddrFromSlice(r.Gw)
			hops = append(hops, a.Unmap())
		}
		for _, nh := range r.MultiPath {
			a, _ := netip.AddrFromSlice(nh.Gw)
			hops = append(hops, a.Unmap())
		}
	}
	slices.SortFunc(hops, netip.Addr.Compare)
	return hops
}

// TestBFDWithBIRD: as TestBFDWithFRR's router side, with BIRD: a frozen
// gateway leaves r's ECMP route well before the 3 s hold time because
// BIRD's BFD session to it goes down (asserted by BIRD's reason, "BFD
// session down", and within a generous 10 s; the time is logged).
func TestBFDWithBIRD(t *testing.T) {
	roottest.Require(t)
	for _, p := range []string{emulator.BIRDBin, "/usr/sbin/birdc"} {
		if _, err := os.Stat(p); err != nil {
			roottest.Missing(t, "%s is not installed", p)
		}
	}
	l, ctx := startBFDLab(t, "bird")
	rns := emulator.NamespaceName(l.name, "r")
	sock := filepath.Join(emulator.NodeDir(l.name, "r"), "bird.ctl")
	eventually(t, converge, func() string {
		out, err := exec.CommandContext(ctx, "birdc", "-s", sock, "show", "bfd", "sessions").CombinedOutput()
		if err != nil || strings.Count(string(out), " Up ") != 2 {
			return fmt.Sprintf("BIRD's BFD sessions (%v):\n%s\nwant 2 Up", err, out)
		}
		return ""
	})
	v := l.gws[0]
	if err := syscall.Kill(v.proc.PID, syscall.SIGSTOP); err != nil {
		t.Fatalf("stop gw1 pid %d: %v", v.proc.PID, err)
	}
	defer syscall.Kill(v.proc.PID, syscall.SIGCONT)
	frozen := time.Now()
	eventually(t, 10*time.Second, func() string {
		if got := nextHopsOf(t, rns, behind); !slices.Equal(got, gwAddr[1:]) {
			return fmt.Sprintf("r's route to %s via %v %s after gw1 froze; want only %v", behind, got, time.Since(frozen).Round(time.Millisecond), gwAddr[1])
		}
		return ""
	})
	t.Logf("BIRD dropped the frozen gateway's next hop %s after SIGSTOP (BGP hold time 3 s)", time.Since(frozen).Round(time.Millisecond))
	out, err := exec.CommandContext(ctx, "birdc", "-s", sock, "show", "protocols", "all", "peer1").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "BFD session down") {
		t.Errorf("BIRD's session to gw1 (%v):\n%s\nwant it down for \"BFD session down\"", err, out)
	}
}

// TestBFDWithFRR: an FRR router r peers with two gateways over plain
// links, with BFD on both ends (100 ms x 3), and reaches a prefix behind
// both by ECMP. Gateway side: when r's bfdd is frozen, the gateways drop
// r's next hop from their FIBs while BGP stays established. Router side:
// one gateway is frozen (SIGSTOP: a hung gateway, which unlike a SIGKILLed
// process does not close its TCP session, so only BFD or the hold timer can
// tell): FRR's BFD session to it goes down and bgpd resets BGP for that
// reason, so the route loses the dead next hop well before the 3 s hold
// time (asserted by the reset reason naming BFD, and within a generous
// 10 s; the times are logged). The gateways start BFD only once BGP is
// established, so the ECMP route that startBFDLab waits for also shows
// that FRR brings BGP up with a neighbour that does not answer BFD.
func TestBFDWithFRR(t *testing.T) {
	roottest.Require(t)
	for _, p := range []string{emulator.FRRDir + "/bgpd", emulator.FRRDir + "/bfdd"} {
		if _, err := os.Stat(p); err != nil {
			roottest.Missing(t, "%s is not installed", p)
		}
	}
	if _, err := exec.LookPath("vtysh"); err != nil {
		roottest.Missing(t, "no vtysh: %v", err)
	}
	l, ctx := startBFDLab(t, "frr")
	// Both BFD sessions up, seen from FRR.
	eventually(t, converge, frrBFDUp(ctx, l))
	freezeRouterBFD(t, l)

	// BGP was reset once: the gateways stopped BFD with it and start it
	// again now that BGP is back; FRR must see it up before the next part,
	// in bfdd and in bgpd alike: bgpd registers a new BFD session when BGP
	// comes up, and acts on a BFD failure only while the session it
	// registered is up (bfdd's view alone was seen up while bgpd's was
	// still down, and the freeze below then went by the hold timer).
	eventually(t, converge, frrBFDUp(ctx, l))
	eventually(t, converge, func() string {
		var nb map[string]struct {
			State string `json:"bgpState"`
			BFD   struct {
				Status string `json:"status"`
			} `json:"peerBfdInfo"`
		}
		if err := vtyshJSON(ctx, l.name, "r", "show bgp neighbors json", &nb); err != nil {
			return err.Error()
		}
		for _, a := range gwAddr {
			if n := nb[a.String()]; n.State != "Established" || n.BFD.Status != "Up" {
				return fmt.Sprintf("bgpd's neighbour %s: BGP %s, BFD %q; want Established with BFD Up", a, n.State, n.BFD.Status)
			}
		}
		return ""
	})
	freezeGatewayOne(t, ctx, l)
}

// frrBFDUp returns a check that FRR's bfdd has both gateways' sessions up
// at 100 ms x 3.
func frrBFDUp(ctx context.Context, l *lab) func() string {
	type bfdPeer struct {
		Peer           string `json:"peer"`
		Status         string `json:"status"`
		DetectMult     int    `json:"detect-multiplier"`
		RemoteRxMillis int    `json:"remote-receive-interval"`
	}
	return func() string {
		var peers []bfdPeer
		if err := vtyshJSON(ctx, l.name, "r", "show bfd peers json", &peers); err != nil {
			return err.Error()
		}
		up := 0
		for _, p := range peers {
			if p.Status == "up" && p.RemoteRxMillis == 100 && p.DetectMult == 3 {
				up++
			}
		}
		if up != 2 {
			return fmt.Sprintf("FRR BFD peers %+v; want 2 up at 100 ms x 3", peers)
		}
		return ""
	}
}

// freezeRouterBFD is the gateway side: it freezes r's bfdd (bgpd runs on,
// so BGP stays up). Both gateways' BFD sessions go down and they drop r's
// LAN from their FIBs although BGP still has it; thawed, BFD and the
// routes come back (FRR's bfdd then times its sessions out and bgpd
// resets BGP once, which the waits below cover).
func freezeRouterBFD(t *testing.T, l *lab) {
	t.Helper()
	rns := emulator.NamespaceName(l.name, "r")
	rLAN := netip.MustParsePrefix("10.9.0.0/24")
	for i := range 2 {
		eventually(t, converge, func() string {
			if got := kernelRoutes(t, l.gws[i].ns)[rLAN]; !slices.Equal(got, routerAddr[i:i+1]) {
				return fmt.Sprintf("gw%d's route to %s via %v; want %v", i+1, rLAN, got, routerAddr[i])
			}
			return ""
		})
	}
	bfdd := daemonPID(t, l.name, "r", "bfdd")
	if err := syscall.Kill(bfdd, syscall.SIGSTOP); err != nil {
		t.Fatalf("stop r's bfdd pid %d: %v", bfdd, err)
	}
	thawed := false
	thaw := func() {
		if !thawed {
			thawed = true
			if err := syscall.Kill(bfdd, syscall.SIGCONT); err != nil {
				t.Errorf("continue r's bfdd pid %d: %v", bfdd, err)
			}
		}
	}
	defer thaw()
	frozen := time.Now()
	for i := range 2 {
		eventually(t, 10*time.Second, func() string {
			if got, ok := kernelRoutes(t, l.gws[i].ns)[rLAN]; ok {
				return fmt.Sprintf("gw%d still routes %s via %v %s after r's BFD stopped", i+1, rLAN, got, time.Since(frozen).Round(time.Millisecond))
			}
			return ""
		})
	}
	t.Logf("both gateways dropped r's next hop %s after r's bfdd froze", time.Since(frozen).Round(time.Millisecond))
	for _, s := range l.status(t, 1).Sessions {
		if s.Name == "r" && s.State != "established" {
			t.Errorf("gw1's BGP session to r is %s: the route went by BGP, not BFD", s.State)
		}
	}
	thaw()
	for i := range 2 {
		eventually(t, converge, func() string {
			if got := kernelRoutes(t, l.gws[i].ns)[rLAN]; !slices.Equal(got, routerAddr[i:i+1]) {
				return fmt.Sprintf("gw%d's route to %s via %v after r's bfdd thawed; want %v", i+1, rLAN, got, routerAddr[i])
			}
			return ""
		})
	}
	eventually(t, converge, func() string {
		if got := nextHopsOf(t, rns, behind); !slices.Equal(got, gwAddr) {
			return fmt.Sprintf("r's route to %s via %v; want ECMP via %v", behind, got, gwAddr)
		}
		return ""
	})
}

// freezeGatewayOne is the router side: it freezes gw1, a hung gateway
// that, unlike a killed process, does not even close its TCP session. FRR
// hears no BFD from it and resets BGP at once instead of after the hold
// time.
func freezeGatewayOne(t *testing.T, ctx context.Context, l *lab) {
	t.Helper()
	rns := emulator.NamespaceName(l.name, "r")
	v := l.gws[0]
	if err := syscall.Kill(v.proc.PID, syscall.SIGSTOP); err != nil {
		t.Fatalf("stop gw1 pid %d: %v", v.proc.PID, err)
	}
	defer syscall.Kill(v.proc.PID, syscall.SIGCONT)
	killed := time.Now()
	eventually(t, 10*time.Second, func() string {
		if got := nextHopsOf(t, rns, behind); !slices.Equal(got, gwAddr[1:]) {
			return fmt.Sprintf("r's route to %s via %v %s after gw1 froze; want only %v", behind, got, time.Since(killed).Round(time.Millisecond), gwAddr[1])
		}
		return ""
	})
	took := time.Since(killed)
	t.Logf("FRR dropped the frozen gateway's next hop %s after SIGSTOP (BGP hold time 3 s)", took.Round(time.Millisecond))

	// The session went down because of BFD, not the hold timer: bgpd
	// sent a Cease with subcode 10, "BFD Down" (RFC 9384).
	var nb map[string]map[string]any
	if err := vtyshJSON(ctx, l.name, "r", "show bgp neighbors 10.0.1.2 json", &nb); err != nil {
		t.Fatal(err)
	}
	if why := fmt.Sprint(nb["10.0.1.2"]["lastNotificationReason"]); !strings.Contains(why, "BFD") {
		t.Errorf("FRR's last notification to gw1 is %q; want Cease/BFD Down. Neighbour: %v", why, nb["10.0.1.2"])
	}
}

// daemonPID reads the PID file of a routing daemon of a lab node.
func daemonPID(t *testing.T, lab, node, daemon string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(emulator.NodeDir(lab, node), daemon+".pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		t.Fatalf("%s of %s: pid file %q: %v", daemon, node, b, err)
	}
	return pid
}
