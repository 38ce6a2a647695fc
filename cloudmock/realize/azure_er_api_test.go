package realize

import (
	"context"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/cloudmock/azure/azuretest"
)

// erARM makes, through ARM, what an ExpressRoute private peering to VNet
// v4 needs short of the connection: the GatewaySubnet and an ExpressRoute
// gateway in it, a route table on the workload subnet sending the site's
// prefix and the peering's /30 to the gateway, the circuit er1 and its
// private peering (peer ASN 65010, 192.168.100.0/30, VLAN 100). It
// returns the gateway's and the circuit's IDs.
func (a azARM) erARM(l *lab, workload string) (string, string) {
	l.t.Helper()
	ctx := context.Background()
	gwSubnet, err := azuretest.Wait(a.net.NewSubnetsClient().BeginCreateOrUpdate(ctx, "rg", "v4", "GatewaySubnet",
		armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr("10.4.255.0/27")}}, nil))
	l.ok(err)
	gw, err := azuretest.Wait(a.net.NewVirtualNetworkGatewaysClient().BeginCreateOrUpdate(ctx, "rg", "ergw", armnetwork.VirtualNetworkGateway{
		Location: to.Ptr("eastus"), Properties: &armnetwork.VirtualNetworkGatewayPropertiesFormat{
			GatewayType: to.Ptr(armnetwork.VirtualNetworkGatewayTypeExpressRoute), SKU: &armnetwork.VirtualNetworkGatewaySKU{Name: to.Ptr(armnetwork.VirtualNetworkGatewaySKUNameStandard)},
			IPConfigurations: []*armnetwork.VirtualNetworkGatewayIPConfiguration{{Name: to.Ptr("default"),
				Properties: &armnetwork.VirtualNetworkGatewayIPConfigurationPropertiesFormat{Subnet: &armnetwork.SubResource{ID: gwSubnet.ID}}}}}}, nil))
	l.ok(err)
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-udr-overview#default — 172.16.0.0/12 and 192.168.0.0/16 have next hop None until a route overrides it
	toGW := func(name, prefix string) *armnetwork.Route {
		return &armnetwork.Route{Name: to.Ptr(name), Properties: &armnetwork.RoutePropertiesFormat{AddressPrefix: to.Ptr(prefix),
			NextHopType: to.Ptr(armnetwork.RouteNextHopTypeVirtualNetworkGateway)}}
	}
	rt, err := azuretest.Wait(a.net.NewRouteTablesClient().BeginCreateOrUpdate(ctx, "rg", "rt", armnetwork.RouteTable{Location: to.Ptr("eastus"),
		Properties: &armnetwork.RouteTablePropertiesFormat{Routes: []*armnetwork.Route{toGW("onprem", "172.16.0.0/16"), toGW("peering-link", "192.168.100.0/30")}}}, nil))
	l.ok(err)
	_, err = azuretest.Wait(a.net.NewSubnetsClient().BeginCreateOrUpdate(ctx, "rg", "v4", "s0", armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{
		AddressPrefix: to.Ptr(workload), RouteTable: &armnetwork.RouteTable{ID: rt.ID}}}, nil))
	l.ok(err)
	circuit, err := azuretest.Wait(a.net.NewExpressRouteCircuitsClient().BeginCreateOrUpdate(ctx, "rg", "er1", armnetwork.ExpressRouteCircuit{
		Location: to.Ptr("eastus"), SKU: &armnetwork.ExpressRouteCircuitSKU{Tier: to.Ptr(armnetwork.ExpressRouteCircuitSKUTierStandard),
			Family: to.Ptr(armnetwork.ExpressRouteCircuitSKUFamilyMeteredData)},
		Properties: &armnetwork.ExpressRouteCircuitPropertiesFormat{ServiceProviderProperties: &armnetwork.ExpressRouteCircuitServiceProviderProperties{
			ServiceProviderName: to.Ptr("mcnlab"), PeeringLocation: to.Ptr("mcnlab"), BandwidthInMbps: to.Ptr[int32](1000)}}}, nil))
	l.ok(err)
	_, err = azuretest.Wait(a.net.NewExpressRouteCircuitPeeringsClient().BeginCreateOrUpdate(ctx, "rg", "er1", "AzurePrivatePeering",
		armnetwork.ExpressRouteCircuitPeering{Properties: &armnetwork.ExpressRouteCircuitPeeringPropertiesFormat{
			PeeringType: to.Ptr(armnetwork.ExpressRoutePeeringTypeAzurePrivatePeering), PeerASN: to.Ptr[int64](65010), VlanID: to.Ptr[int32](100),
			PrimaryPeerAddressPrefix: to.Ptr("192.168.100.0/30"), SecondaryPeerAddressPrefix: to.Ptr("192.168.100.4/30")}}, nil))
	l.ok(err)
	return *gw.ID, *circuit.ID
}

// TestAzureExpressRouteThroughARM: the lab's line er1 to an on-premises
// router, driven only by ARM calls through the Go SDK: with the circuit,
// its private peering, an ExpressRoute gateway and the routes in place,
// the router and the VM do not reach each other until the connection of
// type ExpressRoute links the gateway to the circuit; then the VM reaches
// the on-premises address and the router (from its end of the peering's
// /30, the first usable address) reaches the VM; deleting the connection
// cuts them apart again.
func TestAzureExpressRouteThroughARM(t *testing.T) {
	l, site, onprem := newERLab(t)

	a := newAzARM(l)
	sn := a.vnet(l, "v4", "10.4.0.0/16", "10.4.1.0/24")
	vm := a.vm(l, sn, "vm", "Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts")
	other := a.vm(l, sn, "vm2", "Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts")
	gw, circuit := a.erARM(l, "10.4.1.0/24")
	l.pingOK(l.ns(other), vm.PrivateIP) // the VM is up
	l.pingFails(l.ns(vm), onprem)
	l.pingFails(site.Name, vm.PrivateIP)

	conns := a.net.NewVirtualNetworkGatewayConnectionsClient()
	_, err := azuretest.Wait(conns.BeginCreateOrUpdate(context.Background(), "rg", "er-link", armnetwork.VirtualNetworkGatewayConnection{
		Location: to.Ptr("eastus"), Properties: &armnetwork.VirtualNetworkGatewayConnectionPropertiesFormat{
			ConnectionType:         to.Ptr(armnetwork.VirtualNetworkGatewayConnectionTypeExpressRoute),
			VirtualNetworkGateway1: &armnetwork.VirtualNetworkGateway{ID: to.Ptr(gw)}, Peer: &armnetwork.SubResource{ID: to.Ptr(circuit)}}}, nil))
	l.ok(err)
	l.pingOK(l.ns(vm), onprem)
	l.pingOK(site.Name, vm.PrivateIP)
	er0, err := site.NL.LinkByName("er0")
	l.ok(err)
	addrs, err := site.NL.AddrList(er0, netlink.FAMILY_V4)
	l.ok(err)
	if len(addrs) != 1 || addrs[0].IPNet.String() != "192.168.100.1/30" {
		t.Fatalf("the site's end of the peering holds %v, want the /30's first usable address 192.168.100.1/30", addrs)
	}

	_, err = azuretest.Wait(conns.BeginDelete(context.Background(), "rg", "er-link", nil))
	l.ok(err)
	l.pingFails(site.Name, vm.PrivateIP)
	l.pingFails(l.ns(vm), onprem)
}
