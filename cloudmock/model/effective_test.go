package model

import (
	"net/netip"
	"slices"
	"testing"
)

// azNet makes an Azure VNet with one subnet in RG1, eastus.
func azNet(t *testing.T, c *Cloud, name, cidr, subnet string) (Network, Subnet) {
	t.Helper()
	n, err := c.CreateNetworkAt(azSub, Place{Region: "eastus", Scope: "RG1", Name: name}, netip.MustParsePrefix(cidr), nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.CreateSubnetAt(azSub, n.ID, Place{Scope: "RG1/" + name, Name: "s1"}, netip.MustParsePrefix(subnet), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return n, s
}

// TestEffectiveRoutes: an Azure subnet's system routes (its VNet, a
// peered VNet, the internet, the reserved ranges to None, the one its
// VNet holds left out), and a user-defined route winning over the system route to
// the same prefix.
func TestEffectiveRoutes(t *testing.T) {
	c := azureCloud(t)
	a, sa := azNet(t, c, "a", "10.1.0.0/16", "10.1.1.0/24")
	if _, err := c.AddNetworkCIDR(azSub, a.ID, netip.MustParsePrefix("172.16.0.0/12")); err != nil {
		t.Fatal(err)
	}
	b, _ := azNet(t, c, "b", "192.168.0.0/16", "192.168.1.0/24")
	pc, err := c.RequestPeeringAt(azSub, Place{Scope: "RG1/a", Name: "a-b"}, a.ID, azSub, b.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AcceptPeering(azSub, pc.ID); err != nil {
		t.Fatal(err)
	}
	rt, _ := c.CreateRouteTableAt(azSub, Place{Region: "eastus", Scope: "RG1", Name: "udr"}, nil)
	nva := netip.MustParseAddr("10.1.9.4")
	if err := c.ReplaceRoutes(azSub, rt.ID, []Route{
		{Name: "via-nva", Destination: netip.MustParsePrefix("0.0.0.0/0"), Target: Target{Kind: TargetAddress, Addr: nva}},
		{Name: "spoke", Destination: netip.MustParsePrefix("10.5.0.0/16"), Target: Target{Kind: TargetNetworkGateway}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AssociateRouteTable(azSub, rt.ID, sa.ID); err != nil {
		t.Fatal(err)
	}
	got, err := c.EffectiveRoutes(azSub, sa.ID)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		src    RouteSource
		dst    string
		kind   TargetKind
		active bool
	}
	var rows []row
	for _, r := range got {
		rows = append(rows, row{r.Source, r.Destination.String(), r.Target.Kind, r.Active})
	}
	want := []row{
		{SourceDefault, "10.1.0.0/16", TargetNetworkLocal, true},
		{SourceDefault, "172.16.0.0/12", TargetNetworkLocal, true},
		{SourceDefault, "192.168.0.0/16", TargetPeering, true},
		{SourceDefault, "0.0.0.0/0", TargetInternet, false},
		{SourceDefault, "10.0.0.0/8", TargetBlackhole, true},
		{SourceDefault, "192.168.0.0/16", TargetBlackhole, false}, // the peering's route to the same prefix came first
		{SourceDefault, "100.64.0.0/10", TargetBlackhole, true},
		{SourceUser, "0.0.0.0/0", TargetAddress, true},
		{SourceUser, "10.5.0.0/16", TargetNetworkGateway, true},
	}
	if !slices.Equal(rows, want) {
		t.Fatalf("effective routes\n got %v\nwant %v", rows, want)
	}
	if got[7].Target.Addr != nva || got[7].Name != "via-nva" || got[2].Target.ID != pc.ID {
		t.Fatalf("targets: %+v", got)
	}
	// The peer's space is in the VirtualNetwork tag until its access is
	// blocked; the user-defined routes' prefixes are in it.
	tag, err := c.VirtualNetworkTag(azSub, sa.ID)
	if err != nil || !slices.Contains(tag, netip.MustParsePrefix("192.168.0.0/16")) || !slices.Contains(tag, netip.MustParsePrefix("0.0.0.0/0")) ||
		!slices.Contains(tag, netip.MustParsePrefix("168.63.129.16/32")) {
		t.Fatalf("VirtualNetwork tag: %v %v", tag, err)
	}
	if err := c.SetPeeringSide(azSub, pc.ID, a.ID, PeeringSide{BlockRemote: true, BlockForwarded: true}); err != nil {
		t.Fatal(err)
	}
	tag, _ = c.VirtualNetworkTag(azSub, sa.ID)
	if slices.Contains(tag, netip.MustParsePrefix("192.168.0.0/16")) {
		t.Fatalf("VirtualNetwork tag with remote access blocked: %v", tag)
	}
	p := c.Peerings(azSub)[0]
	if side, ok := p.Side(a.ID); !ok || !side.BlockForwarded || p.AccepterSide != (PeeringSide{}) {
		t.Fatalf("sides: %+v", p)
	}
	if err := c.SetPeeringSide(azSub, pc.ID, "nope", PeeringSide{}); CodeOf(err) != CodeInvalidParameter {
		t.Fatalf("a network not of the peering: %v", err)
	}
}

// TestEffectiveRoutesOnlyWithSystemRoutes: an AWS subnet has none (its
// route table decides), and an AWS security group has no implicit rules
// while an Azure NSG has Azure's six default rules.
func TestEffectiveRoutesOnlyWithSystemRoutes(t *testing.T) {
	c := New()
	c.AddAccount(Account{ID: "111122223333"})
	n, _ := c.CreateNetwork("111122223333", netip.MustParsePrefix("10.0.0.0/16"), nil)
	s, _ := c.CreateSubnet("111122223333", n.ID, netip.MustParsePrefix("10.0.1.0/24"), "az1", nil)
	if _, err := c.EffectiveRoutes("111122223333", s.ID); CodeOf(err) != CodeInvalidParameter {
		t.Fatalf("AWS effective routes: %v", err)
	}
	sg, _ := c.RuleSet("111122223333", FlavorSecurityGroup, n.DefaultSecurityGroupID)
	if len(sg.Implicit) != 0 {
		t.Fatalf("a security group has implicit rules: %+v", sg.Implicit)
	}
	az := azureCloud(t)
	nsg, err := az.CreateRuleSetAt(azSub, Place{Region: "eastus", Scope: "RG1", Name: "nsg1"}, RuleSetSpec{Flavor: FlavorNSG})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range nsg.Implicit {
		names = append(names, r.Name)
	}
	if want := []string{"AllowVnetInBound", "AllowAzureLoadBalancerInBound", "DenyAllInBound", "AllowVnetOutBound", "AllowInternetOutBound", "DenyAllOutBound"}; !slices.Equal(names, want) {
		t.Fatalf("NSG implicit rules %v, want %v", names, want)
	}
}

// TestEffectiveGatewayRoutes: the prefixes of a VPN connection of a
// VNet's gateway are routes with source VirtualNetworkGateway in its
// subnets and, with gateway transit, in a peer that uses remote gateways;
// a user-defined route to the same prefix wins; the prefixes are in the
// VirtualNetwork tag.
func TestEffectiveGatewayRoutes(t *testing.T) {
	c := azureCloud(t)
	hub, sh := azNet(t, c, "hub", "10.1.0.0/16", "10.1.1.0/24")
	spoke, ss := azNet(t, c, "spoke", "10.2.0.0/16", "10.2.1.0/24")
	g, err := c.CreateVPNGatewayAt(azSub, Place{Region: "eastus", Scope: "RG1", Name: "gw"}, 65515, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AttachVPNGateway(azSub, g.ID, hub.ID); err != nil {
		t.Fatal(err)
	}
	cg, err := c.CreateCustomerGatewayAt(azSub, Place{Region: "eastus", Scope: "RG1", Name: "onprem"}, 65010, netip.MustParseAddr("198.51.100.2"), nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.CreateVPNConnectionAt(azSub, Place{Region: "eastus", Scope: "RG1", Name: "conn"}, VPNSpec{CustomerGatewayID: cg.ID, VPNGatewayID: g.ID, StaticRoutesOnly: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	onprem := netip.MustParsePrefix("172.20.0.0/16")
	if err := c.AddVPNStaticRoute(azSub, v.ID, onprem); err != nil {
		t.Fatal(err)
	}
	pc, _ := c.RequestPeeringAt(azSub, Place{Scope: "RG1/spoke", Name: "spoke-hub"}, spoke.ID, azSub, hub.ID, nil)
	if _, err := c.AcceptPeering(azSub, pc.ID); err != nil {
		t.Fatal(err)
	}
	gatewayRoute := func(sub Subnet) (EffectiveRoute, bool) {
		rs, err := c.EffectiveRoutes(azSub, sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.Source == SourceGateway && r.Destination == onprem {
				return r, true
			}
		}
		return EffectiveRoute{}, false
	}
	if r, ok := gatewayRoute(sh); !ok || !r.Active || r.Target != (Target{Kind: TargetNetworkGateway, ID: g.ID}) {
		t.Fatalf("hub's gateway route: %+v %v", r, ok)
	}
	if r, ok := gatewayRoute(ss); ok {
		t.Fatalf("the spoke has the hub's gateway route without gateway transit: %+v", r)
	}
	if err := c.SetPeeringSide(azSub, pc.ID, spoke.ID, PeeringSide{UseRemoteGateways: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.SetPeeringSide(azSub, pc.ID, hub.ID, PeeringSide{GatewayTransit: true}); err != nil {
		t.Fatal(err)
	}
	if r, ok := gatewayRoute(ss); !ok || !r.Active {
		t.Fatalf("the spoke's route through the hub's gateway: %+v %v", r, ok)
	}
	if tag, _ := c.VirtualNetworkTag(azSub, ss.ID); !slices.Contains(tag, onprem) {
		t.Fatalf("the VirtualNetwork tag lacks the on-premises prefix: %v", tag)
	}
	rt, _ := c.CreateRouteTableAt(azSub, Place{Region: "eastus", Scope: "RG1", Name: "drop-onprem"}, nil)
	if err := c.ReplaceRoutes(azSub, rt.ID, []Route{{Name: "none", Destination: onprem, Target: Target{Kind: TargetBlackhole}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AssociateRouteTable(azSub, rt.ID, ss.ID); err != nil {
		t.Fatal(err)
	}
	if r, ok := gatewayRoute(ss); !ok || r.Active {
		t.Fatalf("a user-defined route to the same prefix must win over the gateway's: %+v %v", r, ok)
	}
}
