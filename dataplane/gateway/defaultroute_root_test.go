package gateway

import (
	"context"
	"net"
	"net/netip"
	"os"
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestLearnedDefaultInKernel (root): a learned default route goes to
// DefaultTable, which a packet arriving from the VPC (the uplink, eth0)
// takes to the internet through the tunnel, while a more specific main
// route still wins for it; a packet coming out of the tunnel towards the
// VPC, and the gateway's own packets, keep the main table's default route.
// Close removes the route and the rules.
func TestLearnedDefaultInKernel(t *testing.T) {
	roottest.Require(t)
	ns := roottest.NewNamespaces(t, "gw", "vpc", "tr")
	gw := ns[0]
	roottest.VethPair(t, gw, ns[1], "eth0", "r0", []string{"10.1.0.10/24"}, []string{"10.1.0.1/24"})
	roottest.VethPair(t, gw, ns[2], "wg0", "t0", []string{"169.254.0.1/31"}, []string{"169.254.0.0/31"})
	if err := netns.Do(gw.Name, func() error { return os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1"), 0o644) }); err != nil {
		t.Fatal(err)
	}
	eth0, err := gw.NL.LinkByName("eth0")
	if err != nil {
		t.Fatal(err)
	}
	wg0, err := gw.NL.LinkByName("wg0")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*netlink.Route{
		{LinkIndex: eth0.Attrs().Index, Gw: net.ParseIP("10.1.0.1")},
		{LinkIndex: wg0.Attrs().Index, Gw: net.ParseIP("169.254.0.0"), Dst: &net.IPNet{IP: net.ParseIP("10.3.0.0"), Mask: net.CIDRMask(16, 32)}},
	} {
		if err := gw.NL.RouteAdd(r); err != nil {
			t.Fatal(err)
		}
	}
	d := newDefaultsTable(gw.NL, gw.Handle)
	if err := d.Sync(context.Background(), map[netip.Prefix][]netip.Addr{netip.MustParsePrefix("0.0.0.0/0"): {netip.MustParseAddr("169.254.0.0")}}); err != nil {
		t.Fatal(err)
	}
	via := func(dst, src, iif string) string {
		t.Helper()
		o := &netlink.RouteGetOptions{Iif: iif}
		if src != "" {
			o.SrcAddr = net.ParseIP(src)
		}
		rs, err := gw.NL.RouteGetWithOptions(net.ParseIP(dst), o)
		if err != nil || len(rs) == 0 {
			t.Fatalf("route get %s from %s iif %q: %v", dst, src, iif, err)
		}
		return rs[0].Gw.String()
	}
	for _, c := range []struct{ what, dst, src, iif, want string }{
		{"the VPC to the internet", "192.0.2.20", "10.1.1.10", "eth0", "169.254.0.0"},
		{"the VPC to a learned prefix", "10.3.0.5", "10.1.1.10", "eth0", "169.254.0.0"},
		{"the tunnel to the VPC", "10.1.1.10", "192.0.2.20", "wg0", "10.1.0.1"},
		{"the gateway's own", "192.0.2.30", "", "", "10.1.0.1"},
	} {
		if got := via(c.dst, c.src, c.iif); got != c.want {
			t.Errorf("%s (%s): via %s, want %s", c.what, c.dst, got, c.want)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if got := via("192.0.2.20", "10.1.1.10", "eth0"); got != "10.1.0.1" {
		t.Errorf("after Close, the VPC to the internet: via %s, want the main default 10.1.0.1", got)
	}
	rules, err := gw.NL.RuleList(netlink.FAMILY_V4)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r.Priority == DefaultRulePriority || r.Priority == DefaultRulePriority+1 {
			t.Errorf("rule %d left after Close: %+v", r.Priority, r)
		}
	}
}
