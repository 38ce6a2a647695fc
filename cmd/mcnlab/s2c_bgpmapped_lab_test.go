package main

import (
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

// TestS2CBGPMapped deploys testdata/s2c-bgp-mapped.yaml: eBGP between
// r1 and gw1 over the mapped tunnel dc. It checks the learned routes on
// both sides: gw1 learned r1's virtual prefix 100.65.1.0/24 (never the
// real 10.50.1.0/24) with r1's inside address as next hop and handed it
// on to the VPC router; r1's kernel has the cloud's virtual prefix
// 100.81.0.0/16 that gw1 announces, through gw1's inside address. Then
// traffic both ways through the virtual addresses, translated by gw1.
func TestS2CBGPMapped(t *testing.T) {
	lab := deployNodeLab(t, "testdata/s2c-bgp-mapped.yaml", "s2cbm")
	virtual, real := netip.MustParsePrefix("100.65.1.0/24"), netip.MustParsePrefix("10.50.1.0/24")
	inside := netip.MustParseAddr("169.254.10.2")
	st := gwStatus(t, lab, "gw1")
	i := slices.IndexFunc(st.Sessions, func(s mgmt.Session) bool { return s.Name == gwcfg.S2CNeighbor(0) })
	if i < 0 || st.Sessions[i].State != "established" || st.Sessions[i].Address != inside {
		t.Fatalf("gw1 has no established session with r1 at %s: %+v", inside, st.Sessions)
	}
	waitGWRoute(t, lab, "gw1", virtual, []netip.Addr{inside})
	waitVPCRoute(t, lab, virtual, true)
	for _, r := range gwStatus(t, lab, "gw1").Routes {
		if r.Prefix == real {
			t.Errorf("gw1 learned r1's real prefix %s: %+v", real, r)
		}
	}
	waitKernelRoute(t, lab, "r1", netip.MustParsePrefix("100.81.0.0/16"), netip.MustParseAddr("169.254.10.1"))
	s2cReach(t, lab, "vh", netip.MustParseAddr("100.65.1.10"))
	s2cReach(t, lab, "dch", netip.MustParseAddr("100.81.1.10"))
}

// waitKernelRoute waits up to 10 s until node's kernel routes p through
// one of via, or fails the test.
func waitKernelRoute(t *testing.T, lab, node string, p netip.Prefix, via ...netip.Addr) {
	t.Helper()
	h, err := netns.Netlink(emulator.NamespaceName(lab, node))
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
		if slices.ContainsFunc(rs, func(r netlink.Route) bool {
			return slices.ContainsFunc(via, func(a netip.Addr) bool { return routeVia(r, a.AsSlice()) })
		}) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s's route to %s through %s: none after 10 s (routes %v)", node, p, via, rs)
		}
		time.Sleep(50 * time.Millisecond) // polling the kernel, bounded by the deadline
	}
}
