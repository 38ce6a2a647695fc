package model

import (
	"net/netip"
	"slices"
	"testing"
)

// TestVPNTunnels: a connection realized tunnel by tunnel is up while one
// tunnel is, its routes are both tunnels' (each once, sorted), a tunnel
// that loses its session takes only its own routes away, and a static
// connection learns none (InvalidParameter).
func TestVPNTunnels(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	g, _ := c.CreateVPNGateway(acct, 0, nil)
	_ = c.AttachVPNGateway(acct, g.ID, n.ID)
	cg, _ := c.CreateCustomerGateway(acct, 65010, netip.MustParseAddr("198.51.100.10"), nil)
	v, _ := c.CreateVPNConnection(acct, VPNSpec{CustomerGatewayID: cg.ID, VPNGatewayID: g.ID}, nil)
	get := func() VPNConnection {
		for _, x := range c.VPNConnections(acct) {
			if x.ID == v.ID {
				return x
			}
		}
		t.Fatal("connection gone")
		return VPNConnection{}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.SetVPNTunnelStatus(acct, v.ID, 1, VPNUp, VPNConnecting))
	must(c.SetVPNTunnelStatus(acct, v.ID, 0, VPNConnecting, VPNUp))
	if x := get(); x.Tunnel != VPNUp || x.BGP != VPNUp || len(x.Tunnels) != 2 || x.Tunnels[0].Tunnel != VPNConnecting || x.Tunnels[1].BGP != VPNConnecting {
		t.Fatalf("status: %+v", x)
	}
	must(c.SetVPNTunnelRoutes(acct, v.ID, 0, []netip.Prefix{pfx("172.16.1.0/24")}))
	must(c.SetVPNTunnelRoutes(acct, v.ID, 1, []netip.Prefix{pfx("172.16.2.0/24"), pfx("172.16.1.0/24")}))
	if got, want := get().Routes, []netip.Prefix{pfx("172.16.1.0/24"), pfx("172.16.2.0/24")}; !slices.Equal(got, want) {
		t.Fatalf("routes %v, want %v", got, want)
	}
	must(c.SetVPNTunnelRoutes(acct, v.ID, 1, nil))
	must(c.SetVPNTunnelStatus(acct, v.ID, 0, "", ""))
	if x := get(); !slices.Equal(x.Routes, []netip.Prefix{pfx("172.16.1.0/24")}) || x.Tunnel != VPNUp || x.BGP != VPNConnecting {
		t.Fatalf("after tunnel 2's session went: %+v", x)
	}
	s, _ := c.CreateVPNConnection(acct, VPNSpec{CustomerGatewayID: cg.ID, VPNGatewayID: g.ID, StaticRoutesOnly: true}, nil)
	wantCode(t, c.SetVPNTunnelRoutes(acct, s.ID, 0, []netip.Prefix{pfx("172.16.1.0/24")}), CodeInvalidParameter)
}
