package cloud_test

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// azureDefaults are the default rules Azure puts in every NSG
// (Azure: https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview#default-security-rules).
func azureDefaults() []cloud.NSGRule {
	anyA := cloud.NSGAddresses{Any: true}
	tag := func(t string) cloud.NSGAddresses { return cloud.NSGAddresses{Tags: []string{t}} }
	mk := func(name string, prio int32, in, allow bool, src, dst cloud.NSGAddresses) cloud.NSGRule {
		return cloud.NSGRule{Name: name, Priority: prio, Inbound: in, Allow: allow, Default: true, Protocol: cloud.ProtocolAll, Source: src, Dest: dst}
	}
	return []cloud.NSGRule{
		mk("AllowVnetInBound", 65000, true, true, tag("VirtualNetwork"), tag("VirtualNetwork")),
		mk("AllowAzureLoadBalancerInBound", 65001, true, true, tag("AzureLoadBalancer"), anyA),
		mk("DenyAllInBound", 65500, true, false, anyA, anyA),
		mk("AllowVnetOutBound", 65000, false, true, tag("VirtualNetwork"), tag("VirtualNetwork")),
		mk("AllowInternetOutBound", 65001, false, true, anyA, tag("Internet")),
		mk("DenyAllOutBound", 65500, false, false, anyA, anyA),
	}
}

func nsg(name, level string, rules ...cloud.NSGRule) cloud.NSGState {
	return cloud.NSGState{ID: "/nsg/" + name, Name: name, Level: level, Rules: append(rules, azureDefaults()...),
		VirtualNetwork: []netip.Prefix{pfx("10.1.0.0/16"), pfx("10.2.0.0/16")}}
}

func tcpFrom(name string, prio int32, allow bool, src string, port int32) cloud.NSGRule {
	return cloud.NSGRule{Name: name, Priority: prio, Inbound: true, Allow: allow, Protocol: cloud.ProtocolTCP,
		DstPorts: [][2]int32{{port, port}}, Source: cloud.NSGAddresses{Prefixes: []netip.Prefix{pfx(src)}}, Dest: cloud.NSGAddresses{Any: true}}
}

// TestNSGPriority: within an NSG the rule with the lowest priority number
// that matches decides, a deny as much as an allow, whatever order the
// rules are listed in; with no rule of its own matching, the default
// rules decide: AllowVnetInBound admits the VirtualNetwork tag (peered
// and routed prefixes included), AllowAzureLoadBalancerInBound the host's
// 168.63.129.16, DenyAllInBound the rest; outbound AllowInternetOutBound
// admits public addresses, DenyAllOutBound what is neither
// (Azure: https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview#security-rules —
// "Rules are processed in priority order, with lower numbers processed
// before higher numbers ... Once traffic matches a rule, processing stops").
func TestNSGPriority(t *testing.T) {
	g := nsg("db", cloud.NSGInterface,
		tcpFrom("allow-late", 300, true, "10.2.1.0/24", 5432),
		tcpFrom("deny-host", 200, false, "10.2.1.10/32", 5432),
		tcpFrom("allow-early", 100, true, "10.2.1.20/32", 5432))
	tcp := func(src string, port int32) cloud.NSGPacket {
		return cloud.NSGPacket{Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr("10.1.1.20"), Protocol: cloud.ProtocolTCP, Port: port}
	}
	for _, c := range []struct {
		pk    cloud.NSGPacket
		in    bool
		rule  string
		allow bool
	}{
		{tcp("10.2.1.20", 5432), true, "allow-early", true},
		{tcp("10.2.1.10", 5432), true, "deny-host", false}, // 200 before 300, though 300 admits its /24
		{tcp("10.2.1.30", 5432), true, "allow-late", true},
		{tcp("10.2.1.30", 22), true, "AllowVnetInBound", true}, // 10.2.0.0/16 is in the VirtualNetwork tag
		{tcp("10.9.0.1", 22), true, "DenyAllInBound", false},
		{tcp("168.63.129.16", 80), true, "AllowAzureLoadBalancerInBound", true},
		{cloud.NSGPacket{Src: netip.MustParseAddr("10.1.1.20"), Dst: netip.MustParseAddr("192.0.2.10"), Protocol: cloud.ProtocolICMP}, false, "AllowInternetOutBound", true},
		{cloud.NSGPacket{Src: netip.MustParseAddr("10.1.1.20"), Dst: netip.MustParseAddr("10.9.0.1"), Protocol: cloud.ProtocolICMP}, false, "DenyAllOutBound", false},
	} {
		r, ok := g.Decide(c.in, c.pk)
		if !ok || r.Name != c.rule || r.Allow != c.allow {
			t.Errorf("%+v inbound %v: decided by %+v (%v), want %s (allow %v)", c.pk, c.in, r, ok, c.rule, c.allow)
		}
	}
	var prios []int32
	for _, r := range g.Ordered(true) {
		prios = append(prios, r.Priority)
	}
	if want := []int32{100, 200, 300, 65000, 65001, 65500}; !slices.Equal(prios, want) {
		t.Errorf("inbound order %v, want %v", prios, want)
	}
}

// TestNSGOrder: a NIC's traffic passes its subnet's NSG and its own, in
// Azure's order: inbound the subnet's first, then the NIC's; outbound
// the NIC's first, then the subnet's
// (Azure: https://learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works —
// "For inbound traffic, Azure processes the rules in a network security
// group associated to a subnet first, if there's one, and then the rules
// in a network security group associated to the network interface ...
// For outbound traffic, Azure processes the rules in a network security
// group associated to a network interface first, if there's one, and
// then the rules in a network security group associated to the subnet").
func TestNSGOrder(t *testing.T) {
	ns := []cloud.NSGState{nsg("nic", cloud.NSGInterface), nsg("sub", cloud.NSGSubnet)}
	names := func(in bool) []string {
		var out []string
		for _, g := range cloud.NSGOrder(ns, in) {
			out = append(out, g.Name)
		}
		return out
	}
	if got := names(true); !slices.Equal(got, []string{"sub", "nic"}) {
		t.Errorf("inbound order %v, want [sub nic]", got)
	}
	if got := names(false); !slices.Equal(got, []string{"nic", "sub"}) {
		t.Errorf("outbound order %v, want [nic sub]", got)
	}
}
