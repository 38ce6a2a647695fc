package realize

import (
	"fmt"
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// An instance in an IPv6-only subnet has an interface with its IPv6
// address and no IPv4 address or route at all, and reaches a dual-stack
// instance of another subnet of its VPC over IPv6 (ping and TCP), and
// back; the dual-stack instance keeps its IPv4 address.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-ip-address-range.html — IPv6-only subnets: instances get IPv6 addresses only
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html#route-table-routes — the local route delivers within the VPC, IPv4 and IPv6
func TestIPv6OnlySubnet(t *testing.T) {
	l := newLab(t)
	v, sub64 := l.dualStack("10.61.0.0/16")
	dual := l.subnet6(v, "10.61.1.0/24", sub64(1))
	only := must[model.Subnet](t)(l.cloud.CreateIPv6NativeSubnetAt(acct, v.ID, model.Place{}, sub64(2), "", nil))
	// Both in the VPC's default group: it admits its own members, and its
	// ::/0 egress rule came with the VPC's IPv6 block.
	a := must[[]model.Instance](t)(l.cloud.RunInstances(acct, model.LaunchSpec{SubnetID: only.ID, Count: 1}))[0]
	b := l.instance6(dual)
	if a.PrivateIP.IsValid() || len(a.IPv6Addrs) != 1 || !only.IPv6CIDR.Prefix.Contains(a.IPv6Addrs[0]) {
		t.Fatalf("instance of the IPv6-only subnet: IPv4 %v, IPv6 %v (subnet %s)", a.PrivateIP, a.IPv6Addrs, only.IPv6CIDR.Prefix)
	}
	a6, b6 := a.IPv6Addrs[0], b.IPv6Addrs[0]
	l.sync()

	v4, v6 := hostAddrs(t, l.ns(a))
	if len(v4) != 0 || fmt.Sprint(v6) != fmt.Sprintf("[%s/64]", a6) {
		t.Fatalf("%s: IPv4 addresses %v (want none), IPv6 %v (want %s/64)", hostIf, v4, v6, a6)
	}
	if routes := hostRoutes4(t, l.ns(a)); len(routes) != 0 {
		t.Fatalf("the IPv6-only host has IPv4 routes %v", routes)
	}
	if v4, _ := hostAddrs(t, l.ns(b)); fmt.Sprint(v4) != fmt.Sprintf("[%s/24]", b.PrivateIP) {
		t.Fatalf("the dual-stack host's IPv4 addresses: %v, want %s/24", v4, b.PrivateIP)
	}
	l.serve6(l.ns(b), b6, 8080)
	l.serve6(l.ns(a), a6, 8080)
	l.pingOK(l.ns(a), b6)
	l.tcp6OK(l.ns(a), b6, 8080)
	l.pingOK(l.ns(b), a6)
	l.tcp6OK(l.ns(b), a6, 8080)
}

// hostAddrs lists the global IPv4 and IPv6 addresses of a host's
// interface.
func hostAddrs(t *testing.T, ns string) (v4, v6 []string) {
	t.Helper()
	err := netns.Do(ns, func() error {
		link, err := netlink.LinkByName(hostIf)
		if err != nil {
			return err
		}
		for fam, out := range map[int]*[]string{netlink.FAMILY_V4: &v4, netlink.FAMILY_V6: &v6} {
			as, err := netlink.AddrList(link, fam)
			if err != nil {
				return err
			}
			for _, a := range as {
				if a.Scope == int(netlink.SCOPE_UNIVERSE) {
					*out = append(*out, a.IPNet.String())
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", ns, err)
	}
	return v4, v6
}

// hostRoutes4 lists a host's IPv4 routes, in every table.
func hostRoutes4(t *testing.T, ns string) []string {
	t.Helper()
	var out []string
	err := netns.Do(ns, func() error {
		rs, err := netlink.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: 0}, netlink.RT_FILTER_TABLE)
		for _, r := range rs {
			if r.Table != 255 { // the kernel's local table holds 127.0.0.0/8 of lo
				out = append(out, r.String())
			}
		}
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", ns, err)
	}
	return out
}
