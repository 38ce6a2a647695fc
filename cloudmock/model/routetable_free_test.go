package model

import (
	"net/netip"
	"testing"
)

// TestAzureRouteTable: a route table of no network holds named routes to
// an appliance, the internet, the VNet, the gateway or nowhere; it is
// associated with a subnet of its region, which then routes by it.
func TestAzureRouteTable(t *testing.T) {
	c := azureCloud(t)
	n, _ := c.CreateNetworkAt(azSub, Place{Region: "eastus", Scope: "RG1", Name: "v1"}, netip.MustParsePrefix("10.0.0.0/16"), nil)
	s, _ := c.CreateSubnetAt(azSub, n.ID, Place{Scope: "RG1/v1", Name: "s1"}, netip.MustParsePrefix("10.0.1.0/24"), "", nil)
	rt, err := c.CreateRouteTableAt(azSub, Place{Region: "eastus", Scope: "RG1", Name: "udr"}, nil)
	if err != nil || rt.NetworkID != "" || len(rt.Routes) != 0 {
		t.Fatalf("create: %+v %v", rt, err)
	}
	routes := []Route{
		{Name: "nva", Destination: netip.MustParsePrefix("0.0.0.0/0"), Target: Target{Kind: TargetAddress, Addr: netip.MustParseAddr("10.0.2.4")}},
		{Name: "drop", Destination: netip.MustParsePrefix("192.0.2.0/24"), Target: Target{Kind: TargetBlackhole}},
		{Name: "local", Destination: netip.MustParsePrefix("10.1.0.0/16"), Target: Target{Kind: TargetNetworkLocal}},
	}
	if err := c.ReplaceRoutes(azSub, rt.ID, routes); err != nil {
		t.Fatal(err)
	}
	bad := append(routes[:1:1], Route{Name: "x", Destination: netip.MustParsePrefix("0.0.0.0/0"), Target: Target{Kind: TargetInternet}})
	if err := c.ReplaceRoutes(azSub, rt.ID, bad); CodeOf(err) != CodeAlreadyExists {
		t.Fatalf("two routes to one prefix: %v", err)
	}
	if err := c.ReplaceRoutes(azSub, rt.ID, []Route{{Destination: netip.MustParsePrefix("1.0.0.0/8"), Target: Target{Kind: TargetAddress}}}); CodeOf(err) != CodeInvalidParameter {
		t.Fatalf("an appliance without an address: %v", err)
	}
	if _, err := c.AssociateRouteTable(azSub, rt.ID, s.ID); err != nil {
		t.Fatal(err)
	}
	got, err := c.RouteTableForSubnet(azSub, s.ID)
	if err != nil || got.ID != rt.ID || len(got.Routes) != 3 || got.Routes[1].State != RouteBlackhole || got.Routes[0].State != RouteActive {
		t.Fatalf("subnet's table: %+v %v", got, err)
	}
	west, _ := c.CreateRouteTableAt(azSub, Place{Region: "westus", Scope: "RG1", Name: "udr-west"}, nil)
	s2, _ := c.CreateSubnetAt(azSub, n.ID, Place{Scope: "RG1/v1", Name: "s2"}, netip.MustParsePrefix("10.0.2.0/24"), "", nil)
	if _, err := c.AssociateRouteTable(azSub, west.ID, s2.ID); CodeOf(err) != CodeInvalidParameter {
		t.Fatalf("a table of another region: %v", err)
	}
	if err := c.DeleteRouteTable(azSub, rt.ID); CodeOf(err) != CodeDependency {
		t.Fatalf("delete an associated table: %v", err)
	}
}
