package realize

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/net/icmp"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// The plan, without root: routes to a VPN gateway with an available
// virtual interface go over its line (onto the link for the customer's
// /30, via the customer's router beyond it), the router's own packets to
// the line leave over it, and once the gateway is detached nothing of the
// line is planned and the routes drop.
func TestPlanDirectConnect(t *testing.T) {
	c := model.New()
	c.AddAccount(model.Account{ID: acct, Limits: model.DefaultLimits()})
	circuit := Circuit{Name: "dc1", Account: acct, Namespace: "mcn-t-site", Interface: "dx0"}
	circuits, err := provisionCircuits(c, Options{Lab: "t", Circuits: []Circuit{circuit}})
	if err != nil {
		t.Fatal(err)
	}
	conn := c.DXConnections(acct)[0]
	if circuits[conn.ID] != circuit || conn.Name != "dc1" {
		t.Fatalf("circuits %+v, connection %+v", circuits, conn)
	}
	v := must[model.Network](t)(c.CreateNetwork(acct, netip.MustParsePrefix("10.0.0.0/16"), nil))
	sub := must[model.Subnet](t)(c.CreateSubnet(acct, v.ID, netip.MustParsePrefix("10.0.1.0/24"), "az1", nil))
	g := must[model.VPNGateway](t)(c.CreateVPNGateway(acct, 0, nil))
	if err := c.AttachVPNGateway(acct, g.ID, v.ID); err != nil {
		t.Fatal(err)
	}
	vif := must[model.DXVirtualInterface](t)(c.CreateDXVirtualInterface(acct, model.DXVirtualInterfaceSpec{ConnectionID: conn.ID, Name: "vif",
		VLAN: 100, CustomerASN: 65010, CloudAddress: netip.MustParsePrefix("192.168.100.1/30"),
		CustomerAddress: netip.MustParsePrefix("192.168.100.2/30"), VPNGatewayID: g.ID}, nil))
	for _, dst := range []string{"192.168.100.0/30", "172.16.0.0/16"} {
		if err := c.CreateRoute(acct, v.MainRouteTableID, netip.MustParsePrefix(dst), model.Target{Kind: model.TargetVPNGateway, ID: g.ID}); err != nil {
			t.Fatal(err)
		}
	}
	r := &Realizer{opts: Options{Lab: "t"}, links: map[string]int{}, circuits: circuits}
	plan := func() (*plan, []string) {
		p, err := r.buildPlan(takeSnapshot(c))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, k := range p.routers[v.ID].routes {
			out = append(out, k.String())
		}
		for _, k := range p.routers[v.ID].rules {
			if k.iif == "lo" {
				out = append(out, "rule iif lo table "+strconv.Itoa(k.table))
			}
		}
		return p, out
	}
	p, got := plan()
	dev := dxIf(vif.Handle)
	for _, w := range []string{
		"table 100 192.168.100.0/30 dev " + dev,
		"table 100 172.16.0.0/16 via 192.168.100.2 dev " + dev,
		"table 98 192.168.100.0/30 dev " + dev,
		"rule iif lo table 98",
	} {
		if !slices.Contains(got, w) {
			t.Errorf("plan lacks %q:\n%s", w, strings.Join(got, "\n"))
		}
	}
	d := p.dx[vif.ID]
	if d == nil || d.circuit != circuit || d.ifRouter != dev || !slices.Equal(d.cidrs, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16")}) {
		t.Fatalf("line plan = %+v", d)
	}

	// The gateway's own route table (an edge association) routes what
	// enters over the line: the subnet to an appliance's interface.
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html — a gateway route table of a virtual private gateway
	e := must[model.NetworkInterface](t)(c.CreateNetworkInterface(acct, model.InterfaceSpec{SubnetID: sub.ID}))
	edge := must[model.RouteTable](t)(c.CreateRouteTable(acct, v.ID, nil))
	must[model.RouteTableAssociation](t)(c.AssociateRouteTableGateway(acct, edge.ID, g.ID))
	if err := c.CreateRoute(acct, edge.ID, sub.Prefix, model.Target{Kind: model.TargetNetworkInterface, ID: e.ID}); err != nil {
		t.Fatal(err)
	}
	p, _ = plan()
	no := 0
	for _, k := range p.routers[v.ID].rules {
		if k.iif == dev && k.prio == gatewayPrio {
			no = k.table
		}
	}
	if no == 0 || !slices.ContainsFunc(p.routers[v.ID].routes, func(k kroute) bool {
		return k.table == no && k.dst == sub.Prefix && k.kind == "via" && k.via == e.PrivateIP
	}) {
		t.Fatalf("no rule from the line %s to the gateway's table routing %s via %s: rules %+v", dev, sub.Prefix, e.PrivateIP, p.routers[v.ID].rules)
	}

	if err := c.DetachVPNGateway(acct, g.ID, v.ID); err != nil {
		t.Fatal(err)
	}
	// The main table's number depends on how the two tables' random IDs
	// sort: it is the one that is not the gateway's.
	p, got = plan()
	main := 100
	if no == 100 {
		main = 101
	}
	if len(p.dx) != 0 || !slices.Contains(got, "table "+strconv.Itoa(main)+" 172.16.0.0/16 blackhole") || slices.Contains(got, "rule iif lo table 98") {
		t.Fatalf("after detach: %d lines planned, routes:\n%s", len(p.dx), strings.Join(got, "\n"))
	}
}

// New refuses circuits it must not touch or cannot record, before it
// touches the kernel (so without root).
func TestCircuitsChecked(t *testing.T) {
	c := model.New()
	c.AddAccount(model.Account{ID: acct, Limits: model.DefaultLimits()})
	ok := Circuit{Name: "dc1", Account: acct, Namespace: "mcn-t-site", Interface: "dx0"}
	for name, cs := range map[string][]Circuit{
		"root namespace":    {{Name: "dc1", Account: acct, Namespace: "default", Interface: "dx0"}},
		"no name":           {{Account: acct, Namespace: "mcn-t-site", Interface: "dx0"}},
		"long interface":    {{Name: "dc1", Account: acct, Namespace: "mcn-t-site", Interface: "a-very-long-interface"}},
		"interface slash":   {{Name: "dc1", Account: acct, Namespace: "mcn-t-site", Interface: "dx/0"}},
		"unknown account":   {{Name: "dc1", Account: "999999999999", Namespace: "mcn-t-site", Interface: "dx0"}},
		"same name twice":   {ok, {Name: "dc1", Account: acct, Namespace: "mcn-t-site2", Interface: "dx0"}},
		"same end twice":    {ok, {Name: "dc2", Account: acct, Namespace: "mcn-t-site", Interface: "dx0"}},
		"namespace escapes": {{Name: "dc1", Account: acct, Namespace: "mcn-../x", Interface: "dx0"}},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		r, err := New(ctx, c, Options{Lab: "t", Circuits: cs})
		cancel()
		if err == nil {
			r.Close()
			t.Errorf("%s: New accepted %+v", name, cs)
		}
	}
}

// siteLink reports whether the site namespace has the link name, and the
// routes through it.
func siteLink(t *testing.T, site *roottest.NS, name string) (bool, []netip.Prefix) {
	t.Helper()
	k, err := site.NL.LinkByName(name)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			return false, nil
		}
		t.Fatal(err)
	}
	routes, err := site.NL.RouteList(k, netlink.FAMILY_V4)
	if err != nil {
		t.Fatal(err)
	}
	var out []netip.Prefix
	for _, r := range routes {
		if r.Dst != nil && r.Gw != nil {
			a, _ := netip.AddrFromSlice(r.Dst.IP)
			bits, _ := r.Dst.Mask.Size()
			out = append(out, netip.PrefixFrom(a.Unmap(), bits))
		}
	}
	return true, out
}

// A private line to a VPC, as the controller makes it: a VPN gateway
// attached to the VPC, a private virtual interface on the lab's line
// landing on it, and a route to the customer's /30 via the gateway. Then
// the instance and the site reach each other over the line, and a site
// prefix beyond the /30 is reached via the customer's router; the site
// does not reach a VPC peered with the VPC (no transit through it).
// Detaching the gateway takes the line down, attaching brings it back,
// deleting the virtual interface removes it, and closing the realizer
// removes the link of another one; the site's namespace stays throughout.
func TestDirectConnect(t *testing.T) {
	roottest.Require(t)
	site := roottest.NewNamespaces(t, "site")[0]
	const dxIfName = "dx0"
	t.Cleanup(func() {
		// Runs after the realizer closed, before the namespace goes.
		if !netns.Exists(site.Name) {
			t.Errorf("the site's namespace %s was deleted", site.Name)
		}
		if up, _ := siteLink(t, site, dxIfName); up {
			t.Errorf("%s still has %s after the realizer closed", site.Name, dxIfName)
		}
	})
	l := newLabWith(t, func(o *Options) {
		o.Circuits = []Circuit{{Name: "dc1", Account: acct, Namespace: site.Name, Interface: dxIfName}}
	})
	lo, err := site.NL.LinkByName("lo")
	l.ok(err)
	l.ok(site.NL.LinkSetUp(lo))
	roottest.AddAddr(t, site.NL, lo, "172.16.0.1/32") // a site prefix behind the customer router

	conns := l.cloud.DXConnections(acct)
	if len(conns) != 1 || conns[0].Name != "dc1" || conns[0].State != model.StateAvailable {
		t.Fatalf("connections = %+v", conns)
	}
	v := l.vpc("10.0.0.0/16")
	a := l.instance(l.subnet(v, "10.0.1.0/24"), l.openGroup(v, "open", "0.0.0.0/0").ID)
	w := l.vpc("10.1.0.0/16")
	b := l.instance(l.subnet(w, "10.1.1.0/24"), l.openGroup(w, "open", "0.0.0.0/0").ID)
	pcx := must[model.Peering](t)(l.cloud.RequestPeering(acct, v.ID, "", w.ID, nil))
	must[model.Peering](t)(l.cloud.AcceptPeering(acct, pcx.ID))
	l.ok(l.cloud.CreateRoute(acct, v.MainRouteTableID, netip.MustParsePrefix("10.1.0.0/16"), model.Target{Kind: model.TargetPeering, ID: pcx.ID}))
	l.ok(l.cloud.CreateRoute(acct, w.MainRouteTableID, netip.MustParsePrefix("10.0.0.0/16"), model.Target{Kind: model.TargetPeering, ID: pcx.ID}))
	// W would send replies to the site back through the peering.
	l.ok(l.cloud.CreateRoute(acct, w.MainRouteTableID, netip.MustParsePrefix("192.168.100.0/30"), model.Target{Kind: model.TargetPeering, ID: pcx.ID}))

	g := must[model.VPNGateway](t)(l.cloud.CreateVPNGateway(acct, 0, nil))
	l.ok(l.cloud.AttachVPNGateway(acct, g.ID, v.ID))
	cloudAddr, customer := netip.MustParseAddr("192.168.100.1"), netip.MustParseAddr("192.168.100.2")
	vif := must[model.DXVirtualInterface](t)(l.cloud.CreateDXVirtualInterface(acct, model.DXVirtualInterfaceSpec{ConnectionID: conns[0].ID,
		Name: "to-transit", VLAN: 100, CustomerASN: 65010, CloudAddress: netip.PrefixFrom(cloudAddr, 30),
		CustomerAddress: netip.PrefixFrom(customer, 30), VPNGatewayID: g.ID}, nil))
	l.ok(l.cloud.CreateRoute(acct, v.MainRouteTableID, netip.MustParsePrefix("192.168.100.0/30"), model.Target{Kind: model.TargetVPNGateway, ID: g.ID}))
	l.ok(l.cloud.CreateRoute(acct, v.MainRouteTableID, netip.MustParsePrefix("172.16.0.0/16"), model.Target{Kind: model.TargetVPNGateway, ID: g.ID}))
	l.sync()

	up, routes := siteLink(t, site, dxIfName)
	if !up || !slices.Contains(routes, netip.MustParsePrefix("10.0.0.0/16")) {
		t.Fatalf("site: link %s up=%v, routes %v; want a route to 10.0.0.0/16", dxIfName, up, routes)
	}
	l.pingOK(l.ns(a), customer)
	atA := echoRequests(t, l.ns(a), customer)
	l.pingOK(site.Name, a.PrivateIP)
	if n := atA(); n == 0 {
		t.Fatalf("%s answered, but its namespace saw no echo request from %s", l.ns(a), customer)
	}
	l.pingOK(site.Name, cloudAddr)                        // the cloud's peer address answers
	l.pingOK(l.ns(a), netip.MustParseAddr("172.16.0.1"))  // beyond the /30, via the customer's router
	l.pingOK(l.ns(a), b.PrivateIP)                        // the peering works
	addRoute(t, site, "10.1.0.0/16", cloudAddr, dxIfName) // the site tries the peered VPC anyway
	atB := echoRequests(t, l.ns(b), customer)
	l.pingFails(site.Name, b.PrivateIP)
	if n := atB(); n != 0 {
		t.Fatalf("%d echo requests from the site reached %s through the VPC", n, b.PrivateIP) // no transit
	}

	// Detached, the VIF is down: no line; attached again, it is back.
	l.ok(l.cloud.DetachVPNGateway(acct, g.ID, v.ID))
	l.sync()
	if up, _ := siteLink(t, site, dxIfName); up {
		t.Fatalf("%s still up with the VPN gateway detached", dxIfName)
	}
	l.ok(l.cloud.AttachVPNGateway(acct, g.ID, v.ID))
	l.sync()
	l.pingOK(l.ns(a), customer)
	l.pingOK(site.Name, a.PrivateIP)

	must[model.DXVirtualInterface](t)(l.cloud.DeleteDXVirtualInterface(acct, vif.ID))
	l.sync()
	if up, _ := siteLink(t, site, dxIfName); up {
		t.Fatalf("%s still up after DeleteVirtualInterface", dxIfName)
	}
	rnl, err := netns.Netlink(l.r.routerNS(v.Handle))
	l.ok(err)
	defer rnl.Close()
	if _, err := rnl.LinkByName(dxIf(vif.Handle)); err == nil {
		t.Fatalf("the router still has %s after DeleteVirtualInterface", dxIf(vif.Handle))
	}
	l.pingFails(l.ns(a), customer)

	// Another VIF on the line; closing the realizer removes its link (the
	// cleanup above checks).
	must[model.DXVirtualInterface](t)(l.cloud.CreateDXVirtualInterface(acct, model.DXVirtualInterfaceSpec{ConnectionID: conns[0].ID,
		Name: "again", VLAN: 101, CustomerASN: 65010, VPNGatewayID: g.ID}, nil))
	l.sync()
	if up, _ := siteLink(t, site, dxIfName); !up {
		t.Fatalf("no %s for the second virtual interface", dxIfName)
	}
}

func addRoute(t *testing.T, ns *roottest.NS, dst string, via netip.Addr, dev string) {
	t.Helper()
	k, err := ns.NL.LinkByName(dev)
	if err != nil {
		t.Fatal(err)
	}
	if err := ns.NL.RouteAdd(&netlink.Route{Dst: ipNet(netip.MustParsePrefix(dst)), Gw: net.IP(via.AsSlice()), LinkIndex: k.Attrs().Index}); err != nil {
		t.Fatal(err)
	}
}

// echoRequests counts the ICMP echo requests from src that reach namespace
// ns, from now until the returned function is called; that returns the
// count. The socket's buffer keeps what arrives meanwhile, and the
// function reads what the buffer holds.
func echoRequests(t *testing.T, ns string, src netip.Addr) func() int {
	t.Helper()
	var c *icmp.PacketConn
	if err := netns.Do(ns, func() error {
		var err error
		c, err = icmp.ListenPacket("ip4:icmp", "0.0.0.0") // the socket stays in ns
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return func() int {
		t.Helper()
		n := 0
		b := make([]byte, 1500)
		// Only what is queued already: a read waits at most 100ms.
		for {
			if err := c.SetReadDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
				t.Fatal(err)
			}
			k, from, err := c.ReadFrom(b)
			if err != nil {
				return n
			}
			if ip, ok := from.(*net.IPAddr); ok && k > 0 && b[0] == 8 { // type 8: echo request
				if a, _ := netip.AddrFromSlice(ip.IP); a.Unmap() == src {
					n++
				}
			}
		}
	}
}
