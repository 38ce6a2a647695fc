package ipsec

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/internal/roottest"
	"github.com/mcnlab/mcnlab/topologies"
)

// bgpTopology is cmd/mcnlab/testdata/s2c-bgp.yaml's connection dc: site
// r1 (AS 65401, LAN 10.50.1.0/24) to gateway gw1 (AS 65201) with eBGP on
// 169.254.10.0/30.
func bgpTopology() (*topologies.Topology, *topologies.Site2Cloud) {
	p := netip.MustParsePrefix
	s := &topologies.Site2Cloud{Name: "dc", Site: "r1", SiteAddress: netip.MustParseAddr("203.0.113.2"),
		Gateway: "gw1", GatewayAddress: netip.MustParseAddr("198.51.100.2"), Type: topologies.S2CRouteBased,
		IKE: []string{topologies.DefaultIKEProposal}, ESP: []string{topologies.DefaultESPProposal},
		SiteSubnets: []netip.Prefix{p("10.50.1.0/24")}, CloudSubnets: []netip.Prefix{p("10.1.0.0/16")},
		BGP: &topologies.S2CBGP{SiteASN: 65401, Inside: p("169.254.10.0/30")}}
	t := &topologies.Topology{Nodes: []*topologies.Node{
		{Name: "r1", Kind: topologies.KindStrongSwan, BGP: &topologies.BGP{ASN: 65401, Networks: s.SiteSubnets}},
		{Name: "gw1", Kind: topologies.KindGateway, BGP: &topologies.BGP{ASN: 65201}},
	}, Site2Cloud: []*topologies.Site2Cloud{s}}
	return t, s
}

// TestBGPTemplates pins what each vendor's template of a connection with
// bgp tells the on-prem device: Cisco IOS puts the site's inside address
// on the VTI and peers with the gateway's inside address in the gateway's
// AS, announcing the site subnets; FRR puts the inside address on ipsec0
// and has the same router bgp; strongSwan's says what runs beside it.
// Each template holds these lines in this order.
func TestBGPTemplates(t *testing.T) {
	topo, s := bgpTopology()
	conns := WithBGP(topo, s, SiteConns(s, testPSK, 0))
	for _, tc := range []struct {
		vendor string
		want   []string
	}{
		{"cisco-ios", []string{
			"interface Tunnel100",
			" description mcnlab site2cloud dc",
			" ip address 169.254.10.2 255.255.255.252",
			" tunnel source 203.0.113.2",
			" tunnel destination 198.51.100.2",
			" tunnel mode ipsec ipv4",
			" tunnel protection ipsec profile dc",
			"ip route 10.1.0.0 255.255.0.0 Tunnel100 1",
			"ip route 169.254.10.1 255.255.255.255 Tunnel100 1",
			"router bgp 65401",
			" bgp log-neighbor-changes",
			" neighbor 169.254.10.1 remote-as 65201",
			" neighbor 169.254.10.1 timers 1 3",
			" address-family ipv4",
			"  network 10.50.1.0 mask 255.255.255.0",
			"  neighbor 169.254.10.1 activate",
			" exit-address-family",
		}},
		{"frr", []string{
			"! dc: 203.0.113.2 to 198.51.100.2",
			"ip route 10.1.0.0/16 ipsec0 1",
			"ip route 169.254.10.1/32 ipsec0 1",
			"interface ipsec0",
			" ip address 169.254.10.2/30",
			"exit",
			"router bgp 65401",
			" no bgp ebgp-requires-policy",
			" no bgp network import-check",
			" neighbor 169.254.10.1 remote-as 65201",
			" neighbor 169.254.10.1 timers 1 3",
			" neighbor 169.254.10.1 timers connect 1",
			" neighbor 169.254.10.1 bfd",
			" address-family ipv4 unicast",
			"  network 10.50.1.0/24",
			" exit-address-family",
			"exit",
		}},
		{"strongswan", []string{
			"# dc runs BGP over the tunnel (see the frr template): 169.254.10.2/30 on ipsec0, AS 65401 with neighbour 169.254.10.1 AS 65201, announcing 10.50.1.0/24",
			"connections {",
			"        local_ts = 10.50.1.0/24,169.254.10.2/32",
			"        remote_ts = 10.1.0.0/16,169.254.10.1/32",
		}},
	} {
		got, err := Template(tc.vendor, conns)
		if err != nil {
			t.Fatalf("%s: %v", tc.vendor, err)
		}
		lines := strings.Split(got, "\n")
		at := 0
		for _, want := range tc.want {
			for at < len(lines) && lines[at] != want {
				at++
			}
			if at == len(lines) {
				t.Errorf("%s template lacks line %q after the lines before it:\n%s", tc.vendor, want, got)
				break
			}
		}
		if tc.vendor == "cisco-ios" && strings.Contains(got, "ip unnumbered") {
			t.Errorf("cisco-ios: the VTI of a BGP tunnel is unnumbered:\n%s", got)
		}
	}
	plain, err := Template("frr", SiteConns(s, testPSK, 0))
	if err != nil || strings.Contains(plain, "router bgp") {
		t.Errorf("frr template without WithBGP (%v):\n%s", err, plain)
	}
}

// TestBGPTemplateRefusesBadSessions: a session no device could run is
// refused by every template, naming the connection.
func TestBGPTemplateRefusesBadSessions(t *testing.T) {
	topo, s := bgpTopology()
	p := netip.MustParsePrefix
	for name, mutate := range map[string]func(*ConnBGP){
		"iBGP":                 func(b *ConnBGP) { b.PeerASN = b.ASN },
		"no peer AS":           func(b *ConnBGP) { b.PeerASN = 0 },
		"inside /24":           func(b *ConnBGP) { b.Inside = p("169.254.10.2/24") },
		"peer outside the /30": func(b *ConnBGP) { b.Peer = netip.MustParseAddr("169.254.11.1") },
		"peer is own address":  func(b *ConnBGP) { b.Peer = b.Inside.Addr() },
		"IPv6 inside":          func(b *ConnBGP) { b.Inside = p("fd00::2/126") },
		"unmasked network":     func(b *ConnBGP) { b.Networks = []netip.Prefix{p("10.50.1.1/24")} },
		"zero network":         func(b *ConnBGP) { b.Networks = []netip.Prefix{{}} },
	} {
		conns := WithBGP(topo, s, SiteConns(s, testPSK, 0))
		b := *conns[0].BGP
		mutate(&b)
		conns[0].BGP = &b
		for _, vendor := range Vendors {
			if out, err := Template(vendor, conns); err == nil || !strings.Contains(err.Error(), `connection "dc"`) {
				t.Errorf("%s: %s = %v, rendered:\n%s", name, vendor, err, out)
			}
		}
	}
	two := append(WithBGP(topo, s, SiteConns(s, testPSK, 0)), WithBGP(topo, s, SiteConns(s, testPSK, 0))...)
	two[1].Name, two[1].BGP = "dc2", &ConnBGP{ASN: 65402, PeerASN: 65201, Inside: p("169.254.11.2/30"), Peer: netip.MustParseAddr("169.254.11.1")}
	for _, vendor := range Vendors {
		if out, err := Template(vendor, two); err == nil || !strings.Contains(err.Error(), "different AS numbers") {
			t.Errorf("two AS numbers: %s = %v, rendered:\n%s", vendor, err, out)
		}
	}
}

// TestLabTemplateBGP: what `mcnlab s2c config dc` prints for
// cmd/mcnlab/testdata/s2c-bgp.yaml (LabTemplate) has the BGP session,
// with the gateway's AS number taken from gw1's bgp, for each vendor.
func TestLabTemplateBGP(t *testing.T) {
	roottest.UseTempState(t)
	src, err := os.ReadFile("../../cmd/mcnlab/testdata/s2c-bgp.yaml")
	if err != nil {
		t.Fatal(err)
	}
	top, err := topologies.Parse("s2c-bgp.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := PSK("s2cbgp", "dc"); err != nil {
		t.Fatal(err)
	}
	for vendor, want := range map[string]string{
		"cisco-ios":  "router bgp 65401\n bgp log-neighbor-changes\n neighbor 169.254.10.1 remote-as 65201\n neighbor 169.254.10.1 timers 1 3\n address-family ipv4\n  network 10.50.1.0 mask 255.255.255.0\n",
		"frr":        "router bgp 65401\n no bgp ebgp-requires-policy\n no bgp network import-check\n neighbor 169.254.10.1 remote-as 65201\n neighbor 169.254.10.1 timers 1 3\n neighbor 169.254.10.1 timers connect 1\n neighbor 169.254.10.1 bfd\n address-family ipv4 unicast\n  network 10.50.1.0/24\n",
		"strongswan": "# dc runs BGP over the tunnel (see the frr template): 169.254.10.2/30 on ipsec0, AS 65401 with neighbour 169.254.10.1 AS 65201, announcing 10.50.1.0/24\n",
	} {
		got, err := LabTemplate("s2cbgp", top, "dc", vendor)
		if err != nil || !strings.Contains(got, want) {
			t.Errorf("%s (%v) lacks %q:\n%s", vendor, err, want, got)
		}
	}
}

// TestHABGPTemplates: a connection with bgp and an HA gateway gives the
// site a session over each tunnel: the backup tunnel (dc-ha, to gw2 in
// AS 65202) on its own inside /30, given by ha-inside or, unset, the one
// after inside; its traffic selectors hold its own inside addresses, and
// every template writes both sessions.
func TestHABGPTemplates(t *testing.T) {
	p := netip.MustParsePrefix
	for haInside, want := range map[netip.Prefix]string{{}: "169.254.10.4/30", p("169.254.99.0/30"): "169.254.99.0/30"} {
		topo, s := bgpTopology()
		s.HAGateway, s.HAGatewayAddress, s.BGP.HAInside = "gw2", netip.MustParseAddr("198.51.100.6"), haInside
		topo.Nodes = append(topo.Nodes, &topologies.Node{Name: "gw2", Kind: topologies.KindGateway, BGP: &topologies.BGP{ASN: 65202}})
		conns := WithBGP(topo, s, SiteConns(s, testPSK, 0))
		n := p(want)
		gw, site := n.Addr().Next(), n.Addr().Next().Next()
		if len(conns) != 2 || conns[1].Name != "dc-ha" || conns[1].BGP == nil || conns[1].BGP.PeerASN != 65202 ||
			conns[1].BGP.Peer != gw || conns[1].BGP.Inside != netip.PrefixFrom(site, 30) ||
			conns[1].LocalTS[1] != netip.PrefixFrom(site, 32) || conns[1].RemoteTS[1] != netip.PrefixFrom(gw, 32) ||
			conns[0].BGP.Peer != netip.MustParseAddr("169.254.10.1") {
			t.Fatalf("ha-inside %v: connections %+v", haInside, conns)
		}
		for vendor, lines := range map[string][]string{
			"cisco-ios":  {fmt.Sprintf(" ip address %s 255.255.255.252\n tunnel source 203.0.113.2\n tunnel destination 198.51.100.6\n", site), fmt.Sprintf(" neighbor %s remote-as 65202\n neighbor %s timers 1 3\n", gw, gw), fmt.Sprintf("  neighbor %s activate\n", gw)},
			"frr":        {fmt.Sprintf(" ip address 169.254.10.2/30\n ip address %s/30\n", site), " neighbor 169.254.10.1 remote-as 65201\n", fmt.Sprintf(" neighbor %s remote-as 65202\n", gw), fmt.Sprintf("ip route %s/32 ipsec0 10\n", gw)},
			"strongswan": {fmt.Sprintf("# dc-ha runs BGP over the tunnel (see the frr template): %s/30 on ipsec0, AS 65401 with neighbour %s AS 65202", site, gw), fmt.Sprintf("local_ts = 10.50.1.0/24,%s/32\n", site)},
		} {
			got, err := Template(vendor, conns)
			for _, l := range lines {
				if err != nil || !strings.Contains(got, l) {
					t.Errorf("ha-inside %v: %s (%v) lacks %q:\n%s", haInside, vendor, err, l, got)
				}
			}
		}
	}
}
