package model

import (
	"testing"
)

// check fails the test on err.
func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// restoredCopy is a new cloud restored from c's snapshot.
func restoredCopy(t *testing.T, c *Cloud) *Cloud {
	t.Helper()
	b, _, err := c.Snapshot()
	check(t, err)
	r := New()
	check(t, r.Restore(b))
	return r
}

// TestGatewayRouteTableSnapshot keeps a gateway route table's edge
// association and its route to an interface across a snapshot.
func TestGatewayRouteTableSnapshot(t *testing.T) {
	c := New()
	c.AddAccount(Account{ID: acct, Limits: DefaultLimits()})
	n := mustNetwork(t, c, "10.0.0.0/16")
	web, err := c.CreateSubnet(acct, n.ID, pfx("10.0.1.0/24"), "", nil)
	check(t, err)
	app, err := c.CreateSubnet(acct, n.ID, pfx("10.0.2.0/24"), "", nil)
	check(t, err)
	e, err := c.CreateNetworkInterface(acct, InterfaceSpec{SubnetID: app.ID})
	check(t, err)
	g, err := c.CreateInternetGateway(acct, nil)
	check(t, err)
	check(t, c.AttachInternetGateway(acct, g.ID, n.ID))
	rt, err := c.CreateRouteTable(acct, n.ID, nil)
	check(t, err)
	a, err := c.AssociateRouteTableGateway(acct, rt.ID, g.ID)
	check(t, err)
	check(t, c.CreateRoute(acct, rt.ID, web.Prefix, Target{Kind: TargetNetworkInterface, ID: e.ID}))

	got, err := restoredCopy(t, c).RouteTable(acct, rt.ID)
	check(t, err)
	if ga, ok := got.GatewayAssociation(); !ok || ga.ID != a.ID || ga.GatewayID != g.ID {
		t.Fatalf("restored edge association = %+v (%v), want %+v", ga, ok, a)
	}
	if len(got.Routes) != 2 || got.Routes[1].Target.ID != e.ID || got.Routes[1].Destination != web.Prefix {
		t.Fatalf("restored routes = %+v", got.Routes)
	}
}

// TestGatewayRouteTablePropagation: a gateway route table propagates no
// routes, and a table that propagates cannot become one; a virtual
// private gateway of the network takes a gateway route table too, one
// per gateway.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html#gateway-route-table-rules — not with route propagation enabled
func TestGatewayRouteTablePropagation(t *testing.T) {
	c := New()
	c.AddAccount(Account{ID: acct, Limits: DefaultLimits()})
	n := mustNetwork(t, c, "10.0.0.0/16")
	vgw, err := c.CreateVPNGateway(acct, 64512, nil)
	check(t, err)
	check(t, c.AttachVPNGateway(acct, vgw.ID, n.ID))
	rt, err := c.CreateRouteTable(acct, n.ID, nil)
	check(t, err)
	check(t, c.SetRoutePropagation(acct, rt.ID, vgw.ID, true))
	if _, err := c.AssociateRouteTableGateway(acct, rt.ID, vgw.ID); CodeOf(err) != CodeInvalidParameter {
		t.Fatalf("associating a propagating table with a gateway: %v, want %s", err, CodeInvalidParameter)
	}
	check(t, c.SetRoutePropagation(acct, rt.ID, vgw.ID, false))
	if _, err := c.AssociateRouteTableGateway(acct, rt.ID, vgw.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.SetRoutePropagation(acct, rt.ID, vgw.ID, true); CodeOf(err) != CodeInvalidParameter {
		t.Fatalf("turning propagation on in a gateway route table: %v, want %s", err, CodeInvalidParameter)
	}
	other, err := c.CreateRouteTable(acct, n.ID, nil)
	check(t, err)
	if _, err := c.AssociateRouteTableGateway(acct, other.ID, vgw.ID); CodeOf(err) != CodeAlreadyAssociated {
		t.Fatalf("a second table for the gateway: %v, want %s", err, CodeAlreadyAssociated)
	}
}
