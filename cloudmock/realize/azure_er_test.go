package realize

import (
	"net/netip"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestAzureExpressRoute: ExpressRoute private peering on the lab's private
// line (the VNet's gateway with a private peering on the circuit) brings
// the line up; an on-premises prefix that the system routes send to None
// is reached once a user-defined route sends it to the virtual network
// gateway, over the line; so is the circuit's own /30, and then the site
// reaches the VM from its end of the line.
func TestAzureExpressRoute(t *testing.T) {
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
