package s2c

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/dataplane/policy"
	"github.com/mcnlab/mcnlab/topologies"
)

// TestGatewaysOfAccessTopology: in topologies/access.yaml, with the
// branches' connections resolved to the spoke's instances, both spoke
// gateways hold both branches' connections (the HA one the backups),
// route each branch's virtual prefix into ipsec0 and translate each
// branch's pair both ways, statelessly: from the site before routing, to
// the site after the forward filter.
func TestGatewaysOfAccessTopology(t *testing.T) {
	topo, err := topologies.Load("../../topologies/access.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a := netip.MustParseAddr
	for i, s := range topo.Site2Cloud {
		if !s.InCloud() || s.CloudGateway != "branches" {
			t.Fatalf("%s: cloud-gateway %q, want branches", s.Name, s.CloudGateway)
		}
		topo.Site2Cloud[i] = s.Resolve(a("198.51.100.114"), "branches-1", a("203.0.113.5"), "branches-2", a("203.0.113.2"))
	}
	gws, err := Gateways(topo, "s2ctest", func(c string) (string, error) { return strings.Repeat("ab", 32), nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(gws) != 2 || gws[0].Node != "branches-1" || gws[1].Node != "branches-2" {
		t.Fatalf("gateways %+v", gws)
	}
	for i, want := range [][]string{{"branch1", "branch2"}, {"branch1-ha", "branch2-ha"}} {
		g := gws[i]
		var names []string
		for _, c := range g.Conns {
			names = append(names, c.Name)
		}
		if fmt.Sprint(names) != fmt.Sprint(want) || !g.Mapped || fmt.Sprint(g.Routes) != "[100.65.0.0/16 100.66.0.0/16]" || len(g.Wait) != 2 {
			t.Errorf("%s: connections %v (want %v), mapped %v, routes %v, wait %v", g.Node, names, want, g.Mapped, g.Routes, g.Wait)
		}
	}
	f := policy.NewFake()
	if err := policy.Apply(f, gws[0].Table); err != nil {
		t.Fatal(err)
	}
	got, err := policy.Dump(f, gws[0].Table)
	if err != nil {
		t.Fatal(err)
	}
	want := `table ip mcnlab-s2c {
	chain map { type filter hook prerouting priority -300; policy accept;
		iifname "ipsec0" ip saddr 10.0.0.0/16 ip daddr 100.81.0.0/16 ip daddr set ip daddr & 0.0.255.255 | 10.0.0.0 ip saddr set ip saddr & 0.0.255.255 | 100.65.0.0
		iifname "ipsec0" ip saddr 10.0.0.0/16 ip daddr 100.82.0.0/16 ip daddr set ip daddr & 0.0.255.255 | 10.0.0.0 ip saddr set ip saddr & 0.0.255.255 | 100.66.0.0
	}
	chain unmap { type filter hook postrouting priority 100; policy accept;
		oifname "ipsec0" ip saddr 10.0.0.0/16 ip daddr 100.65.0.0/16 ip daddr set ip daddr & 0.0.255.255 | 10.0.0.0 ip saddr set ip saddr & 0.0.255.255 | 100.81.0.0
		oifname "ipsec0" ip saddr 10.0.0.0/16 ip daddr 100.66.0.0/16 ip daddr set ip daddr & 0.0.255.255 | 10.0.0.0 ip saddr set ip saddr & 0.0.255.255 | 100.82.0.0
	}
}
`
	if got != want {
		t.Errorf("branches-1's table:\n%s\nwant:\n%s", got, want)
	}
}

// TestUnmappedRoutesSiteSubnets: an unmapped connection routes the site's
// prefixes into ipsec0 and needs no table.
func TestUnmappedRoutesSiteSubnets(t *testing.T) {
	p := netip.MustParsePrefix
	topo := &topologies.Topology{Site2Cloud: []*topologies.Site2Cloud{{Name: "dc", Site: "r1", SiteAddress: netip.MustParseAddr("203.0.113.2"),
		Gateway: "gw1", GatewayAddress: netip.MustParseAddr("198.51.100.2"),
		IKE: []string{topologies.DefaultIKEProposal}, ESP: []string{topologies.DefaultESPProposal},
		SiteSubnets: []netip.Prefix{p("10.20.0.0/16"), p("10.10.0.0/16")}, CloudSubnets: []netip.Prefix{p("10.1.0.0/16")}}}}
	gws, err := Gateways(topo, "s2ctest", func(string) (string, error) { return strings.Repeat("cd", 32), nil })
	if err != nil {
		t.Fatal(err)
	}
	g := gws[0]
	if g.Mapped || fmt.Sprint(g.Routes) != "[10.10.0.0/16 10.20.0.0/16]" || len(g.Table.Chains) != 0 || len(g.Wait) != 0 {
		t.Errorf("gateway %+v", g)
	}
	if c := g.Conns[0]; fmt.Sprint(c.LocalTS, c.RemoteTS) != "[10.1.0.0/16] [10.20.0.0/16 10.10.0.0/16]" {
		t.Errorf("selectors %v %v", c.LocalTS, c.RemoteTS)
	}
}

// TestBGPConnectionInside: a connection with bgp routes no site prefix
// statically (they come by BGP); the gateway's inside address goes on
// ipsec0, and both inside addresses are in the traffic selectors.
func TestBGPConnectionInside(t *testing.T) {
	p := netip.MustParsePrefix
	topo := &topologies.Topology{Site2Cloud: []*topologies.Site2Cloud{{Name: "dc", Site: "r1", SiteAddress: netip.MustParseAddr("203.0.113.2"),
		Gateway: "gw1", GatewayAddress: netip.MustParseAddr("198.51.100.2"), Type: topologies.S2CRouteBased,
		IKE: []string{topologies.DefaultIKEProposal}, ESP: []string{topologies.DefaultESPProposal},
		SiteSubnets: []netip.Prefix{p("10.50.1.0/24")}, CloudSubnets: []netip.Prefix{p("10.1.0.0/16")},
		BGP: &topologies.S2CBGP{SiteASN: 65401, Inside: p("169.254.10.0/30")}}}}
	gws, err := Gateways(topo, "s2ctest", func(string) (string, error) { return strings.Repeat("cd", 32), nil })
	if err != nil {
		t.Fatal(err)
	}
	g := gws[0]
	if len(g.Routes) != 0 || fmt.Sprint(g.Inside) != "[169.254.10.1/30]" || len(g.Table.Chains) != 0 {
		t.Errorf("gateway %+v", g)
	}
	if c := g.Conns[0]; fmt.Sprint(c.LocalTS, c.RemoteTS) != "[10.1.0.0/16 169.254.10.1/32] [10.50.1.0/24 169.254.10.2/32]" {
		t.Errorf("selectors %v %v", c.LocalTS, c.RemoteTS)
	}
}

// TestPolicyBasedMarks: a policy-based connection routes nothing itself;
// what goes to its site's prefixes is marked for the table of charon's
// routes.
func TestPolicyBasedMarks(t *testing.T) {
	p := netip.MustParsePrefix
	topo := &topologies.Topology{Site2Cloud: []*topologies.Site2Cloud{{Name: "dc2", Type: topologies.S2CPolicyBased, Site: "r2",
		SiteAddress: netip.MustParseAddr("203.0.113.6"), Gateway: "gw1", GatewayAddress: netip.MustParseAddr("198.51.100.2"),
		IKE: []string{topologies.DefaultIKEProposal}, ESP: []string{topologies.DefaultESPProposal},
		SiteSubnets: []netip.Prefix{p("10.200.0.0/24")}, CloudSubnets: []netip.Prefix{p("10.1.0.0/16")}}}}
	gws, err := Gateways(topo, "s2ctest", func(string) (string, error) { return strings.Repeat("ef", 32), nil })
	if err != nil {
		t.Fatal(err)
	}
	f := policy.NewFake()
	if err := policy.Apply(f, gws[0].Table); err != nil {
		t.Fatal(err)
	}
	got, _ := policy.Dump(f, gws[0].Table)
	want := `table ip mcnlab-s2c {
	chain map { type filter hook prerouting priority -300; policy accept;
		iifname != "ipsec0" ip daddr 10.200.0.0/24 meta mark set 0x5c2
	}
}
`
	if g := gws[0]; g.Mapped || len(g.Routes) != 0 || got != want {
		t.Errorf("mapped %v, routes %v, table:\n%s\nwant:\n%s", g.Mapped, g.Routes, got, want)
	}
}
