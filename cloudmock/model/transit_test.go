package model

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

func TestTransitGatewayRouting(t *testing.T) {
	c := newCloud(t)
	g, err := c.CreateTransitGateway(acct, TransitGatewayOptions{DefaultAssociation: true, DefaultPropagation: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if g.ASN != 64512 || g.DefaultRouteTableID == "" {
		t.Fatalf("gateway = %+v, want ASN 64512 and a default route table", g)
	}
	_, err = c.CreateTransitGateway(acct, TransitGatewayOptions{ASN: 65001 + 1000}, nil)
	wantCode(t, err, CodeInvalidParameter)
	a := mustNetwork(t, c, "10.0.0.0/16")
	b := mustNetwork(t, c, "10.1.0.0/16")
	sa, _ := c.CreateSubnet(acct, a.ID, pfx("10.0.0.0/24"), "us-east-1a", nil)
	sa2, _ := c.CreateSubnet(acct, a.ID, pfx("10.0.1.0/24"), "us-east-1a", nil)
	sb, _ := c.CreateSubnet(acct, b.ID, pfx("10.1.0.0/24"), "us-east-1a", nil)
	_, err = c.CreateTransitGatewayVPCAttachment(acct, g.ID, a.ID, []string{sa.ID, sa2.ID}, nil)
	wantCode(t, err, CodeDuplicate) // two subnets in one zone
	atA, err := c.CreateTransitGatewayVPCAttachment(acct, g.ID, a.ID, []string{sa.ID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateTransitGatewayVPCAttachment(acct, g.ID, a.ID, []string{sa.ID}, nil)
	wantCode(t, err, CodeAlreadyExists)
	atB, _ := c.CreateTransitGatewayVPCAttachment(acct, g.ID, b.ID, []string{sb.ID}, nil)
	routes, err := c.TransitGatewayRoutes(acct, g.DefaultRouteTableID)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(routes); len(routes) != 2 || routes[0].AttachmentID != atA.ID || !routes[0].Propagated || routes[1].AttachmentID != atB.ID {
		t.Fatalf("default table routes = %s, want both VPC CIDRs propagated", got)
	}
	wantCode(t, c.AssociateTransitGatewayRouteTable(acct, g.DefaultRouteTableID, atA.ID), CodeAlreadyAssociated)
	// A static route wins over the propagated one for the same prefix.
	if _, err := c.CreateTransitGatewayRoute(acct, g.DefaultRouteTableID, pfx("10.1.0.0/16"), "", true); err != nil {
		t.Fatal(err)
	}
	routes, _ = c.TransitGatewayRoutes(acct, g.DefaultRouteTableID)
	if !routes[1].Blackhole || routes[1].Propagated {
		t.Fatalf("route for 10.1.0.0/16 = %+v, want the static blackhole", routes[1])
	}
	_, err = c.CreateTransitGatewayRoute(acct, g.DefaultRouteTableID, pfx("10.1.0.0/16"), atB.ID, false)
	wantCode(t, err, CodeAlreadyExists)
	// Route table limit: the default table plus 19 more.
	for i := 0; i < 19; i++ {
		if _, err := c.CreateTransitGatewayRouteTable(acct, g.ID, nil); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.CreateTransitGatewayRouteTable(acct, g.ID, nil)
	wantCode(t, err, CodeLimitExceeded)
	wantCode(t, c.DeleteNetwork(acct, a.ID), CodeDependency)
}

func TestVPNRoutes(t *testing.T) {
	c := newCloud(t)
	g, _ := c.CreateTransitGateway(acct, TransitGatewayOptions{DefaultAssociation: true, DefaultPropagation: true}, nil)
	cg, err := c.CreateCustomerGateway(acct, 65010, netip.MustParseAddr("198.51.100.10"), nil)
	if err != nil {
		t.Fatal(err)
	}
	static, err := c.CreateVPNConnection(acct, VPNSpec{CustomerGatewayID: cg.ID, TransitGatewayID: g.ID, StaticRoutesOnly: true}, nil)
	if err != nil || static.AttachmentID == "" {
		t.Fatalf("VPN to TGW: %+v %v", static, err)
	}
	for i := range 100 {
		if err := c.AddVPNStaticRoute(acct, static.ID, pfx(fmt.Sprintf("172.16.%d.0/24", i))); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, c.AddVPNStaticRoute(acct, static.ID, pfx("172.17.0.0/24")), CodeLimitExceeded)
	routes, _ := c.TransitGatewayRoutes(acct, g.DefaultRouteTableID)
	if len(routes) != 100 || routes[0].AttachmentID != static.AttachmentID {
		t.Fatalf("%d routes propagated from the VPN, want 100", len(routes))
	}
	dyn, _ := c.CreateVPNConnection(acct, VPNSpec{CustomerGatewayID: cg.ID, TransitGatewayID: g.ID}, nil)
	wantCode(t, c.AddVPNStaticRoute(acct, dyn.ID, pfx("192.168.0.0/24")), CodeInvalidParameter)
	many := make([]netip.Prefix, 101)
	for i := range many {
		many[i] = pfx(fmt.Sprintf("192.168.%d.0/24", i))
	}
	wantCode(t, c.SetVPNLearnedRoutes(acct, dyn.ID, many), CodeLimitExceeded)
	_, err = c.CreateVPNConnection(acct, VPNSpec{CustomerGatewayID: cg.ID}, nil)
	wantCode(t, err, CodeInvalidParameter)
	n := mustNetwork(t, c, "10.0.0.0/16")
	v1, _ := c.CreateVPNGateway(acct, 0, nil)
	v2, _ := c.CreateVPNGateway(acct, 0, nil)
	if err := c.AttachVPNGateway(acct, v1.ID, n.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.AttachVPNGateway(acct, v2.ID, n.ID), CodeAlreadyAssociated)
}

func TestVPNRouteChangeTouchesPropagatingTable(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	g, _ := c.CreateVPNGateway(acct, 0, nil)
	_ = c.AttachVPNGateway(acct, g.ID, n.ID)
	cg, _ := c.CreateCustomerGateway(acct, 65010, netip.MustParseAddr("198.51.100.10"), nil)
	v, _ := c.CreateVPNConnection(acct, VPNSpec{CustomerGatewayID: cg.ID, VPNGatewayID: g.ID}, nil)
	if err := c.SetRoutePropagation(acct, n.MainRouteTableID, g.ID, true); err != nil {
		t.Fatal(err)
	}
	events := make(chan Event, 16)
	sub := c.Subscribe(func(e Event) { events <- e })
	defer sub.Close()
	if err := c.SetVPNLearnedRoutes(acct, v.ID, []netip.Prefix{pfx("192.168.0.0/16")}); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(5 * time.Second)
	for range 2 {
		var e Event
		select {
		case e = <-events:
		case <-timeout:
			t.Fatal("timed out waiting for change events")
		}
		if e.Kind == KindRouteTable && e.ID == n.MainRouteTableID {
			rt, _ := c.RouteTable(acct, n.MainRouteTableID)
			if len(rt.Routes) != 2 || rt.Routes[1].Origin != OriginPropagated || rt.Routes[1].Target.ID != g.ID {
				t.Fatalf("routes = %+v", rt.Routes)
			}
			return
		}
	}
	t.Fatal("no route table event for a learned VPN route")
}
