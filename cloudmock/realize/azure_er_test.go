package realize

import (
	"net/netip"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// newERLab is an Azure lab with the private line er1 (the circuit's
// line, of subscription azSub in eastus) to a site namespace whose router
// holds the on-premises address 172.16.0.1 on its loopback; the line's
// end there is er0.
func newERLab(t *testing.T) (*lab, *roottest.NS, netip.Addr) {
	t.Helper()
	roottest.Require(t)
	site := roottest.NewNamespaces(t, "site")[0]
	l := newAzureLab(t, func(o *Options) {
		o.Circuits = []Circuit{{Name: "er1", Account: azSub, Region: "eastus", Namespace: site.Name, Interface: "er0"}}
	})
	lo, err := site.NL.LinkByName("lo")
	l.ok(err)
	l.ok(site.NL.LinkSetUp(lo))
	onprem := netip.MustParseAddr("172.16.0.1")
	roottest.AddAddr(t, site.NL, lo, onprem.String()+"/32")
	return l, site, onprem
}

// TestAzureExpressRoute: ExpressRoute private peering on the lab's private
// line (the VNet's gateway with a private peering on the circuit) brings
// the line up; an on-premises prefix that the system routes send to None
// is reached once a user-defined route sends it to the virtual network
// gateway, over the line; so is the circuit's own /30, and then the site
// reaches the VM from its end of the line.
func TestAzureExpressRoute(t *testing.T) {
	l, site, onprem := newERLab(t)

	v, subs := l.vnet("v4", "10.4.0.0/16", "10.4.1.0/24")
	vm := l.vm(subs[0], "vm")
	g := must[model.VPNGateway](t)(l.cloud.CreateVPNGatewayAt(azSub, model.Place{Region: "eastus", Scope: "rg", Name: "ergw"}, 0, nil))
	l.ok(l.cloud.AttachVPNGateway(azSub, g.ID, v.ID))
	conn := l.cloud.DXConnections(azSub)[0]
	must[model.DXVirtualInterface](t)(l.cloud.CreateDXVirtualInterface(azSub, model.DXVirtualInterfaceSpec{ConnectionID: conn.ID,
		Name: "AzurePrivatePeering", VLAN: 100, CustomerASN: 65010, CloudAddress: netip.MustParsePrefix("192.168.100.1/30"),
		CustomerAddress: netip.MustParsePrefix("192.168.100.2/30"), VPNGatewayID: g.ID}, nil))
	l.sync()
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-udr-overview#default — 172.16.0.0/12 has next hop None
	l.pingFails(l.ns(vm), onprem)
	gw := model.Target{Kind: model.TargetNetworkGateway}
	l.routeTable("rt", subs[0], model.Route{Name: "onprem", Destination: netip.MustParsePrefix("172.16.0.0/16"), Target: gw},
		model.Route{Name: "peering-link", Destination: netip.MustParsePrefix("192.168.100.0/30"), Target: gw})
	l.sync()
	l.pingOK(l.ns(vm), onprem)
	l.pingOK(site.Name, vm.PrivateIP)
}

// TestAzureGatewayTransit: a spoke VNet peered with the hub whose gateway
// has the ExpressRoute private peering reaches on-premises through it
// only while the spoke uses remote gateways and the hub allows gateway
// transit; the site then reaches the spoke's VM (the hub advertises the
// spoke's space), though neither side takes forwarded traffic.
func TestAzureGatewayTransit(t *testing.T) {
	l, site, onprem := newERLab(t)

	hub, hs := l.vnet("hub", "10.5.0.0/16", "10.5.1.0/24")
	spoke, ss := l.vnet("spoke", "10.6.0.0/16", "10.6.1.0/24")
	hvm, svm := l.vm(hs[0], "hvm"), l.vm(ss[0], "svm")
	g := must[model.VPNGateway](t)(l.cloud.CreateVPNGatewayAt(azSub, model.Place{Region: "eastus", Scope: "rg", Name: "ergw"}, 0, nil))
	l.ok(l.cloud.AttachVPNGateway(azSub, g.ID, hub.ID))
	conn := l.cloud.DXConnections(azSub)[0]
	must[model.DXVirtualInterface](t)(l.cloud.CreateDXVirtualInterface(azSub, model.DXVirtualInterfaceSpec{ConnectionID: conn.ID,
		Name: "AzurePrivatePeering", VLAN: 100, CustomerASN: 65010, CloudAddress: netip.MustParsePrefix("192.168.100.1/30"),
		CustomerAddress: netip.MustParsePrefix("192.168.100.2/30"), VPNGatewayID: g.ID}, nil))
	pc := l.peer(spoke, hub)
	for _, n := range []model.Network{hub, spoke} {
		l.ok(l.cloud.SetPeeringSide(azSub, pc.ID, n.ID, model.PeeringSide{BlockForwarded: true}))
	}
	gw := model.Target{Kind: model.TargetNetworkGateway}
	routes := []model.Route{{Name: "onprem", Destination: netip.MustParsePrefix("172.16.0.0/16"), Target: gw},
		{Name: "peering-link", Destination: netip.MustParsePrefix("192.168.100.0/30"), Target: gw}}
	l.routeTable("rt-hub", hs[0], routes...)
	l.routeTable("rt-spoke", ss[0], routes...)
	l.sync()
	l.pingOK(l.ns(hvm), onprem)
	l.pingOK(l.ns(svm), hvm.PrivateIP)
	l.pingFails(l.ns(svm), onprem) // the spoke has no gateway of its own

	l.ok(l.cloud.SetPeeringSide(azSub, pc.ID, hub.ID, model.PeeringSide{BlockForwarded: true, GatewayTransit: true}))
	l.ok(l.cloud.SetPeeringSide(azSub, pc.ID, spoke.ID, model.PeeringSide{BlockForwarded: true, UseRemoteGateways: true}))
	l.sync()
	l.pingOK(l.ns(svm), onprem)
	l.pingOK(site.Name, svm.PrivateIP)
	l.pingOK(l.ns(hvm), onprem)
}
