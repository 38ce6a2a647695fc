package gateway_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// onpremConfig is gw2 playing an on-prem router (AS 65100, no tunnels)
// that advertises prefixes to gw1, a plain neighbour at gw1addr.
func onpremConfig(gw1addr netip.Addr, prefixes ...netip.Prefix) mgmt.Config {
	return mgmt.Config{
		Name: "gw2", ASN: 65100, RouterID: netip.MustParseAddr("10.255.255.2"), Prefixes: prefixes,
		Neighbors: []mgmt.Neighbor{{Name: "gw1", Address: gw1addr, ASN: 65001}},
	}
}

// overlayLink reads the VXLAN interface name in namespace ns; nil when
// there is none.
func overlayLink(t *testing.T, ns, name string) *netlink.Vxlan {
	t.Helper()
	nl, err := netns.Netlink(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer nl.Close()
	link, err := nl.LinkByName(name)
	if err != nil {
		return nil
	}
	vx, ok := link.(*netlink.Vxlan)
	if !ok {
		t.Fatalf("%s in %s is a %s, want vxlan", name, ns, link.Type())
	}
	all, err := nl.AddrList(link, netlink.FAMILY_ALL)
	if err != nil {
		t.Fatal(err)
	}
	var addrs []string // the kernel's own IPv6 link-local address aside
	for _, a := range all {
		if !a.IP.IsLinkLocalUnicast() {
			addrs = append(addrs, a.IPNet.String())
		}
	}
	if !slices.Equal(addrs, []string{"10.254.0.1/30"}) {
		t.Errorf("%s addresses = %v; want 10.254.0.1/30 only", name, addrs)
	}
	return vx
}

// TestNeighborOverVXLAN: gw1 peers with an on-prem router (gw2's namespace
// runs a second gateway daemon as the router) over a VXLAN overlay across
// their shared underlay link, the private-line case. The test makes the
// router's end of the overlay itself, as a plain kernel VXLAN. The
// router's LAN reaches gw1's FIB via the overlay address, hosts behind
// both ends ping each other across it, BFD comes up over it; changing the
// overlay re-creates the interface, and removing the neighbour removes it.
func TestNeighborOverVXLAN(t *testing.T) {
	l := startLab(t, "vx", 2, true)
	gw1ns, gw2ns := l.gws[0].ns, l.gws[1].ns
	ctx, cancel := context.WithTimeout(context.Background(), converge)
	defer cancel()

	makeRouterVXLAN(t, gw2ns)
	overlay1, overlay2 := netip.MustParseAddr("10.254.0.1"), netip.MustParseAddr("10.254.0.2")
	_, err := l.gws[1].client.PutConfig(ctx, onpremConfig(overlay1, lan(2)))
	if err != nil {
		t.Fatal(err)
	}

	cfg := l.config(1)
	cfg.Neighbors = []mgmt.Neighbor{{
		Name: "onprem", Address: overlay2, ASN: 65100,
		VXLAN: &mgmt.VXLAN{VNI: 100, Local: netip.MustParseAddr("198.18.0.1"), Remote: netip.MustParseAddr("198.18.0.2"),
			Address: netip.MustParsePrefix("10.254.0.1/30")},
	}}
	got, err := l.gws[0].client.PutConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if v := got.Neighbors[0].VXLAN; v == nil || v.Port != 4789 || v.MTU != 1450 {
		t.Errorf("config in place has vxlan %+v; want the defaults port 4789 and mtu 1450 filled in", v)
	}
	vx := overlayLink(t, gw1ns, "vx-onprem")
	if vx == nil {
		t.Fatal("no vx-onprem in gw1's namespace after the PUT")
	}
	if vx.VxlanId != 100 || vx.Port != 4789 || vx.Learning || vx.MTU != 1450 || vx.VtepDevIndex != 0 ||
		!vx.SrcAddr.Equal(net.ParseIP("198.18.0.1")) || !vx.Group.Equal(net.ParseIP("198.18.0.2")) || vx.OperState == netlink.OperDown {
		t.Errorf("vx-onprem = id %d port %d learning %v mtu %d local %s remote %s state %s; want 100, 4789, off, 1450, 198.18.0.1, 198.18.0.2, up",
			vx.VxlanId, vx.Port, vx.Learning, vx.MTU, vx.SrcAddr, vx.Group, vx.OperState)
	}

	// The router's LAN is routed via its overlay address, over vx-onprem,
	// and gw1's LAN via gw1's on the router.
	l.waitRoutes(t, 1, map[netip.Prefix][]netip.Addr{lan(2): {overlay2}})
	l.waitRoutes(t, 2, map[netip.Prefix][]netip.Addr{lan(1): {overlay1}})
	if dev := routeDevice(t, gw1ns, host(2)); dev != "vx-onprem" {
		t.Errorf("gw1 routes %s through %s; want vx-onprem", host(2), dev)
	}
	l.waitReachable(t, 1, 2)
	l.waitReachable(t, 2, 1)
	eventually(t, converge, func() string {
		for _, s := range l.status(t, 1).Sessions {
			if s.Name == "onprem" && s.State == "established" && s.BFD == "Up" {
				return ""
			}
		}
		return fmt.Sprintf("gw1 sessions %+v; want onprem established with BFD Up", l.status(t, 1).Sessions)
	})

	// A new overlay MTU re-creates the interface (a new index, the same
	// MAC address) under the BGP session, which stays up: its uptime goes
	// on rather than starting again.
	onprem := func() mgmt.Session { t.Helper(); return l.session(t, 1, "onprem") }
	eventually(t, converge, func() string {
		if s := onprem(); s.UptimeSeconds < 1 {
			return fmt.Sprintf("gw1 session to onprem %+v; want up for a second", s)
		}
		return ""
	})
	before := onprem().UptimeSeconds
	cfg.Neighbors[0].VXLAN.MTU = 1400
	if _, err := l.gws[0].client.PutConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	vx2 := overlayLink(t, gw1ns, "vx-onprem")
	if vx2 == nil || vx2.MTU != 1400 || vx2.Index == vx.Index || vx2.HardwareAddr.String() != vx.HardwareAddr.String() {
		t.Fatalf("vx-onprem after the MTU change: %+v; want re-created with MTU 1400 and MAC %s", vx2, vx.HardwareAddr)
	}
	l.waitRoutes(t, 1, map[netip.Prefix][]netip.Addr{lan(2): {overlay2}})
	l.waitReachable(t, 1, 2)
	if s := onprem(); s.State != "established" || s.UptimeSeconds < before {
		t.Errorf("gw1 session to onprem after the overlay change: %s, up %d s; want still established, up at least %d s", s.State, s.UptimeSeconds, before)
	}

	// Removing the neighbour removes its overlay and its routes.
	cfg.Neighbors = nil
	if _, err := l.gws[0].client.PutConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if vx := overlayLink(t, gw1ns, "vx-onprem"); vx != nil {
		t.Errorf("vx-onprem still in gw1's namespace after removing the neighbour")
	}
	l.waitRoutes(t, 1, map[netip.Prefix][]netip.Addr{})
}

// makeRouterVXLAN makes the router's end of the overlay in namespace ns,
// as a plain kernel VXLAN: vx-gw1, VNI 100, 198.18.0.2 -> 198.18.0.1:4789,
// address 10.254.0.2/30.
func makeRouterVXLAN(t *testing.T, ns string) {
	t.Helper()
	rnl, err := netns.Netlink(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer rnl.Close()
	rvx := &netlink.Vxlan{
		LinkAttrs: netlink.LinkAttrs{Name: "vx-gw1", MTU: 1450}, VxlanId: 100,
		SrcAddr: net.ParseIP("198.18.0.2"), Group: net.ParseIP("198.18.0.1"), Port: 4789,
	}
	if err := rnl.LinkAdd(rvx); err != nil {
		t.Fatalf("create the router's vxlan: %v", err)
	}
	if err := rnl.AddrAdd(rvx, &netlink.Addr{IPNet: &net.IPNet{IP: net.ParseIP("10.254.0.2"), Mask: net.CIDRMask(30, 32)}}); err != nil {
		t.Fatal(err)
	}
	if err := rnl.LinkSetUp(rvx); err != nil {
		t.Fatal(err)
	}
}

// TestManualApproval: under manual approval a neighbour's routes wait
// (listed as filtered) until approved; approving one puts it in the FIB
// within a second over the same session; a withdrawal at the neighbour
// removes it.
func TestManualApproval(t *testing.T) {
	l := startLab(t, "ap", 2, true)
	ctx, cancel := context.WithTimeout(context.Background(), converge)
	defer cancel()
	gw1, gw2 := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("198.18.0.2")
	other := netip.MustParsePrefix("10.200.0.0/24")
	if _, err := l.gws[1].client.PutConfig(ctx, onpremConfig(gw1, lan(2), other)); err != nil {
		t.Fatal(err)
	}
	cfg := l.config(1)
	cfg.Neighbors = []mgmt.Neighbor{{Name: "onprem", Address: gw2, ASN: 65100, NoBFD: true, Approval: "manual"}}
	if _, err := l.gws[0].client.PutConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	session := func() mgmt.Session { t.Helper(); return l.session(t, 1, "onprem") }
	eventually(t, converge, func() string {
		s := session()
		if s.State != "established" || s.Received != 2 || s.Accepted != 0 || !slices.Equal(s.Filtered, []netip.Prefix{lan(2), other}) {
			return fmt.Sprintf("gw1 session to onprem = %+v; want established, 2 received, both filtered", s)
		}
		return ""
	})
	if got := kernelRoutes(t, l.gws[0].ns); len(got) != 0 {
		t.Fatalf("gw1 FIB before any approval = %v; want empty", got)
	}
	// Let the session's uptime reach whole seconds worth comparing.
	eventually(t, converge, func() string {
		if s := session(); s.UptimeSeconds < 2 {
			return fmt.Sprintf("session up only %d s", s.UptimeSeconds)
		}
		return ""
	})
	before, t0 := session().UptimeSeconds, time.Now()

	cfg.Neighbors[0].Approved = []netip.Prefix{lan(2)}
	if _, err := l.gws[0].client.PutConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Second, func() string {
		if got := kernelRoutes(t, l.gws[0].ns); !slices.Equal(got[lan(2)], []netip.Addr{gw2}) || len(got) != 1 {
			return fmt.Sprintf("gw1 FIB = %v; want only %s via %s", got, lan(2), gw2)
		}
		return ""
	})
	s := session()
	if min := before + int64(time.Since(t0)/time.Second) - 1; s.UptimeSeconds < min {
		t.Errorf("approving reset the session: uptime %d s, then %d s", before, s.UptimeSeconds)
	}
	if !slices.Equal(s.Filtered, []netip.Prefix{other}) || s.Accepted != 1 {
		t.Errorf("after approving %s: session %+v; want 1 accepted, %s filtered", lan(2), s, other)
	}
	l.waitReachable(t, 1, 2)

	// Withdrawing the approval (the controller pushes the approved list
	// without it) drops the route from the FIB within a second, over the
	// same session, and lists it as filtered again; approving it again
	// brings it back.
	cfg.Neighbors[0].Approved = nil
	t1 := time.Now()
	if _, err := l.gws[0].client.PutConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Second, func() string {
		if got := kernelRoutes(t, l.gws[0].ns); len(got) != 0 {
			return fmt.Sprintf("gw1 FIB after unapproving %s = %v; want empty", lan(2), got)
		}
		return ""
	})
	t.Logf("unapproved %s left gw1's FIB after %s", lan(2), time.Since(t1).Round(time.Millisecond))
	s = session()
	if min := before + int64(time.Since(t0)/time.Second) - 1; s.UptimeSeconds < min {
		t.Errorf("unapproving reset the session: uptime %d s, then %d s", before, s.UptimeSeconds)
	}
	if !slices.Equal(s.Filtered, []netip.Prefix{lan(2), other}) || s.Accepted != 0 {
		t.Errorf("after unapproving %s: session %+v; want none accepted, both filtered", lan(2), s)
	}
	cfg.Neighbors[0].Approved = []netip.Prefix{lan(2)}
	if _, err := l.gws[0].client.PutConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	l.waitRoutes(t, 1, map[netip.Prefix][]netip.Addr{lan(2): {gw2}})

	// The neighbour withdraws the approved prefix: it leaves the FIB.
	if _, err := l.gws[1].client.PutConfig(ctx, onpremConfig(gw1, other)); err != nil {
		t.Fatal(err)
	}
	l.waitRoutes(t, 1, map[netip.Prefix][]netip.Addr{})
	eventually(t, converge, func() string {
		if s := session(); s.Received != 1 || !slices.Equal(s.Filtered, []netip.Prefix{other}) {
			return fmt.Sprintf("gw1 session to onprem = %+v; want 1 received, %s filtered", s, other)
		}
		return ""
	})
}
