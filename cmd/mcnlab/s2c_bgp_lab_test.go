package main

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/controller/gwcfg"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// TestS2CBGP deploys testdata/s2c-bgp.yaml, whose data centre router r1
// (strongswan, FRR beside charon) runs eBGP with gw1 over the tunnel dc on
// its inside addresses. Deploy returns once the session is up; the test
// then checks that gw1 shows the session established, has learned r1's
// LAN 10.50.1.0/24 with r1's inside address as next hop and handed it on
// to the VPC router (in vpc's kernel routes through gw1), that the VPC's
// host reaches r1's host over it, and that once r1 withdraws the prefix
// it is gone from gw1 and from the VPC router within 10 s.
func TestS2CBGP(t *testing.T) {
	lab := deployNodeLab(t, "testdata/s2c-bgp.yaml", "s2cb")
	lan := netip.MustParsePrefix("10.50.1.0/24")
	inside := netip.MustParseAddr("169.254.10.2")
	st := gwStatus(t, lab, "gw1")
	i := slices.IndexFunc(st.Sessions, func(s mgmt.Session) bool { return s.Name == gwcfg.S2CNeighbor(0) })
	if i < 0 || st.Sessions[i].State != "established" || st.Sessions[i].Address != inside || st.Sessions[i].ASN != 65401 {
		t.Fatalf("gw1 has no established session with r1 at %s (AS 65401): %+v", inside, st.Sessions)
	}
	waitGWRoute(t, lab, "gw1", lan, []netip.Addr{inside})
	waitVPCRoute(t, lab, lan, true)
	s2cReach(t, lab, "vh", netip.MustParseAddr("10.50.1.10"))

	vtysh(t, lab, "r1", "configure terminal", "router bgp 65401", "address-family ipv4 unicast", "no network 10.50.1.0/24")
	waitGWRoute(t, lab, "gw1", lan, nil)
	waitVPCRoute(t, lab, lan, false)
}

// gwStatus reads a gateway node's status.
func gwStatus(t *testing.T, lab, node string) mgmt.Status {
	t.Helper()
	st, err := gatewayStatusOf(context.Background(), lab, node)
	if err != nil {
		t.Fatalf("%s's status: %v", node, err)
	}
	return st
}

// waitGWRoute waits up to 10 s until gateway gw's route to p has next
// hops want (nil: until it has no route to p), or fails the test. gw
// names the gateway's management socket: a gateway node, or a cloud
// gateway's instance ID.
func waitGWRoute(t *testing.T, lab, gw string, p netip.Prefix, want []netip.Addr) {
	t.Helper()
	waitGWRouteThat(t, lab, gw, p, func(hops []netip.Addr) bool { return slices.Equal(hops, want) })
}

// waitGWRouteThat waits up to 10 s until gateway gw's route to p has next
// hops that ok accepts (none: no route to p), or fails the test.
func waitGWRouteThat(t *testing.T, lab, gw string, p netip.Prefix, ok func(hops []netip.Addr) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := gwStatus(t, lab, gw)
		var hops []netip.Addr
		for _, r := range st.Routes {
			if r.Prefix == p {
				hops = r.NextHops
			}
		}
		if ok(hops) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s's route to %s: next hops %v after 10 s; routes %+v", gw, p, hops, st.Routes)
		}
		time.Sleep(50 * time.Millisecond) // polling the gateway, bounded by the deadline
	}
}

// waitVPCRoute waits up to 10 s until the vpc router's kernel has (want)
// or lacks a route to p through gw1 (10.1.0.2), or fails the test.
func waitVPCRoute(t *testing.T, lab string, p netip.Prefix, want bool) {
	t.Helper()
	h, err := netns.Netlink(emulator.NamespaceName(lab, "vpc"))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	dst := &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), 32)}
	deadline := time.Now().Add(10 * time.Second)
	for {
		rs, err := h.RouteListFiltered(unix.AF_INET, &netlink.Route{Dst: dst}, netlink.RT_FILTER_DST)
		if err != nil {
			t.Fatal(err)
		}
		has := slices.ContainsFunc(rs, func(r netlink.Route) bool { return routeVia(r, net.ParseIP("10.1.0.2")) })
		if has == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("vpc's route to %s through gw1: present %v after 10 s, want %v (routes %v)", p, has, want, rs)
		}
		time.Sleep(50 * time.Millisecond) // polling the kernel, bounded by the deadline
	}
}

// routeVia reports whether r leads through gateway gw, alone or as one
// of its ECMP next hops.
func routeVia(r netlink.Route, gw net.IP) bool {
	return r.Gw.Equal(gw) || slices.ContainsFunc(r.MultiPath, func(h *netlink.NexthopInfo) bool { return h.Gw.Equal(gw) })
}
